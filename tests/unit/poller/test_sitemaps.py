"""Sitemaps as feeds: parsing (plain, gzip, news, index), the bombs, the choice of children,
reading an index's children over a client, and the poll state machine on sitemaps."""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from newswire.contracts import FeedConfig
from newswire.contracts.ids import feed_id
from newswire.poller.adapters import read_sitemap_children
from newswire.poller.logic import (
    FeedResponse,
    PollPolicy,
    evaluate_poll,
    new_record,
    with_state,
)
from newswire.poller.parsing import ParsedFeed, SitemapRef
from newswire.poller.sitemap import (
    MAX_SITEMAP_ENTRIES,
    gunzip_capped,
    parse_document,
    parse_sitemap,
    plan_children,
)
from newswire.poller.state import FeedRecord, SitemapChild

BASE = "https://news.example.com/sitemap.xml"
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(entries: list[str], news: bool = False) -> bytes:
    ns = f"{NS} {NEWS_NS}" if news else NS
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>\n' + "\n".join(entries) + "\n</urlset>\n").encode()


def url(loc: str, lastmod: datetime | None = None) -> str:
    mod = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
    return f"<url><loc>{loc}</loc>{mod}</url>"


def news_url(loc: str, published: datetime, title: str, lang: str = "en") -> str:
    return (
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>Example</news:name>"
        f"<news:language>{lang}</news:language></news:publication>"
        f"<news:publication_date>{published.isoformat()}</news:publication_date>"
        f"<news:title>{title}</news:title><news:keywords>world, politics</news:keywords></news:news></url>"
    )


def index(children: list[tuple[str, datetime | None]]) -> bytes:
    parts = []
    for loc, mod in children:
        lastmod = f"<lastmod>{mod.isoformat()}</lastmod>" if mod else ""
        parts.append(f"<sitemap><loc>{loc}</loc>{lastmod}</sitemap>")
    return (f'<?xml version="1.0"?>\n<sitemapindex {NS}>' + "".join(parts) + "</sitemapindex>\n").encode()


# -- parsing -------------------------------------------------------------------------------


def test_plain_sitemap_urls_with_lastmod_and_w3c_dates() -> None:
    doc = parse_document(
        urlset([
            url("https://news.example.com/a.html", NOW),
            "<url><loc>https://news.example.com/b.html</loc><lastmod>2026-12-04</lastmod></url>",
            "<url><loc>https://news.example.com/c.html?x=1&amp;y=2</loc><lastmod>2026-11</lastmod></url>",
            "<url><loc>/relative.html</loc></url>",
            "<url><lastmod>2026-12-01</lastmod></url>",  # no loc: skipped
            "<url><loc>ftp://news.example.com/x</loc></url>",  # not http(s): skipped
        ]),
        BASE,
    )
    assert doc.ok and doc.version == "sitemap" and doc.is_sitemap
    assert [i.link for i in doc.items] == [
        "https://news.example.com/a.html", "https://news.example.com/b.html",
        "https://news.example.com/c.html?x=1&y=2", "https://news.example.com/relative.html",
    ]
    assert [i.updated for i in doc.items] == [
        NOW, datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), None
    ]
    assert all(i.guid is None for i in doc.items) and doc.fingerprint


def test_google_news_sitemap() -> None:
    published = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
    body = urlset([news_url("https://news.example.com/n1.html", published, "Ministers meet &amp; agree")], news=True)
    doc = parse_document(body, BASE)
    assert doc.ok and doc.version == "sitemap-news"
    (item,) = doc.items
    assert item.title == "Ministers meet & agree" and item.published == published
    assert item.categories == ("world", "politics")


def test_gzipped_sitemap_is_inflated() -> None:
    body = urlset([url(f"https://news.example.com/{i}.html", NOW) for i in range(100)])
    doc = parse_document(gzip.compress(body), "https://news.example.com/sitemap.xml.gz")
    assert doc.ok and len(doc.items) == 100 and doc.warnings == ()


def test_sitemap_index_lists_children_not_items() -> None:
    doc = parse_document(index([("https://news.example.com/s1.xml", NOW), ("https://news.example.com/s2.xml", None)]), BASE)
    assert doc.ok and doc.version == "sitemap-index" and doc.items == ()
    assert doc.children == (SitemapRef("https://news.example.com/s1.xml", NOW), SitemapRef("https://news.example.com/s2.xml"))


def test_feeds_still_go_to_the_feed_parser() -> None:
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><link>https://a.example/1</link></item></channel></rss>'
    doc = parse_document(rss, "https://a.example/feed.xml", kind="sitemap")
    assert doc.ok and not doc.is_sitemap and doc.items[0].link == "https://a.example/1"
    assert parse_document(b"<html><body>hi</body></html>", BASE).error_class == "not_a_feed"


