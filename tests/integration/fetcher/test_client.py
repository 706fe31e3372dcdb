"""The fetcher's client against the local news farm (no Kafka): every kind of bad input ends
with a clear failure reason within the fetch budget, robots.txt and host back-off are honoured,
and the SSRF guard holds at every hop."""

from __future__ import annotations

import asyncio
import gzip
import html
import ipaddress
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from newswire.contracts import FetchedPage, FetchRequest, utcnow
from newswire.contracts.ids import article_id, host_of
from newswire.farm import Assign, Farm, FarmConfig, OutletBehaviour, run_farm
from newswire.fetcher.adapters import AiohttpPageClient
from newswire.fetcher.logic import FetchResult, Retry, decide
from newswire.fetcher.settings import FetcherSettings
from newswire.normaliser.logic import page_walls
from newswire.normaliser.walls import CLEAR

PAGE_FAULTS = {
    "slowloris": "timeout",
    "no_answer": "timeout",
    "lying_length_stall": "timeout",
    "lying_length": "connect",
    "endless_chunked": "too_large",
    "gzip_bomb": "too_large",
    "brotli_bomb": "too_large",
    "binary_as_html": "not_html",
    "octet_stream": "not_html",
    "pdf": "not_html",
}
WALLS = {"bot_challenge": "bot", "js_shell": "bot", "consent_wall": "bot", "paywall": "paywall"}
ROBOTS = ["disallow_all", "server_error", "not_found", "no_answer"]
BUDGET_S = 3.0


def settings(**kw: object) -> FetcherSettings:
    base: dict[str, object] = {
        "allow_private_networks": [ipaddress.ip_network("127.0.0.0/8")],
        "min_host_delay_s": 0.0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "total_timeout_s": 2.0,
        "fetch_budget_s": BUDGET_S,
        "max_body_bytes": 2 * 1024 * 1024,
        "host_backoff_base_s": 30.0,
    }
    return FetcherSettings(**{**base, **kw})  # type: ignore[arg-type]


def faults() -> list[str]:
    return [*PAGE_FAULTS, *WALLS, "amp"]


@pytest.fixture(scope="module")
async def farm() -> AsyncIterator[Farm]:
    rules = [Assign(OutletBehaviour(page_fault=f), indexes=(i + 1,)) for i, f in enumerate(faults())]  # type: ignore[arg-type]
    base = len(faults()) + 1
    rules += [Assign(OutletBehaviour(robots_fault=f), indexes=(base + i,)) for i, f in enumerate(ROBOTS)]  # type: ignore[arg-type]
    rules += [
        Assign(OutletBehaviour(crawl_delay=0.3), indexes=(base + 4,)),
        Assign(OutletBehaviour(throttle_requests=1, retry_after_s=40), indexes=(base + 5,)),
        Assign("redirect-loop", indexes=(base + 6,)),
    ]
    async with run_farm(FarmConfig(outlets=base + 7, port=0, behaviours=rules, use_fixtures=False)) as f:
        yield f


def link(farm: Farm, outlet: int, n: int = 0) -> str:
    return [a.link for a in farm.articles() if a.outlet == outlet][n]


def request(url: str) -> FetchRequest:
    return FetchRequest(url=url, host=host_of(url), article_id=article_id(url), reason="new", requested_at=utcnow())


async def fetch(client: AiohttpPageClient, url: str) -> FetchResult:
    # The outer limit only turns a hang into a failure: the budget must end the fetch first.
    return await asyncio.wait_for(client.fetch(url), BUDGET_S * 3)


