"""The farm served in-process on loopback (port 0)."""

from __future__ import annotations

import asyncio
import html
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import feedparser
import pytest
import pytest_asyncio

from newswire.farm import Assign, Farm, FarmConfig, FarmError, OutletBehaviour, run_farm

# Outlet layout of the shared farm (0-4 carry the real fixture texts when present).
SLOW, THROTTLED, LOOP, REDIRECTING, CP1252, BROKEN, BAD_FEED, HUGE, DEAD = range(5, 14)
RSS, ATOM, SITEMAP, NEWS_SITEMAP = range(4)  # feed_format="alternate": the formats in turn


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def farm() -> AsyncIterator[Farm]:
    cfg = FarmConfig(
        outlets=14,
        port=0,
        seed=42,
        articles_per_outlet=3,
        crawl_delay=1.5,
        behaviours=[
            Assign(OutletBehaviour(latency_ms=150), indexes=[SLOW]),
            Assign(OutletBehaviour(throttle_requests=2, retry_after_s=7), indexes=[THROTTLED]),
            Assign("redirect-loop", indexes=[LOOP]),
            Assign("redirecting", indexes=[REDIRECTING]),
            Assign("cp1252", indexes=[CP1252]),
            Assign("broken", indexes=[BROKEN]),
            Assign("bad-entities", indexes=[BAD_FEED]),
            Assign(OutletBehaviour(feed_format="rss"), indexes=[BAD_FEED]),
            Assign(OutletBehaviour(huge_page_bytes=300_000), indexes=[HUGE]),
            Assign("dead", indexes=[DEAD]),
        ],
    )
    async with run_farm(cfg) as f:
        yield f


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        yield s


def first_link(farm: Farm, outlet: int) -> str:
    return next(r.link for r in farm.articles() if r.outlet == outlet)


async def test_addresses_and_feed_urls(farm: Farm) -> None:
    assert farm.port > 0 and farm.control_url == f"http://127.0.0.1:{farm.port}"
    assert [o.host for o in farm.outlets[:3]] == ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
    assert farm.outlets[0].feed_url == f"http://127.0.1.1:{farm.port}/feed.xml"
    assert farm.outlets[1].feed_url.endswith("/atom.xml")
    assert len(farm.feed_urls()) == 14 and len(farm.feed_urls(include_dead=False)) == 13


async def test_feed_then_304(farm: Farm, http: aiohttp.ClientSession) -> None:
    url = farm.outlets[RSS].feed_url
    async with http.get(url) as r:
        assert r.status == 200 and r.content_type == "application/rss+xml"
        body = await r.read()
        etag, last_modified = r.headers["ETag"], r.headers["Last-Modified"]
    parsed = feedparser.parse(body)
    assert not parsed.bozo and len(parsed.entries) == len(farm.catalogue.latest(RSS, 50))
    truth = {rec.link for rec in farm.articles() if rec.outlet == RSS}
    assert {e.link for e in parsed.entries} == truth
    async with http.get(url, headers={"If-None-Match": etag}) as r:
        assert r.status == 304 and r.headers["ETag"] == etag
    async with http.get(url, headers={"If-Modified-Since": last_modified}) as r:
        assert r.status == 304
    async with http.get(url, headers={"If-None-Match": '"stale"'}) as r:
        assert r.status == 200
    assert farm.runtime(RSS).stats.not_modified == 2


async def test_article_page_and_robots(farm: Farm, http: aiohttp.ClientSession) -> None:
    rec = next(r for r in farm.articles() if r.outlet == 3)
    async with http.get(rec.link) as r:
        assert r.status == 200 and r.charset == "utf-8"
        page = await r.text()
    assert f'<link rel="canonical" href="{rec.url}">' in page
    assert rec.text[0][:40].replace('"', "&quot;") in page
    async with http.get(farm.outlets[3].base_url + "robots.txt") as r:
        robots = await r.text()
    assert "Disallow: /private/" in robots and "Crawl-delay: 1.5" in robots
    async with http.get(farm.outlets[3].base_url + "news/2020/01/01/nope.html") as r:
        assert r.status == 404


async def test_throttled_outlet(farm: Farm, http: aiohttp.ClientSession) -> None:
    url = farm.outlets[THROTTLED].feed_url
    for _ in range(2):
        async with http.get(url) as r:
            assert r.status == 429 and r.headers["Retry-After"] == "7"
    async with http.get(url) as r:
        assert r.status == 200
    assert farm.runtime(THROTTLED).stats.throttled == 2


async def test_redirect_loop(farm: Farm, http: aiohttp.ClientSession) -> None:
    with pytest.raises(aiohttp.TooManyRedirects):
        async with http.get(first_link(farm, LOOP), max_redirects=5):
            pass
    async with http.get(first_link(farm, LOOP), allow_redirects=False) as r:
        assert r.status == 301 and r.headers["Location"].endswith("?loop=1")