def test_fifty_thousand_urls_read_and_one_more_refused() -> None:
    entries = [url(f"https://news.example.com/a/{i}.html", NOW) for i in range(MAX_SITEMAP_ENTRIES)]
    doc = parse_document(urlset(entries), BASE)
    assert doc.ok and len(doc.items) == 50_000
    assert doc.items[-1].link == "https://news.example.com/a/49999.html"
    over = parse_document(urlset(entries + [url("https://news.example.com/one-more.html")]), BASE)
    assert over.error_class == "too_large" and "50,000 URLs" in (over.error_message or "")


def test_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (20 * 1024 * 1024) + b"</urlset>")
    assert len(bomb) < 100_000
    doc = parse_sitemap(bomb, BASE, max_bytes=1024 * 1024)
    assert doc.error_class == "too_large" and "gzip bomb" in (doc.error_message or "")
    data, problem, truncated = gunzip_capped(bomb, 1024 * 1024)
    assert data == b"" and problem is not None and not truncated


def test_huge_sitemap_refused_before_parsing() -> None:
    doc = parse_document(b"<urlset>" + b" " * 2000 + b"</urlset>", BASE, max_sitemap_bytes=1000)
    assert doc.error_class == "too_large"


def test_entities_and_doctype_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<urlset " + NS.encode() + b"><url><loc>https://a.example/&lol2;</loc></url></urlset>"
    )
    assert parse_document(laughs, BASE).error_class == "malformed"
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://a.example/&x;</loc></url></urlset>"
    )
    doc = parse_document(xxe, BASE)
    assert doc.error_class == "malformed" and "DOCTYPE" in (doc.error_message or "")


def test_deep_nesting_inside_a_document_is_bounded() -> None:
    deep = b"<urlset>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</urlset>"
    doc = parse_document(deep, BASE)  # libxml2's depth limit: refused or empty, never a crash
    assert doc.items == ()


def test_sloppy_sitemap_is_read_with_warnings() -> None:
    body = urlset([
        url("https://news.example.com/a?x=1&y=2", NOW),  # bare ampersand: kept as the URL says
        url("https://news.example.com/b.html", NOW),
    ])
    doc = parse_document(body, BASE)
    assert doc.ok and doc.items[0].link == "https://news.example.com/a?x=1&y=2"
    assert "bare_ampersand" in doc.warnings


def test_truncated_sitemap_drops_the_cut_entry() -> None:
    body = urlset([url(f"https://news.example.com/{i}.html", NOW) for i in range(10)])
    cut = body[: body.index(b"/7.html") + 3]
    doc = parse_document(cut, BASE)
    assert doc.ok and "truncated" in doc.warnings
    assert [i.link for i in doc.items] == [f"https://news.example.com/{i}.html" for i in range(7)]
    cut_gzip = gzip.compress(body)[:-30]
    doc = parse_document(cut_gzip, BASE)
    assert doc.ok and "truncated" in doc.warnings and len(doc.items) < 10
    assert parse_document(body[:60], BASE).error_class == "malformed"


# -- which children ------------------------------------------------------------------------


def test_plan_children_newest_first_within_window_and_capped() -> None:
    day = timedelta(days=1)
    refs = [
        SitemapRef("https://n.example/2019.xml", NOW - 2000 * day),
        SitemapRef("https://n.example/yesterday.xml", NOW - day),
        SitemapRef("https://n.example/undated.xml"),
        SitemapRef("https://n.example/today.xml", NOW - timedelta(hours=1)),
        SitemapRef("https://n.example/today.xml", NOW - timedelta(hours=1)),  # listed twice
        SitemapRef("https://n.example/undated-2.xml"),
    ]
    plan = plan_children(refs, now=NOW.timestamp(), max_age_s=2 * 86400, cap=3)
    assert [r.url.rsplit("/", 1)[1] for r in plan.fetch] == ["today.xml", "yesterday.xml", "undated.xml"]
    assert plan.stale == 1 and plan.capped == 1
    everything = plan_children(refs, now=NOW.timestamp(), max_age_s=None, cap=100)
    assert len(everything.fetch) == 5 and everything.stale == 0


# -- reading an index's children -----------------------------------------------------------


class FakeClient:
    """Serves documents from a dict; records requests; honours If-None-Match by ETag."""

    def __init__(self, docs: Mapping[str, bytes]) -> None:
        self.docs = docs
        self.requests: list[tuple[str, str | None, int | None]] = []

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FeedResponse:
        self.requests.append((url, etag, max_bytes))
        if url not in self.docs:
            return FeedResponse(url=url, final_url=url, status=404)
        tag = f'"{hash(self.docs[url]) & 0xFFFF:x}"'
        if etag == tag:
            return FeedResponse(url=url, final_url=url, status=304, headers={"ETag": tag})
        return FeedResponse(url=url, final_url=url, status=200, body=self.docs[url], headers={"ETag": tag})

    async def close(self) -> None:
        return None