async def test_bad_pages_end_with_a_reason(farm: Farm) -> None:
    client = AiohttpPageClient(settings())
    try:
        urls = {f: link(farm, i + 1) for i, f in enumerate(faults())}
        results = dict(zip(urls, await asyncio.gather(*(fetch(client, u) for u in urls.values()))))
        for fault, failure in PAGE_FAULTS.items():
            page = decide(request(urls[fault]), results[fault], utcnow(), last_attempt=True)
            assert isinstance(page, FetchedPage) and page.outcome == "failed", (fault, page)
            assert page.failure == failure and page.failure_detail, (fault, page.failure, page.failure_detail)
        assert "PDF" in (decide(request(urls["pdf"]), results["pdf"], utcnow()).failure_detail or "")  # type: ignore[union-attr]
        assert "content length" in (results["lying_length"].detail or "").lower()
        for fault, kind in WALLS.items():  # fetched as pages; the normaliser tells the walls
            page = decide(request(urls[fault]), results[fault], utcnow())
            assert isinstance(page, FetchedPage) and page.outcome == "ok" and page.html, fault
            walls = page_walls(page)
            assert (walls.bot_challenge, walls.paywalled) == (kind == "bot", kind == "paywall"), (fault, walls.reason)
        amp = decide(request(urls["amp"]), results["amp"], utcnow())
        assert isinstance(amp, FetchedPage) and amp.outcome == "ok" and page_walls(amp) == CLEAR
        # the service goes on: a healthy page right after all of that
        ok = decide(request(link(farm, 0)), await fetch(client, link(farm, 0)), utcnow())
        assert isinstance(ok, FetchedPage) and ok.outcome == "ok"
    finally:
        await client.close()


async def test_robots_txt(farm: Farm) -> None:
    base = len(faults()) + 1
    client = AiohttpPageClient(settings())
    try:
        disallowed = await fetch(client, link(farm, base))
        assert disallowed.error == "robots_disallowed" and disallowed.status is None
        for outlet in (base + 1, base + 3):  # 503 and a robots.txt that never answers: try later
            result = await fetch(client, link(farm, outlet))
            assert result.error == "deferred" and (result.retry_after_s or 0) > 30, result
            assert isinstance(decide(request(link(farm, outlet)), result, utcnow()), Retry)
        missing = await fetch(client, link(farm, base + 2))  # 404: everything allowed
        assert missing.status == 200 and missing.error is None
        private = await fetch(client, f"http://{farm.outlets[0].netloc}/private/area")
        assert private.error == "robots_disallowed"
        # cached: the second page of an outlet does not fetch robots.txt again
        before = farm.runtime(0).stats.requests["robots"]
        await fetch(client, link(farm, 0, 1))
        await fetch(client, link(farm, 0, 2))
        assert farm.runtime(0).stats.requests["robots"] == before
        # Crawl-delay feeds the host limiter
        slow = farm.outlets[base + 4]
        await fetch(client, link(farm, base + 4))
        assert client.limiter.delay_of(slow.host) == pytest.approx(0.3)
    finally:
        await client.close()


async def test_throttled_host_backs_off_without_waiting(farm: Farm) -> None:
    outlet = len(faults()) + 1 + 5
    client = AiohttpPageClient(settings())
    try:
        first = await fetch(client, link(farm, outlet, 0))
        assert first.status == 429
        retry = decide(request(link(farm, outlet, 0)), first, utcnow())
        assert isinstance(retry, Retry) and (retry.retry_after_s or 0) >= 40.0
        served = farm.runtime(outlet).stats.requests["article"]
        # the other articles of that host are deferred at once, without a request
        later = await asyncio.gather(*(fetch(client, link(farm, outlet, n)) for n in (1, 2)))
        for result in later:
            assert result.error == "deferred" and result.defer_failure == "rate_limited"
            assert 30 <= (result.retry_after_s or 0) <= 300
        assert farm.runtime(outlet).stats.requests["article"] == served
        # other hosts are not affected
        assert (await fetch(client, link(farm, 0))).status == 200
    finally:
        await client.close()


async def test_redirect_loop_and_ssrf_at_every_hop(farm: Farm) -> None:
    loop_result = await _with_client(link(farm, len(faults()) + 1 + 6))
    assert loop_result.error == "redirect_loop"

    async def to_metadata(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    async def to_loopback_name(_: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "http://localhost:1/admin"})

    app = web.Application()
    app.router.add_get("/meta", to_metadata)
    app.router.add_get("/name", to_loopback_name)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        meta = await _with_client(f"http://127.0.0.1:{port}/meta")
        assert meta.error == "refused_address" and meta.redirect_chain == (f"http://127.0.0.1:{port}/meta",)
        # only 127.0.0.1/32 allowed: a name resolving to ::1 / 127.0.0.1 elsewhere is refused at
        # connection time by the resolver
        name = await _with_client(
            f"http://127.0.0.1:{port}/name",
            allow_private_networks=[ipaddress.ip_network("127.0.0.1/32")],
            obey_robots=False,
        )
        assert name.error in ("refused_address", "connect"), name
        credentials = await _with_client("http://user:pw@example.com/")
        assert credentials.error == "bad_url"
        scheme = await _with_client("file:///etc/passwd")
        assert scheme.error == "bad_url"
    finally:
        await runner.cleanup()


