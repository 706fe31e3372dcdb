"""Feeds as the world serves them (#24): never refuse a feed that a lenient reader can read.

`feeds_faults/<class>/` holds feed documents written in the shapes of common public feeds
(WordPress RSS 2.0, Atom 1.0, RDF/RSS 1.0), each carrying one kind of real-world fault (`mixed/`:
several at once). Per document: the items recovered (count and links), the warning classes, no
crash. Then the anchor: on these and on the feedparser project's own test documents, no document
from which plain `feedparser.parse` recovers items gives none here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newswire.cli.main import app
from newswire.contracts import FeedConfig, FeedStatus, FetchRequest
from newswire.contracts.ids import feed_id
from newswire.poller.logic import FeedResponse, PollPolicy, evaluate_poll, evaluate_push, new_record, with_state
from newswire.poller.items import fetch_request
from newswire.poller.state import FeedRecord
from newswire.poller.compare import compare_with_feedparser, tally
from newswire.poller.parsing import WARNING_CLASSES, parse_feed

#: The warnings a feed document itself can earn (the sitemap_* ones are about an index's children).
DOCUMENT_FAULTS = tuple(w for w in WARNING_CLASSES if not w.startswith("sitemap_"))
from tests.unit.poller.test_parsing import BILLION_LAUGHS, FEEDPARSER_ILLFORMED, XXE
from tests.unit.security.feeds import feedparser_corpus

FAULTS = Path(__file__).parent / "feeds_faults"
BASE = "https://feeds.example.test/feed"
NOW = datetime(2024, 5, 14, 12, tzinfo=UTC)
runner = CliRunner()

WORDPRESS = [
    "https://gazette.example.org/2024/05/14/ferry-timetable-changes/",
    "https://gazette.example.org/2024/05/13/harbour-wall-repairs/",
    "https://gazette.example.org/2024/05/12/school-choir-wins/",
    "https://gazette.example.org/2024/05/11/market-square-plans/",
    "https://gazette.example.org/2024/05/10/lifeboat-open-day/",
]
ATOM = [
    "https://science.example.net/2024/05/comet-returns",
    "https://science.example.net/2024/05/glacier-survey",
    "https://science.example.net/2024/05/bee-navigation",
    "https://science.example.net/2024/05/quantum-sensor",
    "https://science.example.net/2024/05/deep-sea-vents",
]
RDF = [f"https://tech.example.com/story/24/05/14/{1000 + i}/?utm_source=rss1.0&utm_medium=feed" for i in range(5)]

#: fixture -> (the links of the items recovered, in order; the warning classes)
EXPECTED: dict[str, tuple[list[str], set[str]]] = {
    "leading_whitespace/wordpress-newline.xml": (WORDPRESS, {"leading_whitespace"}),
    "leading_whitespace/wordpress-bom-then-blank-lines.xml": (WORDPRESS, {"leading_whitespace"}),
    "leading_whitespace/atom-crlf-indent.xml": (ATOM, {"leading_whitespace"}),
    "leading_whitespace/rdf-spaces-and-tab.xml": (RDF, {"leading_whitespace"}),
    "byte_order_mark/wordpress-newline-then-bom.xml": (WORDPRESS, {"leading_whitespace", "byte_order_mark"}),
    "byte_order_mark/atom-double-bom.xml": (ATOM, {"byte_order_mark"}),
    "byte_order_mark/rdf-space-bom-no-declaration.xml": (RDF, {"byte_order_mark"}),
    "encoding_mismatch/wordpress-declared-utf8-body-cp1252.xml": (WORDPRESS, {"encoding_mismatch"}),
    "encoding_mismatch/atom-declared-latin1-body-utf8.xml": (ATOM, {"encoding_mismatch"}),
    "encoding_mismatch/rdf-declared-utf16-body-utf8.xml": (RDF, {"encoding_mismatch"}),
    "encoding_mismatch/wordpress-declared-utf8mb4.xml": (WORDPRESS, {"encoding_mismatch"}),
    "undefined_entity/wordpress-nbsp-hellip-eacute.xml": (WORDPRESS, {"undefined_entity"}),
    "undefined_entity/atom-eacute-in-title.xml": (ATOM, {"undefined_entity"}),
    "undefined_entity/rdf-copy-and-mdash.xml": (RDF, {"undefined_entity"}),
    "bare_ampersand/wordpress-title-and-description.xml": (WORDPRESS, {"bare_ampersand"}),
    "bare_ampersand/atom-href-query.xml": ([ATOM[0] + "?ref=rss&lang=en", *ATOM[1:]], {"bare_ampersand"}),
    "bare_ampersand/rdf-link-query.xml": (RDF, {"bare_ampersand"}),
    "invalid_character/wordpress-control-characters.xml": (WORDPRESS, {"invalid_character"}),
    "invalid_character/atom-escape-character-reference.xml": (ATOM, {"invalid_character"}),
    "invalid_character/rdf-form-feed.xml": (RDF, {"invalid_character"}),
    "mismatched_tag/wordpress-raw-html-description.xml": (WORDPRESS, {"mismatched_tag"}),
    "mismatched_tag/atom-xhtml-content.xml": (ATOM, {"mismatched_tag"}),
    "mismatched_tag/rdf-unclosed-br.xml": (RDF, {"mismatched_tag"}),
    # the item the cut falls in is dropped, even with its link and GUID whole
    "truncated/wordpress-cut-in-content.xml": (WORDPRESS[:3], {"truncated"}),
    "truncated/wordpress-cut-before-guid.xml": (WORDPRESS[:3], {"truncated"}),
    "truncated/wordpress-cut-in-link.xml": (WORDPRESS[:2], {"truncated"}),
    "truncated/atom-cut-in-title.xml": (ATOM[:2], {"truncated"}),
    "truncated/atom-cut-after-last-entry.xml": (ATOM, {"truncated"}),
    "truncated/rdf-cut-between-items.xml": (RDF[:4], {"truncated"}),
    "not_well_formed/wordpress-php-warning-before.xml": (WORDPRESS, {"not_well_formed"}),
    "not_well_formed/wordpress-php-notice-after.xml": (WORDPRESS, {"not_well_formed"}),
    "not_well_formed/wordpress-unquoted-attribute.xml": (WORDPRESS, {"not_well_formed"}),
    "not_well_formed/atom-undeclared-media-prefix.xml": (ATOM, {"not_well_formed"}),
    "mixed/wordpress-whitespace-entity-ampersand-cut.xml": (
        WORDPRESS[:4], {"leading_whitespace", "undefined_entity", "bare_ampersand", "truncated"},
    ),
    "mixed/atom-bom-latin1-lie-and-nbsp.xml": (
        ATOM, {"leading_whitespace", "byte_order_mark", "encoding_mismatch", "undefined_entity"},
    ),
}
#: fixtures from which nothing can be recovered -> what the refusal says
REFUSED = {"truncated/wordpress-cut-in-first-item.xml": "document truncated"}


def fixture_names() -> list[str]:
    return sorted(p.relative_to(FAULTS).as_posix() for p in FAULTS.rglob("*.xml"))


def body_of(name: str) -> bytes:
    return (FAULTS / name).read_bytes()


def test_every_fixture_is_expected_and_every_class_has_fixtures() -> None:
    assert fixture_names() == sorted({*EXPECTED, *REFUSED})
    groups = {name.split("/")[0] for name in fixture_names()}
    assert groups == {*DOCUMENT_FAULTS, "mixed"}
    assert all(len(body_of(n)) < 8192 for n in fixture_names())  # small


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fault_is_recovered_and_reported(name: str) -> None:
    links, warnings = EXPECTED[name]
    feed = parse_feed(body_of(name), BASE)
    assert feed.ok, (feed.error_class, feed.error_message)
    assert [item.link for item in feed.items] == links
    assert set(feed.warnings) == warnings, feed.warning_detail
    assert list(feed.warnings) == [w for w in WARNING_CLASSES if w in warnings]  # canonical order
    assert feed.warning_detail
    group = name.split("/")[0]
    assert group == "mixed" or group in feed.warnings
    for item in feed.items:  # every recovered item survives its own wire form
        request = fetch_request("0" * 32, item, NOW)
        assert request is not None and FetchRequest.model_validate_json(request.to_bytes()) == request
    # the same content served with a Content-Type changes nothing
    served = parse_feed(body_of(name), BASE, content_type="application/rss+xml")
    assert [i.link for i in served.items] == links


def test_nothing_whole_before_the_cut_is_refused_with_the_reason() -> None:
    for name, reason in REFUSED.items():
        feed = parse_feed(body_of(name), BASE)
        assert feed.error_class == "malformed" and not feed.items and not feed.warnings
        assert (feed.error_message or "").startswith(reason)


def titles(name: str) -> list[str | None]:
    return [item.title for item in parse_feed(body_of(name), BASE).items]


def test_recovered_text_is_the_text_the_publisher_meant() -> None:
    assert titles("encoding_mismatch/wordpress-declared-utf8-body-cp1252.xml")[0] == (
        "“Ferry timetable” changes from June — café hours too"
    )
    assert titles("encoding_mismatch/atom-declared-latin1-body-utf8.xml")[0] == (
        "Comet returns after 71 years, seen from Zürich and 東京"
    )
    assert titles("encoding_mismatch/wordpress-declared-utf8mb4.xml")[0] == (
        "Ferry timetable changes: naïve questions answered"
    )
    assert titles("mixed/atom-bom-latin1-lie-and-nbsp.xml")[0] == "Comet returns after 71 years, seen from Zürich"
    assert titles("undefined_entity/wordpress-nbsp-hellip-eacute.xml")[0] == "Ferry timetable changes from June…"
    assert titles("undefined_entity/atom-eacute-in-title.xml")[0] == (
        "Comet returns after 71 years, says Café Scientifique"
    )
    assert titles("bare_ampersand/wordpress-title-and-description.xml")[0] == "Fish & Chips night returns to the ferry"
    summary = parse_feed(body_of("undefined_entity/wordpress-nbsp-hellip-eacute.xml"), BASE).items[1].summary
    assert summary == "Café owners welcome the repairs — at last"


def test_a_clean_feed_has_no_warnings() -> None:
    clean = body_of("leading_whitespace/wordpress-newline.xml").lstrip()
    feed = parse_feed(clean, BASE)
    assert feed.ok and len(feed.items) == 5 and feed.warnings == () and feed.warning_detail is None
    # one byte-order mark at the very start is correct, whitespace before a root element with no
    # declaration is well-formed, an ISO-8859-1 declaration on pure ASCII is the truth
    assert parse_feed(b"\xef\xbb\xbf" + clean, BASE).warnings == ()
    no_declaration = clean.split(b"?>", 1)[1]
    assert parse_feed(b"\n\n" + no_declaration, BASE).warnings == ()
    rdf = body_of("leading_whitespace/rdf-spaces-and-tab.xml").lstrip()
    assert b'encoding="ISO-8859-1"' in rdf and parse_feed(rdf, BASE).warnings == ()


def test_a_servers_content_type_is_not_the_documents_fault() -> None:
    """text/* without a charset means US-ASCII (RFC 3023) and a charset overrides the
    declaration: the document is not blamed for that, only for a declaration nothing reads."""
    rdf = body_of("leading_whitespace/rdf-spaces-and-tab.xml").lstrip()  # ASCII, says ISO-8859-1
    for content_type in ("text/xml", "application/rss+xml; charset = us-ascii", "text/html"):
        assert parse_feed(rdf, BASE, content_type=content_type).warnings == (), content_type
    utf8 = body_of("mixed/atom-bom-latin1-lie-and-nbsp.xml").lstrip(b"\r\n\xef\xbb\xbf")
    utf8 = utf8.replace(b"ISO-8859-1", b"utf-8").replace(b"&nbsp;", b" ")
    assert parse_feed(utf8, BASE, content_type="text/xml").warnings == ()
    cp1252 = body_of("encoding_mismatch/wordpress-declared-utf8-body-cp1252.xml")
    for content_type in (None, "text/xml", "application/rss+xml"):
        assert parse_feed(cp1252, BASE, content_type=content_type).warnings == ("encoding_mismatch",)


def test_expat_columns_name_the_fault() -> None:
    """The first error is classified from where expat points, whatever else the document has."""
    rss = body_of("leading_whitespace/wordpress-newline.xml").lstrip()
    unquoted_then_nbsp = rss.replace(b"<title>Harbour Town", b"<title a=b>Harbour Town", 1).replace(
        b"<title>Ferry", b"<title>Ferry&nbsp;", 1
    )
    feed = parse_feed(unquoted_then_nbsp, BASE)
    assert len(feed.items) == 5 and set(feed.warnings) == {"not_well_formed", "undefined_entity"}
    amp_in_cdata_only = rss.replace(b"<![CDATA[Ferry", b"<![CDATA[Fish & Ferry", 1)
    assert parse_feed(amp_in_cdata_only, BASE).warnings == ()
    # an item left open in a document that goes on to its end is mis-nested, not cut: kept
    last_open = rss[: rss.rindex(b"</item>")] + rss[rss.rindex(b"</item>") + len(b"</item>") :]
    feed = parse_feed(last_open, BASE)
    assert [i.link for i in feed.items] == WORDPRESS and feed.warnings == ("mismatched_tag",)


# -- safety stays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix", [b"\n", b"\r\n  ", b"\xef\xbb\xbf\n", b"\n\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b" " * 70_000]
)
def test_repairs_never_let_entity_declarations_through(prefix: bytes) -> None:
    for doc in (BILLION_LAUGHS, XXE):
        for body in (prefix + doc, prefix + doc.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')):
            feed = parse_feed(body, BASE)
            assert feed.error_class == "malformed" and "entities" in (feed.error_message or ""), body[:80]
    lying = (prefix + XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>')
             .replace(b"<title>t</title>", "<title>Zürich</title>".encode()))
    assert parse_feed(lying, BASE).error_class == "malformed"


def test_a_body_that_names_a_file_is_not_read_from_disk(tmp_path: Path) -> None:
    """feedparser opens a bytes argument as a file name if it can: the parser hands it a stream."""
    local = tmp_path / "feed.xml"
    local.write_bytes(body_of("leading_whitespace/wordpress-newline.xml"))
    feed = parse_feed(str(local).encode(), BASE)
    assert not feed.items and feed.error_class in ("malformed", "not_a_feed")


# -- the anchor: plain feedparser ---------------------------------------------------------------


def test_no_fixture_feedparser_reads_is_refused() -> None:
    comparisons = compare_with_feedparser(((n, body_of(n)) for n in fixture_names()), BASE)
    counts = tally(comparisons)
    assert [c.name for c in comparisons if c.missed] == []
    # what feedparser recovers, newswire recovers, except the items a cut fell in (dropped)
    fewer = {c.name for c in comparisons if c.fewer}
    assert fewer == {"truncated/wordpress-cut-in-content.xml", "mixed/wordpress-whitespace-entity-ampersand-cut.xml",
                     "truncated/wordpress-cut-before-guid.xml"}
    every = counts["*"]
    assert every.documents == len(EXPECTED) + len(REFUSED) and every.missed == 0
    assert every.newswire_documents == len(EXPECTED) and every.refused == {"malformed": 1}
    assert every.newswire_items == sum(len(links) for links, _ in EXPECTED.values())
    for group in DOCUMENT_FAULTS:
        assert counts[group].warnings[group] == counts[group].newswire_documents > 0
    print("\nfault corpus:", {g: (t.documents, t.newswire_items, dict(t.warnings)) for g, t in sorted(counts.items())})


@pytest.mark.timeout(120)
def test_no_feedparser_test_document_feedparser_reads_is_refused() -> None:
    """The feedparser project's own test documents (ill-formed ones included), as the security
    tests find them, and the ill-formed ones the parser tests carry inline."""
    corpus = feedparser_corpus()
    comparisons = [
        c
        for content_type in {ct for _, _, ct in corpus}
        for c in compare_with_feedparser(
            ((n, b) for n, b, ct in corpus if ct == content_type), "http://example.com/feed", content_type
        )
    ]
    comparisons += compare_with_feedparser(
        ((f"inline/{n}", body) for n, (body, _) in FEEDPARSER_ILLFORMED.items()), "http://example.com/feed"
    )
    assert len(comparisons) == len(corpus) + len(FEEDPARSER_ILLFORMED)
    assert [c.name for c in comparisons if c.missed] == []
    counts = tally(comparisons)
    assert counts["illformed"].documents >= 10 and counts["illformed"].missed == 0
    print("\nfeedparser corpus:", {g: (t.documents, t.feedparser_documents, t.newswire_documents)
                                   for g, t in sorted(counts.items())})


def test_the_one_deliberate_difference_cut_inside_the_first_item() -> None:
    """A document cut inside its first item, after the link: feedparser yields that half item,
    newswire refuses the document (no item is whole). The comparison says so."""
    rss = body_of("leading_whitespace/wordpress-newline.xml").lstrip()
    half = rss[: rss.index(b"<content:encoded>") + 30]
    (comparison,) = compare_with_feedparser([("cut/first-item.xml", half)], BASE)
    assert comparison.missed and comparison.feedparser_items == 1 and comparison.error_class == "malformed"


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_compare_feedparser_lists_nothing_on_the_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    result = runner.invoke(app, ["feeds", "parse", "--compare-feedparser", str(FAULTS)])
    assert result.exit_code == 0, result.output
    assert "missed (feedparser recovers items, newswire none): 0" in result.output
    assert "fewer items than feedparser: 3" in result.output
    for group in DOCUMENT_FAULTS:
        assert group in result.output


def test_cli_compare_feedparser_lists_a_miss_and_fails(tmp_path: Path) -> None:
    rss = body_of("leading_whitespace/wordpress-newline.xml").lstrip()
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "first-item.xml").write_bytes(rss[: rss.index(b"<content:encoded>") + 30])
    (tmp_path / "ok.xml").write_bytes(rss)
    (tmp_path / ".hidden.xml").write_bytes(rss[:100])
    result = runner.invoke(app, ["feeds", "parse", "--compare-feedparser", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "MISSED cut/first-item.xml: feedparser 1, newswire 0 (malformed: document truncated" in result.output
    assert ".hidden" not in result.output


def test_cli_parse_needs_a_file_or_a_directory(tmp_path: Path) -> None:
    assert runner.invoke(app, ["feeds", "parse"]).exit_code == 2
    path = tmp_path / "f.xml"
    path.write_bytes(b"<rss/>")
    assert runner.invoke(app, ["feeds", "parse", str(path), "--compare-feedparser", str(tmp_path)]).exit_code == 2


def test_cli_parse_prints_the_warnings() -> None:
    path = FAULTS / "mixed" / "wordpress-whitespace-entity-ampersand-cut.xml"
    result = runner.invoke(app, ["feeds", "parse", str(path)])
    assert result.exit_code == 0, result.output
    header, *items = [json.loads(line) for line in result.stdout.splitlines()]
    assert header["warnings"] == ["leading_whitespace", "undefined_entity", "bare_ampersand", "truncated"]
    assert "cut short" in header["warning_detail"] and header["items"] == len(items) == 4


def test_cli_status_shows_the_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    from newswire.poller import feeds_cmd

    url = "https://gazette.example.org/feed/"
    fid = feed_id(url)
    config = FeedConfig(feed_id=fid, url=url, added_at=NOW)  # type: ignore[arg-type]
    status = FeedStatus(feed_id=fid, feed_url=url, polled_at=NOW, status_code=200, duration_ms=5,  # type: ignore[arg-type]
                        items_total=4, items_new=4, warnings=("leading_whitespace", "truncated"))

    async def feeds(*_: Any, **__: Any) -> dict[str, FeedConfig]:
        return {fid: config}

    async def statuses(*_: Any, **__: Any) -> dict[str, FeedStatus]:
        return {fid: status}

    monkeypatch.setattr(feeds_cmd, "read_feeds", feeds)
    monkeypatch.setattr(feeds_cmd, "read_statuses", statuses)
    monkeypatch.setenv("COLUMNS", "300")
    result = runner.invoke(app, ["feeds", "status"])
    assert result.exit_code == 0, result.output
    assert "recovered: leading_whitespace, truncated" in result.output and "ok" in result.output


# -- into the feed's status ---------------------------------------------------------------------

FEED_URL = "https://gazette.example.org/feed/"
POLICY = PollPolicy(default_interval_s=300, jitter=0.0, unconditional_every=0)


def record() -> FeedRecord:
    config = FeedConfig(feed_id=feed_id(FEED_URL), url=FEED_URL, added_at=NOW)  # type: ignore[arg-type]
    return new_record(config, 0, None)


def test_a_recovered_poll_is_a_success_with_warnings() -> None:
    body = body_of("mixed/wordpress-whitespace-entity-ampersand-cut.xml")
    rec = record()
    rec = with_state(rec, rec.poll.model_copy(update={"consecutive_failures": 2}))
    response = FeedResponse(url=FEED_URL, final_url=FEED_URL, status=200, body=body)
    out = evaluate_poll(rec, response, started_at=1e9, now=1e9, policy=POLICY, seen=lambda _: False)
    status = out.status
    assert status.error_class is None and status.error_message is None and status.consecutive_failures == 0
    assert status.warnings == ("leading_whitespace", "undefined_entity", "bare_ampersand", "truncated")
    assert status.items_total == 4 and len(out.requests) == 4
    assert [str(r.url) for r in out.requests] == WORDPRESS[:4]
    assert FeedStatus.model_validate_json(status.to_bytes()) == status
    clean = FeedResponse(url=FEED_URL, final_url=FEED_URL, status=200,
                         body=body_of("leading_whitespace/wordpress-newline.xml").lstrip())
    assert evaluate_poll(rec, clean, started_at=1e9, now=1e9, policy=POLICY, seen=lambda _: True).status.warnings == ()
    refused = FeedResponse(url=FEED_URL, final_url=FEED_URL, status=200,
                           body=body_of("truncated/wordpress-cut-in-first-item.xml"))
    failed = evaluate_poll(rec, refused, started_at=1e9, now=1e9, policy=POLICY, seen=lambda _: False).status
    assert failed.error_class == "malformed" and failed.warnings == () and failed.consecutive_failures == 3
    not_modified = FeedResponse(url=FEED_URL, final_url=FEED_URL, status=304)
    assert evaluate_poll(rec, not_modified, started_at=1e9, now=1e9, policy=POLICY, seen=lambda _: False).status.warnings == ()


def test_a_pushed_document_carries_its_warnings_too() -> None:
    out = evaluate_push(record(), body_of("leading_whitespace/atom-crlf-indent.xml"), content_type=None,
                        received_at=1e9, seen=lambda _: False)
    assert out.status.warnings == ("leading_whitespace",) and out.status.error_class is None
    assert len(out.requests) == 5