async def parse(resp: FeedResponse) -> ParsedFeed:
    return parse_document(resp.body or b"", resp.final_url, kind="sitemap")


async def read(
    client: FakeClient, root: ParsedFeed | None, previous: Mapping[str, Any] | None = None, **kw: Any
) -> tuple[ParsedFeed, dict[str, Any]]:
    options: dict[str, Any] = {"now": NOW.timestamp(), "max_age_s": 2 * 86400.0, "max_children": 10,
                               "max_depth": 3, "max_bytes": 1 << 20} | kw
    return await read_sitemap_children(client, parse, BASE, root, previous or {}, **options)


async def test_nested_news_index_read_with_conditional_gets() -> None:
    pub = NOW - timedelta(hours=2)
    docs = {
        BASE: index([("https://news.example.com/news-index.xml", NOW),
                     ("https://news.example.com/archive-2019.xml", NOW - timedelta(days=2000))]),
        "https://news.example.com/news-index.xml": index([("https://news.example.com/news.xml.gz", NOW)]),
        "https://news.example.com/news.xml.gz": gzip.compress(
            urlset([news_url(f"https://news.example.com/n{i}.html", pub, f"T{i}") for i in range(3)], news=True)
        ),
    }
    client = FakeClient(docs)
    root = parse_document(docs[BASE], BASE)
    merged, kept = await read(client, root)
    assert merged.ok and merged.version == "sitemap-index" and merged.fingerprint == root.fingerprint
    assert [i.title for i in merged.items] == ["T0", "T1", "T2"]
    assert [r[0] for r in client.requests] == [
        "https://news.example.com/news-index.xml", "https://news.example.com/news.xml.gz"
    ]  # the 2019 archive is outside the window: not read
    assert all(r[2] == 1 << 20 for r in client.requests)  # the sitemap cap
    assert set(kept) == {"https://news.example.com/news-index.xml", "https://news.example.com/news.xml.gz"}
    # next poll: the index answered 304; the children read last time are asked again, conditionally
    client.requests.clear()
    again, kept2 = await read(client, None, kept)
    assert again.ok and again.items == () and set(kept2) == set(kept)
    assert all(etag is not None for _, etag, _ in client.requests)


async def test_index_bomb_nested_forever_fails_too_deep() -> None:
    docs = {f"https://news.example.com/i{n}.xml": index([(f"https://news.example.com/i{n + 1}.xml", NOW)]) for n in range(100)}
    client = FakeClient(docs)
    root = parse_document(index([("https://news.example.com/i0.xml", NOW)]), BASE)
    doc, kept = await read(client, root)
    assert doc.error_class == "too_deep" and kept == {}
    assert len(client.requests) == 3  # depth bounded


async def test_index_bomb_wide_is_capped_and_loops_are_not_followed() -> None:
    children = [(f"https://news.example.com/s{n}.xml", NOW - timedelta(minutes=n)) for n in range(1000)]
    docs = {u: urlset([url(f"{u}/a.html", NOW)]) for u, _ in children}
    docs["https://news.example.com/loop.xml"] = index([(BASE, NOW), ("https://news.example.com/loop.xml", NOW)])
    client = FakeClient(docs)
    root = parse_document(index([("https://news.example.com/loop.xml", NOW + timedelta(hours=1)), *children]), BASE)
    doc, _ = await read(client, root, max_children=5)
    assert doc.ok and "sitemap_children_capped" in doc.warnings
    assert len(client.requests) == 5 and client.requests[0][0].endswith("loop.xml")
    assert [i.link for i in doc.items] == [f"https://news.example.com/s{n}.xml/a.html" for n in range(4)]


async def test_a_broken_child_is_a_warning_unless_nothing_was_read() -> None:
    docs = {"https://news.example.com/good.xml": urlset([url("https://news.example.com/g.html", NOW)]),
            "https://news.example.com/bomb.xml.gz": gzip.compress(b"<urlset>" + b" " * (60 << 20) + b"</urlset>")}
    client = FakeClient(docs)
    root = parse_document(index([("https://news.example.com/good.xml", NOW), ("https://news.example.com/bomb.xml.gz", NOW),
                                 ("https://news.example.com/missing.xml", NOW)]), BASE)
    doc, kept = await read(client, root)
    assert doc.ok and [i.link for i in doc.items] == ["https://news.example.com/g.html"]
    assert "sitemap_child_failed" in doc.warnings and "too_large" in (doc.warning_detail or "")
    assert set(kept) == {"https://news.example.com/good.xml"}
    only_bad = parse_document(index([("https://news.example.com/bomb.xml.gz", NOW)]), BASE)
    doc, _ = await read(FakeClient(docs), only_bad)
    assert doc.error_class == "too_large"


