"""The farm's sitemap-only outlets, read with the poller's own parser: a gzipped sitemap of
every article, a Google News sitemap under a nested index, robots.txt Sitemap: lines, no feed
link on their pages, conditional GETs; and `feeds discover` finding every kind of source."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio
from newswire.poller.feeds_cmd import discover_sources
from newswire.farm import Farm, FarmConfig, run_farm
from newswire.poller.settings import PollerSettings
from newswire.poller.sitemap import parse_document

RSS, ATOM, SITEMAP, NEWS = range(4)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def farm() -> AsyncIterator[Farm]:
    async with run_farm(FarmConfig(outlets=4, port=0, seed=7, articles_per_outlet=4)) as f:
        yield f


async def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as s, s.get(url, headers=headers) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, await r.read()


async def test_alternate_formats_cover_feeds_and_sitemaps(farm: Farm) -> None:
    assert [o.feed_format for o in farm.outlets] == ["rss", "atom", "sitemap", "news-sitemap"]
    assert [o.sitemap_only for o in farm.outlets] == [False, False, True, True]


async def test_gzipped_sitemap_lists_every_article_and_answers_304(farm: Farm) -> None:
    outlet = farm.outlets[SITEMAP]
    status, headers, body = await get(outlet.feed_url)
    assert status == 200 and body[:2] == b"\x1f\x8b"
    doc = parse_document(body, outlet.feed_url)
    assert doc.ok and doc.version == "sitemap" and doc.warnings == ()
    truth = {a.link: a for a in farm.articles() if a.outlet == SITEMAP}
    assert {i.link for i in doc.items} == set(truth) and len(doc.items) == len(truth)
    assert all(i.updated is not None for i in doc.items)
    status, _, _ = await get(outlet.feed_url, **{"If-None-Match": headers["etag"]})
    assert status == 304


async def test_news_sitemap_under_a_nested_index(farm: Farm) -> None:
    outlet = farm.outlets[NEWS]
    _, _, body = await get(outlet.feed_url)
    root = parse_document(body, outlet.feed_url)
    assert root.version == "sitemap-index" and len(root.children) == 1
    _, _, body = await get(root.children[0].url)
    nested = parse_document(body, root.children[0].url)
    assert nested.version == "sitemap-index" and len(nested.children) == 1
    _, _, body = await get(nested.children[0].url)
    news = parse_document(body, nested.children[0].url)
    assert news.ok and news.version == "sitemap-news"
    truth = {a.link: a for a in farm.articles() if a.outlet == NEWS}
    assert {i.link for i in news.items} == set(truth)
    for item in news.items:
        assert item.link is not None
        assert item.title == truth[item.link].title and item.published is not None


async def test_robots_and_pages_announce_the_right_sources(farm: Farm) -> None:
    for outlet in farm.outlets:
        _, _, robots = await get(outlet.base_url + "robots.txt")
        _, _, home = await get(outlet.base_url)
        if outlet.sitemap_only:
            assert f"Sitemap: {outlet.feed_url}".encode() in robots
            assert b'rel="alternate"' not in home
        else:
            assert b"Sitemap:" not in robots and outlet.feed_url.encode() in home
        status, _, _ = await get(outlet.url("/feed.xml" if outlet.sitemap_only else "/sitemap.xml.gz"))
        assert status == 404  # one kind of source per outlet


async def test_discover_finds_each_outlets_source(farm: Farm) -> None:
    settings = PollerSettings(allow_private_networks=["127.0.0.0/8"], min_host_delay_s=0)  # type: ignore[call-arg,list-item]
    for outlet in farm.outlets:
        found = await discover_sources(settings, outlet.base_url, guess=True)
        assert [(d.url, d.kind) for d in found] == [
            (outlet.feed_url, "sitemap" if outlet.sitemap_only else "feed")
        ], found
        assert found[0].via == ("robots" if outlet.sitemap_only else "html")
    # an SSRF-guarded client: without the loopback exception nothing is fetched
    assert await discover_sources(PollerSettings(), farm.outlets[0].base_url) == []
