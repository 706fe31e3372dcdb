"""A feed read again with its known items remembered: the same result as a full parse, on every
feed the tests hold, at the cost of the new items only."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from newswire.poller.incremental import ItemMemo
from newswire.poller.parsing import ParsedFeed, parse_feed
from tests.unit.poller.test_parsing import (
    ATOM03,
    BASE,
    FEEDPARSER_ILLFORMED,
    RDF,
    RSS2_HINTS,
    RSS091,
)

FAULTS = Path(__file__).parent / "feeds_faults"


def _rss(first: int, last: int, *, relative: bool = False, base: str | None = None) -> bytes:
    """An RSS 2.0 feed with Dublin Core, Media RSS, CDATA and entities in its items, newest first."""
    items = "".join(
        f"""<item><title><![CDATA[Story {i} & more]]></title>
<link>{'/news/' if relative else 'https://news.example.net/news/'}{i}</link>
<guid isPermaLink="false">story-{i}</guid><pubDate>Sun, 06 Dec 2026 08:{i % 60:02d}:00 GMT</pubDate>
<description>&lt;p&gt;Summary of story {i} &amp;amp; its &lt;b&gt;context&lt;/b&gt;.&lt;/p&gt;</description>
<dc:creator>Reporter {i % 3}</dc:creator><category>World</category>
<media:content url="https://img.example.net/{i}.jpg" medium="image"/></item>"""
        for i in range(last, first - 1, -1)
    )
    xml_base = f' xml:base="{base}"' if base else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:atom="http://www.w3.org/2005/Atom"><channel{xml_base}><title>Example</title>
<link>https://news.example.net/</link><atom:link rel="hub" href="https://hub.example.org/"/>
<description>x</description><lastBuildDate>Sun, 06 Dec 2026 08:{last % 60:02d}:00 GMT</lastBuildDate>
{items}</channel></rss>""".encode()


def _atom(first: int, last: int) -> bytes:
    entries = "".join(
        f"""<entry><title type="html">Entry {i} &amp;lt;b&amp;gt;</title><id>tag:news.example.net,2026:{i}</id>
<link rel="alternate" href="https://news.example.net/e/{i}"/><updated>2026-12-06T08:{i % 60:02d}:00Z</updated>
<author><name>Writer {i}</name></author><summary>Entry {i} summary.</summary></entry>"""
        for i in range(last, first - 1, -1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom news</title><link rel="self" href="https://news.example.net/atom.xml"/>
<updated>2026-12-06T08:00:00Z</updated>{entries}</feed>""".encode()


CORPUS: dict[str, bytes] = {
    "rss091-latin1": RSS091,
    "rdf": RDF,
    "atom03": ATOM03,
    "rss2-hints": RSS2_HINTS,
    "rss2-generated": _rss(1, 12),
    "rss2-relative": _rss(1, 5, relative=True),
    "rss2-xml-base": _rss(1, 5, relative=True, base="https://mirror.example.org/"),
    "atom-generated": _atom(1, 8),
    **{f"feedparser-{name}": body for name, (body, _) in FEEDPARSER_ILLFORMED.items()},
    **{f"faults-{p.relative_to(FAULTS).as_posix()}": p.read_bytes() for p in sorted(FAULTS.rglob("*.xml"))},
}


def _without_first_item(body: bytes) -> bytes | None:
    """`body` with its first item or entry taken out, or None when it is not well-formed or has
    fewer than two."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    items = [el for el in root.iter() if etree.QName(el).localname in ("item", "entry")]
    if len(items) < 2:
        return None
    parent = items[0].getparent()
    assert parent is not None
    parent.remove(items[0])
    out: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")
    return out


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_memo_never_changes_what_a_feed_parses_to(name: str) -> None:
    body = CORPUS[name]
    full = parse_feed(body, BASE)
    memo = ItemMemo()
    assert parse_feed(body, BASE, memo=memo) == full  # cold
    assert parse_feed(body, BASE, memo=memo) == full  # every item remembered
    shorter = _without_first_item(body)
    if shorter is not None:
        # read after its longer self: all but the new first item's absence are remembered
        assert parse_feed(shorter, BASE, memo=memo) == parse_feed(shorter, BASE)
        fresh = ItemMemo()
        parse_feed(shorter, BASE, memo=fresh)
        # and the longer one after the shorter one: one item new
        assert parse_feed(body, BASE, memo=fresh) == full


def test_a_push_with_one_new_item_parses_only_that_item() -> None:
    memo = ItemMemo()
    first = parse_feed(_rss(1, 50), BASE, memo=memo)
    assert len(first.items) == 50 and (memo.hits, memo.misses) == (0, 50)
    pushed = parse_feed(_rss(2, 51), BASE, memo=memo)  # the oldest dropped, a new one on top
    assert pushed == parse_feed(_rss(2, 51), BASE)
    assert (memo.hits, memo.misses) == (49, 51)
    assert pushed.items[0].link == "https://news.example.net/news/51"
    assert pushed.title == "Example" and pushed.hints.hub == "https://hub.example.org/"


def test_the_context_an_item_parses_in_is_part_of_its_key() -> None:
    memo = ItemMemo()
    parse_feed(_rss(1, 3, relative=True), BASE, memo=memo)
    elsewhere = parse_feed(_rss(1, 3, relative=True), "https://other.example.com/feed", memo=memo)
    assert elsewhere.items[0].link == "https://other.example.com/news/3"
    rebased = parse_feed(_rss(1, 3, relative=True, base="https://mirror.example.org/"), BASE, memo=memo)
    assert rebased == parse_feed(_rss(1, 3, relative=True, base="https://mirror.example.org/"), BASE)
    assert memo.hits == 0


def test_documents_the_split_does_not_understand_go_the_full_way() -> None:
    memo = ItemMemo()
    # another charset sent than the document's: feedparser's choice of encoding decides
    latin = parse_feed(_rss(1, 3), BASE, content_type="text/xml; charset=iso-8859-1", memo=memo)
    assert latin == parse_feed(_rss(1, 3), BASE, content_type="text/xml; charset=iso-8859-1")
    # not well-formed: feedparser's loose reading, with its warnings
    broken = (FAULTS / "bare_ampersand" / "wordpress-title-and-description.xml").read_bytes()
    assert parse_feed(broken, BASE, memo=memo) == parse_feed(broken, BASE)
    assert len(memo) == 0


def test_the_memo_forgets_the_least_recently_used_items() -> None:
    memo = ItemMemo(max_items=10)
    parse_feed(_rss(1, 8), BASE, memo=memo)
    parse_feed(_atom(1, 8), BASE, memo=memo)
    assert len(memo) == 10
    again: ParsedFeed = parse_feed(_atom(1, 8), BASE, memo=memo)
    assert again == parse_feed(_atom(1, 8), BASE) and memo.hits == 8
