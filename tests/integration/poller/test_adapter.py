"""The poller's HTTP client against a local server: identifiable User-Agent, compression,
conditional headers, permanent vs temporary redirects, redirects into private space refused,
an endless body cut at the size cap, politeness per host."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import brotli
import pytest
from aiohttp import web

from newswire.poller.adapters import AiohttpFeedClient
from newswire.poller.settings import PollerSettings

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, dict[str, object]]]:
    seen: dict[str, object] = {"headers": [], "current": 0, "max": 0}

    async def feed(request: web.Request) -> web.StreamResponse:
        seen["headers"].append(dict(request.headers))  # type: ignore[attr-defined]
        seen["current"] = int(seen["current"]) + 1  # type: ignore[call-overload]
        seen["max"] = max(int(seen["max"]), int(seen["current"]))  # type: ignore[call-overload]
        try:
            await asyncio.sleep(0.05)
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304)
            encoding = request.query.get("enc")
            body, headers = RSS, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}
            if encoding == "gzip":
                body, headers["Content-Encoding"] = gzip.compress(RSS), "gzip"
            elif encoding == "br":
                body, headers["Content-Encoding"] = brotli.compress(RSS), "br"
            return web.Response(body=body, headers=headers)
        finally:
            seen["current"] = int(seen["current"]) - 1  # type: ignore[call-overload]

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        try:
            await resp.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            for _ in range(100_000):  # "2 GB" as far as the client can tell
                await resp.write(b"<item><title>x</title></item>" * 300)
        except (ConnectionResetError, RuntimeError):
            pass
        return resp

    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/endless.xml", endless)
    app.router.add_get("/moved", lambda r: web.HTTPMovedPermanently("/feed.xml"))  # type: ignore[arg-type,return-value]
    app.router.add_get("/moved2", lambda r: web.HTTPPermanentRedirect("/moved"))  # type: ignore[arg-type,return-value]
    app.router.add_get("/temp", lambda r: web.HTTPFound("/moved"))  # type: ignore[arg-type,return-value]
    app.router.add_get("/private", lambda r: web.HTTPFound("http://10.0.0.1/feed.xml"))  # type: ignore[arg-type,return-value]
    app.router.add_get("/loop", lambda r: web.HTTPMovedPermanently("/loop"))  # type: ignore[arg-type,return-value]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def client(**overrides: object) -> AiohttpFeedClient:
    settings = PollerSettings(
        allow_private_networks=["127.0.0.0/8"], min_host_delay_s=0, contact_url="https://ops.example.org/bots",
        **overrides,  # type: ignore[arg-type]
    )
    return AiohttpFeedClient(settings)


async def test_client(server: tuple[str, dict[str, object]]) -> None:
    base, seen = server
    http = client(max_feed_bytes=1_000_000)
    try:
        r = await http.get(f"{base}/feed.xml")
        assert r.status == 200 and r.body == RSS and r.permanent_url is None
        headers = seen["headers"][-1]  # type: ignore[index]
        assert headers["User-Agent"] == "newswire-poller/0.1 (+https://ops.example.org/bots)"
        assert "br" in headers["Accept-Encoding"] and "gzip" in headers["Accept-Encoding"]
        assert "application/feed+json" in headers["Accept"]
        for enc in ("gzip", "br"):
            assert (await http.get(f"{base}/feed.xml?enc={enc}")).body == RSS
        r = await http.get(f"{base}/feed.xml", etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
        assert r.status == 304
        assert seen["headers"][-1]["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"  # type: ignore[index]
        r = await http.get(f"{base}/moved2")  # 308 then 301: permanent
        assert r.status == 200 and r.permanent_url == f"{base}/feed.xml"
        r = await http.get(f"{base}/temp")  # 302 then 301: not permanent
        assert r.status == 200 and r.permanent_url is None
        r = await http.get(f"{base}/private")
        assert r.error_class == "refused_address" and r.body is None
        assert (await http.get(f"{base}/loop")).error_class == "redirect_loop"
        r = await http.get(f"{base}/endless.xml")
        assert r.error_class == "too_large" and r.body is None
        # politeness: never more than per_host_concurrency at once to one host
        seen["max"] = 0
        await asyncio.gather(*(http.get(f"{base}/feed.xml") for _ in range(10)))
        assert seen["max"] == 2
    finally:
        await http.close()


async def test_private_addresses_refused_without_allowlist() -> None:
    http = AiohttpFeedClient(PollerSettings())
    try:
        for url in ("http://127.0.0.1:9/feed.xml", "http://169.254.169.254/latest", "http://[::1]/f", "http://224.0.0.1/f"):
            r = await http.get(url)
            assert r.error_class == "refused_address", (url, r)
    finally:
        await http.close()