async def _with_client(url: str, **kw: object) -> FetchResult:
    client = AiohttpPageClient(settings(**kw))
    try:
        return await fetch(client, url)
    finally:
        await client.close()


async def test_compression_ratio_cap_and_invalid_tls(tmp_path: Path) -> None:
    bomb = gzip.compress(bytes(8 * 1024 * 1024))

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    plain = web.TCPSite(runner, "127.0.0.1", 0)
    await plain.start()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    tls = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await tls.start()
    try:
        port = plain._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # the body fits under the size cap, but inflates ~1000 times: refused as a bomb
        result = await _with_client(f"http://127.0.0.1:{port}/a", max_body_bytes=64 * 1024 * 1024, obey_robots=False)
        assert result.error == "too_large" and "bomb" in (result.detail or ""), result
        tls_port = tls._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        result = await _with_client(f"https://127.0.0.1:{tls_port}/a")
        assert result.error == "tls", result
    finally:
        await runner.cleanup()


async def test_hundreds_in_flight_across_hosts_within_per_host_limits() -> None:
    hosts, per_host = 80, 2
    config = FarmConfig(
        outlets=hosts, port=0, articles_per_outlet=4, use_fixtures=False,
        default_behaviour=OutletBehaviour(latency_ms=400),
    )
    async with run_farm(config) as farm:
        links = [a.link for a in farm.articles()]
        client = AiohttpPageClient(settings(per_host_concurrency=per_host, concurrency=256, fetch_budget_s=30))
        peak = 0
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, sum(farm.runtime(i).stats.current for i in range(hosts)))
                await asyncio.sleep(0.02)

        sampler = asyncio.create_task(sample())
        try:
            results = await asyncio.gather(*(client.fetch(u) for u in links))
        finally:
            done.set()
            await sampler
            await client.close()
        assert all(r.status == 200 for r in results)
        stats = farm.stats()
        assert max(s["max_concurrent"] for s in stats["per_outlet"].values()) <= per_host
        assert peak >= 100, peak  # requests in progress at the farm at once, across hosts


async def test_wrong_charsets_are_decoded() -> None:
    # Outlets 0 and 1 carry real seed texts (curly quotes, dashes): a wrong guess would show.
    config = FarmConfig(
        outlets=2, port=0,
        behaviours=(Assign("cp1252", indexes=(0,)), Assign("latin1-meta", indexes=(1,))),
    )
    async with run_farm(config) as farm:
        client = AiohttpPageClient(settings())
        try:
            for a in [next(a for a in farm.articles() if a.outlet == i) for i in (0, 1)]:
                page = decide(request(a.link), await fetch(client, a.link), utcnow())
                assert isinstance(page, FetchedPage) and page.outcome == "ok" and page.html
                text = html.unescape(page.html)
                assert "\ufffd" not in text and all(p in text for p in a.text), a.link
                if any(ord(c) > 127 for p in a.text for c in p):
                    # the text is right; the label is the detector's (cp1250 and cp1252 agree
                    # on quotes and dashes)
                    assert page.charset in ("cp1252", "cp1250"), page.charset
        finally:
            await client.close()


async def test_two_gigabyte_bodies_are_refused_without_reading_them() -> None:
    declared = OutletBehaviour(huge_page_bytes=2 * 1024**3, huge_page_declare_length=True)
    chunked = OutletBehaviour(huge_page_bytes=2 * 1024**3)
    config = FarmConfig(
        outlets=2, port=0, use_fixtures=False,
        behaviours=(Assign(declared, indexes=(0,)), Assign(chunked, indexes=(1,))),
    )
    async with run_farm(config) as farm:
        client = AiohttpPageClient(settings())
        try:
            for outlet in (0, 1):
                url = next(a.link for a in farm.articles() if a.outlet == outlet)
                result = await fetch(client, url)
                assert result.error == "too_large" and result.byte_size <= 2 * 1024 * 1024, result
        finally:
            await client.close()
