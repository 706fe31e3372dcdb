"""The feeds farm and its WebSub hub, served in-process on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac

import aiohttp
import feedparser
from aiohttp import web

from newswire.farm.feeds_farm import FeedsFarmConfig, run_feeds_farm


async def test_feeds_304_changing_gone_moved() -> None:
    config = FeedsFarmConfig(feeds=20, hosts=3, items=5, changing_share=0.1, gone=(3,), moved=(4,))
    async with run_feeds_farm(config) as farm, aiohttp.ClientSession() as http:
        urls = farm.feed_urls()
        assert len({u.split("/")[2] for u in urls}) == 3
        changing = [i for i in range(20) if farm._feeds[i].changing]
        assert len(changing) == 2
        steady = next(i for i in range(5, 20) if i not in changing)
        async with http.get(urls[steady]) as r:
            assert r.status == 200
            body, etag = await r.read(), r.headers["ETag"]
            last_modified = r.headers["Last-Modified"]
        parsed = feedparser.parse(body)
        assert [e.link for e in parsed.entries] == farm.links(steady) and len(parsed.entries) == 5
        async with http.get(urls[steady], headers={"If-None-Match": etag}) as r:
            assert r.status == 304
        async with http.get(urls[steady], headers={"If-Modified-Since": last_modified}) as r:
            assert r.status == 304
        async with http.get(urls[changing[0]]) as r:
            etag = r.headers["ETag"]
        async with http.get(urls[changing[0]], headers={"If-None-Match": etag}) as r:
            assert r.status == 200  # a new item on every request
        async with http.get(urls[3]) as r:
            assert r.status == 410
        async with http.get(urls[4], allow_redirects=False) as r:
            assert r.status == 301 and r.headers["Location"].endswith("/feeds/4-moved.xml")
        await farm.add_item(steady)
        async with http.get(urls[steady], headers={"If-None-Match": '"%d-0"' % steady}) as r:
            assert r.status == 200
        assert farm.stats.not_modified == 2


async def test_hub_verifies_intent_and_signs_deliveries() -> None:
    received: list[tuple[bytes, str]] = []
    challenges: list[str] = []

    async def callback(request: web.Request) -> web.Response:
        if request.method == "GET":
            challenges.append(request.query["hub.challenge"])
            if request.query.get("hub.topic", "").endswith("/feeds/1.xml"):
                return web.Response(text=request.query["hub.challenge"])
            return web.Response(status=404)
        received.append((await request.read(), request.headers.get("X-Hub-Signature", "")))
        return web.Response(status=202)

    sub_app = web.Application()
    sub_app.router.add_route("*", "/cb", callback)
    runner = web.AppRunner(sub_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with run_feeds_farm(FeedsFarmConfig(feeds=3, hosts=1, hub=True)) as farm, aiohttp.ClientSession() as http:
            async with http.get(farm.feed_urls()[1]) as r:
                parsed = feedparser.parse(await r.read())
            links = {link.rel: link.href for link in parsed.feed.links}
            assert links["hub"] == farm.hub_url and links["self"] == farm.feed_url(1)
            for topic in (farm.feed_url(1), farm.feed_url(2)):
                form = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": f"http://127.0.0.1:{port}/cb",
                        "hub.secret": "s3cret", "hub.lease_seconds": "600"}
                async with http.post(farm.hub_url, data=form) as r:
                    assert r.status == 202
            assert farm.hub is not None
            for _ in range(100):
                if farm.hub.stats.verified + farm.hub.stats.verify_failed == 2:
                    break
                await asyncio.sleep(0.05)
            assert farm.hub.stats.verified == 1 and farm.hub.stats.verify_failed == 1
            assert len(challenges) == 2
            assert await farm.add_item(1) == 1 and await farm.add_item(2) == 0
            body, signature = received[0]
            assert signature == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
            assert farm.item_link(1, 21).encode() in body
    finally:
        await runner.cleanup()