async def test_redirecting_outlet(farm: Farm, http: aiohttp.ClientSession) -> None:
    rec = next(r for r in farm.articles() if r.outlet == REDIRECTING)
    async with http.get(rec.link) as r:
        assert r.status == 200 and len(r.history) == 1 and r.history[0].status == 301
        assert str(r.url).split("?")[0] == rec.url and "/story/" in rec.url
        assert f'<link rel="canonical" href="{rec.url}">' in await r.text()


async def test_misbehaving_outlets(farm: Farm, http: aiohttp.ClientSession) -> None:
    rec = next(r for r in farm.articles() if r.outlet == CP1252 and not "".join(r.text).isascii())
    async with http.get(rec.link) as r:
        raw = await r.read()
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert rec.title in html.unescape(raw.decode("cp1252"))
    async with http.get(farm.outlets[BROKEN].feed_url) as r:
        assert r.status == 500
    async with http.get(farm.outlets[BAD_FEED].feed_url) as r:
        parsed = feedparser.parse(await r.read())
        assert parsed.bozo
    async with http.get(first_link(farm, HUGE)) as r:
        assert r.headers.get("Transfer-Encoding") == "chunked"
        assert len(await r.read()) == 300_000
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(farm.outlets[DEAD].feed_url):
            pass


async def test_control_endpoints_and_concurrency(farm: Farm, http: aiohttp.ClientSession) -> None:
    async with http.post(farm.control_url + "/_farm/reset-stats") as r:
        assert r.status == 200
    url = farm.outlets[SLOW].feed_url
    async with aiohttp.ClientSession() as many:  # its own pool: 5 parallel connections
        async def get() -> int:
            async with many.get(url) as r:
                await r.read()
                return r.status

        assert await asyncio.gather(*(get() for _ in range(5))) == [200] * 5
    async with http.get(farm.control_url + "/_farm/stats") as r:
        stats = await r.json()
    slow = stats["per_outlet"][farm.outlets[SLOW].host]
    assert slow["requests"] == {"feed": 5} and slow["max_concurrent"] == 5
    assert slow["current_concurrent"] == 0 and slow["articles_published"] == 3
    assert stats["fixtures"]["found"] == farm.fixtures.found
    assert stats["totals"]["max_concurrent_per_host"] == 5
    assert not stats["per_outlet"][farm.outlets[DEAD].host].get("requests")
    async with http.get(farm.control_url + "/_farm/articles") as r:
        listed = await r.json()
    assert len(listed) == len(farm.articles())
    assert {"outlet", "host", "url", "title", "paragraphs", "versions", "published", "guid"} <= set(
        listed[0]
    )
    async with http.get(farm.control_url + "/_farm/feeds.txt") as r:
        assert (await r.text()).split() == farm.feed_urls()


async def test_guardian_edit(http: aiohttp.ClientSession) -> None:
    cfg = FarmConfig(outlets=2, port=0, articles_per_outlet=1, edit_after_s=1.0)
    async with run_farm(cfg) as farm:
        if not farm.fixtures.revisions:
            pytest.skip("real fixtures (../shared/fixtures) not available")
        rev = farm.fixtures.revisions[0]
        rec = next(r for r in farm.articles() if r.source.startswith("revision:"))
        assert rec.outlet == 0 and rec.versions == 1
        async with http.get(rec.link) as r:
            before = await r.text()
        assert 'property="article:modified_time" content="' + rec.published in before
        for i in rev.changed_paragraph_indexes:
            assert f"<p>{rev.versions[0][i]}</p>" in html.unescape(before)
        await asyncio.sleep(1.1)
        async with http.get(rec.link) as r:
            after = html.unescape(await r.text())
        for i in rev.changed_paragraph_indexes:
            assert f"<p>{rev.versions[1][i]}</p>" in after
            assert f"<p>{rev.versions[0][i]}</p>" not in after
        (now,) = [r for r in farm.articles() if r.guid == rec.guid]
        assert now.versions == 2 and now.modified > rec.modified
        assert f'"dateModified": "{now.modified}"' in after
        assert farm.stats()["per_outlet"]["127.0.1.1"]["edits_applied"] == 1


async def test_port_in_use() -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.1.1", 0))
    blocker.listen()
    try:
        with pytest.raises(FarmError):
            await Farm(FarmConfig(outlets=1, port=blocker.getsockname()[1])).start()
    finally:
        blocker.close()


async def test_thousand_outlets(http: aiohttp.ClientSession) -> None:
    async with run_farm(FarmConfig(outlets=1000, port=0, articles_per_outlet=1)) as farm:
        last = farm.outlets[-1]
        assert last.host == "127.0.4.250"
        async with http.get(last.feed_url) as r:
            assert r.status == 200
        assert len(farm.articles()) >= 1000


