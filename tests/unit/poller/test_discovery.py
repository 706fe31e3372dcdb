"""Finding feeds and sitemaps (pure), and which sitemap URLs a backfill takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswire.poller.discovery import (
    alternate_feeds,
    common_candidates,
    judge,
    robots_sitemaps,
)
from newswire.poller.parsing import ParsedFeed, ParsedItem, SitemapRef
from newswire.poller.sitemap import backfill_items

PAGE = b"""<!DOCTYPE html><html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" title="Top stories" href="/feed.xml">
<link rel="alternate" type="application/atom+xml" href="https://news.example.com/atom.xml">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<link rel="stylesheet" href="/s.css"><link rel="sitemap" type="application/xml" href="/sitemap.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><a href="/rss">rss</a></body></html>"""


def test_alternate_links_feeds_only_absolute_once() -> None:
    found = alternate_feeds(PAGE, "https://news.example.com/world/")
    assert found == [
        ("https://news.example.com/feed.xml", "feed", "Top stories"),
        ("https://news.example.com/atom.xml", "feed", None),
        ("https://news.example.com/sitemap.xml", "sitemap", None),
    ]
    assert alternate_feeds(b"\xff\xfe<<<not html at all", "https://a.example/") == []


def test_robots_sitemap_lines() -> None:
    robots = (
        "User-agent: *\nDisallow: /private/\n\nSitemap: https://news.example.com/sitemap_index.xml\n"
        "sitemap:/news-sitemap.xml # relative, lower case\nSITEMAP: https://news.example.com/sitemap_index.xml\n"
        "Sitemap: ftp://news.example.com/nope.xml\nAllow: /sitemap: not a line\n"
    )
    assert robots_sitemaps(robots, "https://news.example.com/") == [
        "https://news.example.com/sitemap_index.xml", "https://news.example.com/news-sitemap.xml"
    ]


def test_common_candidates_skip_known_urls() -> None:
    got = common_candidates("https://news.example.com/world/today", {"https://news.example.com/feed"})
    assert "https://news.example.com/feed" not in got
    assert "https://news.example.com/sitemap.xml" in got and "https://news.example.com/rss.xml" in got
    assert all(u.startswith("https://news.example.com/") for u in got)


def test_judge_keeps_only_readable_documents_with_content() -> None:
    item = ParsedItem(guid=None, link="https://a.example/1")
    assert judge("u", "html", ParsedFeed(items=(item,), version="rss20", title="T")).detail == "rss20, 1 items"
    index = judge("u", "robots", ParsedFeed(version="sitemap-index", children=(SitemapRef("https://a.example/s"),)))
    assert index is not None and index.kind == "sitemap" and index.detail == "sitemap-index, 1 sitemaps"
    assert judge("u", "common_path", ParsedFeed(version="rss20")) is None  # empty
    assert judge("u", "common_path", ParsedFeed(error_class="not_a_feed")) is None


def test_backfill_items_in_range_oldest_first_each_once() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    day = timedelta(days=1)
    items = [
        ParsedItem(guid=None, link="https://a.example/3", published=t0 + 3 * day),
        ParsedItem(guid=None, link="https://a.example/old", updated=t0 - day),
        ParsedItem(guid=None, link="https://a.example/1", updated=t0 + day),
        ParsedItem(guid=None, link="https://a.example/1", updated=t0 + 2 * day),  # listed twice
        ParsedItem(guid=None, link="https://a.example/undated"),
        ParsedItem(guid=None, link="https://a.example/late", published=t0 + 10 * day),
    ]
    got = backfill_items(items, since=t0, until=t0 + 5 * day)
    assert [i.link for i in got] == ["https://a.example/1", "https://a.example/3"]
    got = backfill_items(items, since=t0, include_undated=True)
    assert [i.link for i in got][-1] == "https://a.example/undated" and len(got) == 4