# -- the poll state machine on sitemaps ----------------------------------------------------


def record(kind: str | None = None) -> FeedRecord:
    config = FeedConfig(feed_id=feed_id(BASE), url=BASE, added_at=NOW, kind=kind)  # type: ignore[arg-type]
    return new_record(config, 0, None)


def test_live_poll_requests_only_recent_urls_and_dedupes() -> None:
    old = NOW - timedelta(days=30)
    recent = NOW - timedelta(hours=3)
    body = urlset([url("https://news.example.com/old.html", old), url("https://news.example.com/new.html", recent),
                   url("https://news.example.com/undated.html")])
    rec = record()
    resp = FeedResponse(url=BASE, final_url=BASE, status=200, body=body, headers={"ETag": '"a"'})
    now = NOW.timestamp()
    out = evaluate_poll(rec, resp, started_at=now, now=now, policy=PollPolicy(), seen=lambda _: False)
    assert out.status.error_class is None and out.status.items_total == 3 and out.status.items_new == 1
    (req,) = out.requests
    assert str(req.url) == "https://news.example.com/new.html" and req.item is not None and req.item.updated == recent
    assert out.state.kind == "sitemap"
    # the same sitemap again: nothing new
    seen = set(out.seen_keys)
    again = evaluate_poll(with_state(rec, out.state), resp, started_at=now + 60, now=now + 60,
                          policy=PollPolicy(), seen=seen.__contains__)
    assert again.requests == () and again.status.validators_trusted


def test_a_sitemap_of_freshly_stamped_urls_costs_the_cap_once() -> None:
    """Every lastmod 'now' (a sitemap regenerated with the file): the newest `sitemap_max_items`
    in document order, the same ones each poll, so nothing is requested twice."""
    body = urlset([url(f"https://news.example.com/{i}.html", NOW) for i in range(5000)])
    rec = record()
    resp = FeedResponse(url=BASE, final_url=BASE, status=200, body=body)
    policy = PollPolicy(sitemap_max_items=100)
    now = NOW.timestamp()
    out = evaluate_poll(rec, resp, started_at=now, now=now, policy=policy, seen=lambda _: False)
    assert out.status.items_total == 5000 and len(out.requests) == 100
    assert [str(r.url) for r in out.requests[:2]] == ["https://news.example.com/0.html", "https://news.example.com/1.html"]
    seen = set(out.seen_keys)
    again = evaluate_poll(with_state(rec, out.state), resp, started_at=now + 60, now=now + 60, policy=policy, seen=seen.__contains__)
    assert again.requests == ()


def test_index_304_with_children_items_and_no_false_validator_alarm() -> None:
    rec = record("sitemap")
    rec = with_state(rec, rec.poll.model_copy(update={"content_hash": "x", "etag": '"i"', "kind": "sitemap"}))
    children = parse_document(urlset([url("https://news.example.com/c.html", NOW)]), BASE)
    merged = ParsedFeed(items=children.items, version="sitemap-index", fingerprint="x")
    resp = FeedResponse(url=BASE, final_url=BASE, status=304, headers={"ETag": '"i"'})
    now = NOW.timestamp()
    out = evaluate_poll(rec, resp, started_at=now, now=now, policy=PollPolicy(), seen=lambda _: False,
                        parsed=merged, sitemap_children={"https://news.example.com/c.xml": SitemapChild(etag='"c"')})
    assert out.status.not_modified and out.status.items_new == 1 and out.status.validators_trusted
    assert out.state.sitemap_children == {"https://news.example.com/c.xml": SitemapChild(etag='"c"')}


@pytest.mark.parametrize("bomb", ["huge", "gzip", "count"])
def test_bombs_are_a_feed_status_error_not_a_crash(bomb: str) -> None:
    bodies = {
        "huge": b"<urlset>" + b" " * (60 * 1024 * 1024) + b"</urlset>",
        "gzip": gzip.compress(b"<urlset>" + b"\n" * (60 * 1024 * 1024) + b"</urlset>"),
        "count": urlset(["<url><loc>https://a.example/x</loc></url>"] * (MAX_SITEMAP_ENTRIES + 1)),
    }
    resp = FeedResponse(url=BASE, final_url=BASE, status=200, body=bodies[bomb])
    now = NOW.timestamp()
    out = evaluate_poll(record("sitemap"), resp, started_at=now, now=now, policy=PollPolicy(), seen=lambda _: False)
    assert out.status.error_class == "too_large" and out.requests == () and out.status.consecutive_failures == 1