async def test_without_fixtures(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    cfg = FarmConfig(outlets=2, port=0, articles_per_outlet=2, fixtures_dir=tmp_path)
    async with run_farm(cfg) as farm:
        async with http.get(farm.control_url + "/_farm/stats") as r:
            fx = (await r.json())["fixtures"]
        assert not fx["found"] and "generated articles only" in fx["note"]
        assert {a.source for a in farm.articles()} == {"generated"} and len(farm.articles()) == 4


async def test_edits_released_on_request(http: aiohttp.ClientSession) -> None:
    """The demo releases the Guardian edit once the first version is indexed: the scheduled edit
    goes live at once, through the control endpoint, whatever its clock said."""
    cfg = FarmConfig(outlets=2, port=0, articles_per_outlet=1, edit_after_s=86400.0)
    async with run_farm(cfg) as farm:
        if not farm.fixtures.revisions:
            pytest.skip("real fixtures (../shared/fixtures) not available")
        rec = next(r for r in farm.articles() if r.source.startswith("revision:"))
        assert rec.versions == 1
        async with http.post(f"{farm.control_url}/_farm/release-edits") as r:
            assert r.status == 200 and (await r.json()) == {"released": 1}
        (now,) = [r for r in farm.articles() if r.guid == rec.guid]
        assert now.versions == 2 and now.modified >= rec.modified
        async with http.post(f"{farm.control_url}/_farm/release-edits") as r:
            assert (await r.json()) == {"released": 0}  # nothing left to release


async def test_hub_pushes_new_articles_to_subscribers(http: aiohttp.ClientSession) -> None:
    """With the hub on, RSS and Atom feeds advertise it (sitemaps cannot), and a subscribed feed
    is pushed, signed, when a new article appears in it; a feed nobody subscribed is not."""
    received: list[tuple[str, bytes]] = []

    async def callback(request: aiohttp.web.Request) -> aiohttp.web.Response:
        if request.method == "GET":
            return aiohttp.web.Response(text=request.query["hub.challenge"])
        received.append((request.headers.get("Link", ""), await request.read()))
        return aiohttp.web.Response(status=202)

    app = aiohttp.web.Application()
    app.router.add_route("*", "/cb", callback)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    cfg = FarmConfig(outlets=4, port=0, seed=3, articles_per_outlet=1, use_fixtures=False, hub=True, arrival_rate=40.0)
    try:
        async with run_farm(cfg) as farm:
            assert farm.hub is not None and farm.hub_url is not None
            for outlet in (RSS, ATOM):
                async with http.get(farm.outlets[outlet].feed_url) as r:
                    parsed = feedparser.parse(await r.read())
                assert {link.rel: link.href for link in parsed.feed.links}["hub"] == farm.hub_url
            async with http.get(farm.outlets[SITEMAP].feed_url) as r:
                assert b"hub" not in await r.read()
            form = {"hub.mode": "subscribe", "hub.topic": farm.outlets[ATOM].feed_url,
                    "hub.callback": f"http://127.0.0.1:{port}/cb", "hub.secret": "s3cret"}
            async with http.post(farm.hub_url, data=form) as r:
                assert r.status == 202
            for _ in range(100):
                if farm.hub.stats.verified:
                    break
                await asyncio.sleep(0.05)
            for _ in range(100):  # articles keep arriving in every outlet (10/s each)
                if len(received) >= 2:
                    break
                await asyncio.sleep(0.05)
            assert len(received) >= 2
            # no more articles, then the pushes in flight land: the hub counts a delivery only
            # after the subscriber answered, so the two counts agree once nothing is in flight
            async with http.post(farm.control_url + "/_farm/pause") as r:
                assert r.status == 200
            for _ in range(100):
                if farm.hub.stats.delivered == len(received):
                    break
                await asyncio.sleep(0.05)
            atom = farm.outlets[ATOM]
            for link, body in received:  # only the subscribed feed, as it is served, with its hub
                assert f"<{atom.feed_url}>; rel=\"self\"" in link and farm.hub_url in link
                entries = feedparser.parse(body).entries
                assert entries and all(e.link.startswith(atom.base_url) for e in entries)
            assert len({body for _, body in received}) == len(received)  # a push only on a change
            assert farm.hub.stats.delivered == len(received)
    finally:
        await runner.cleanup()


async def test_pause_stops_publishing_but_keeps_serving(http: aiohttp.ClientSession) -> None:
    cfg = FarmConfig(outlets=2, port=0, seed=5, articles_per_outlet=1, use_fixtures=False, arrival_rate=50.0)
    async with run_farm(cfg) as farm:
        await asyncio.sleep(0.2)
        async with http.post(farm.control_url + "/_farm/pause") as r:
            assert r.status == 200 and (await r.json())["paused"] is True
        published = len(farm.articles())
        await asyncio.sleep(0.3)  # 15 more would have arrived
        assert len(farm.articles()) == published
        async with http.get(farm.articles()[-1].url) as r:
            assert r.status == 200
