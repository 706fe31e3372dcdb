"""Atom and RSS 2.0 of revisions: feedparser reads them without complaint (no bozo), they are
well-formed XML with every required element, and hostile text stays text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest

from newswire.web.feeds import FeedMeta, atom, feed_id, revision_entry, rss, xml_text
from newswire.web.shapes import revision_view
from tests.factories import T0
from tests.unit.web.fake import EDITED, PARAGRAPHS, URL, as_stored, only_allowed_markup, revision_message, sample_docs

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> \x00\x0b\ufffe & ]]>'
META = FeedMeta(
    id=feed_id("revisions"), title="newswire: Revisions", subtitle="Every change.",
    page="http://testserver/revisions", self_url="http://testserver/feeds/revisions.atom",
)


def entries(hostile: bool = False) -> list:
    from newswire.sink.documents import revision_doc

    docs = sample_docs()["revisions"]
    if hostile:
        bad = revision_message(
            URL, [*PARAGRAPHS, "calm"], [*EDITED, HOSTILE], 4, title_old=HOSTILE, title_new=HOSTILE + " (updated)",
            outlet=HOSTILE,
        )
        docs = [*docs, as_stored(revision_doc(bad))]
    return [revision_entry(revision_view(d, with_diff=True), "http://testserver") for d in docs]


def validate_atom(data: bytes) -> ET.Element:
    """The elements RFC 4287 requires: feed id, title, updated, an author (feed-level here),
    a self link; each entry's id, title, updated, and content or an alternate link."""
    root = ET.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link"))
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}content") is not None or entry.find(f"{ATOM}link") is not None
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
    return root


def validate_rss(data: bytes) -> ET.Element:
    """RSS 2.0: channel title, link, description; each item a title or description, a guid."""
    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("guid") and item.find("guid").get("isPermaLink") == "false"  # type: ignore[union-attr]
        assert item.findtext("pubDate")
    return root


@pytest.mark.parametrize("hostile", [False, True], ids=["plain", "hostile"])
def test_atom_parses_without_bozo_and_has_every_required_element(hostile: bool) -> None:
    items = entries(hostile)
    data = atom(META, items)
    validate_atom(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == len(items)
    first = parsed.entries[0]
    assert first.id.startswith("urn:newswire:revision:")
    assert first.link.startswith("http://testserver/articles/")
    assert "<ins>fourteen</ins>" in first.content[0].value


@pytest.mark.parametrize("hostile", [False, True], ids=["plain", "hostile"])
def test_rss_parses_without_bozo_and_has_every_required_element(hostile: bool) -> None:
    items = entries(hostile)
    data = rss(META, items)
    validate_rss(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert len(parsed.entries) == len(items)


def test_hostile_text_stays_text_in_both_formats() -> None:
    items = entries(hostile=True)
    atom_data, rss_data = atom(META, items), rss(META, items)
    contents = [
        *(e.text or "" for e in ET.fromstring(atom_data).iter(f"{ATOM}content")),
        *(e.text or "" for e in ET.fromstring(rss_data).iter("{http://purl.org/rss/1.0/modules/content/}encoded")),
    ]
    assert len(contents) == 2 * len(items)
    for html in contents:  # the HTML a feed reader renders: only the diff's own tags
        assert only_allowed_markup(html), html
    for data in (atom_data, rss_data):
        assert b"<script" not in data and b"<img" not in data  # escaped in the XML itself
        texts = "".join(ET.fromstring(data).itertext())
        assert "\x00" not in texts and "\ufffe" not in texts and "\x0b" not in texts
    parsed = feedparser.parse(atom_data)
    hostile_entry = parsed.entries[-1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile_entry.content[0].value
    assert hostile_entry.title.startswith("<script>alert(1)</script>")  # a title is text, shown as text


def test_an_empty_feed_is_valid() -> None:
    for data, check in ((atom(META, []), validate_atom), (rss(META, []), validate_rss)):
        check(data)
        assert not feedparser.parse(data).bozo


def test_entry_fields() -> None:
    (entry, latest) = entries()
    assert entry.updated == datetime(2016, 9, 8, 10, 10, tzinfo=UTC) and entry.updated > T0
    assert entry.link == f"http://testserver/articles/{entry.id.rsplit(':', 1)[1].split('-v')[0]}#v2"
    assert "body" in entry.title and entry.categories == ("body_edited", "paragraphs_added")
    assert "paragraphs changed: 2" in entry.summary
    assert "headline was: Syria talks end without a deal" in latest.summary


def test_xml_text_drops_what_xml_cannot_carry() -> None:
    assert xml_text("a\x00b\x08c\td\ne\ufffef\U0001f600") == "abc\td\nef\U0001f600"
    assert feed_id("outlet", "A/B <x>") == "urn:newswire:feed:outlet:A%2FB%20%3Cx%3E"
