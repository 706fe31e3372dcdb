"""The SSRF matrix through real requests: the poller's feed client and the fetcher's page client
(each stage's own HTTP path) asked for every address form directly, and redirected to it from an
allowed ("public") server. A canary server on 127.0.0.1 proves that no refused request ever
reached it."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from aiohttp import web

from newswire.fetcher.adapters import AiohttpPageClient
from newswire.fetcher.settings import FetcherSettings
from newswire.poller.adapters import AiohttpFeedClient
from newswire.poller.settings import PollerSettings
from tests.unit.security.ssrf_matrix import LITERALS, NAMES, SCHEMES

#: The "public" server of these tests: only this address is allow-listed.
PUBLIC_IP = "127.0.0.2"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>canary</title></channel></rss>'


@dataclass
class Servers:
    canary_port: int
    public_port: int
    canary_hits: list[str] = field(default_factory=list)

    def redirect(self, target: str) -> str:
        return f"http://{PUBLIC_IP}:{self.public_port}/to?u={quote(target, safe='')}"


@pytest.fixture(scope="module")
async def servers() -> AsyncIterator[Servers]:
    state = Servers(0, 0)

    async def canary(request: web.Request) -> web.Response:
        state.canary_hits.append(str(request.url))
        return web.Response(body=RSS, content_type="application/rss+xml")

    async def redirector(request: web.Request) -> web.Response:
        if request.path == "/robots.txt":
            return web.Response(status=404)
        return web.Response(status=302, headers={"Location": request.query["u"]})

    runners = []
    for handler, host in ((canary, "127.0.0.1"), (redirector, PUBLIC_IP)):
        app = web.Application()
        app.router.add_get("/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if host == PUBLIC_IP:
            state.public_port = port
        else:
            state.canary_port = port
        runners.append(runner)
    yield state
    for runner in runners:
        await runner.cleanup()


def _allow(*nets: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in nets]


def fetcher(*nets: str) -> AiohttpPageClient:
    return AiohttpPageClient(FetcherSettings(  # type: ignore[call-arg]
        allow_private_networks=_allow(f"{PUBLIC_IP}/32", *nets), min_host_delay_s=0.0,
        connect_timeout_s=1.0, read_timeout_s=1.0, total_timeout_s=2.0, fetch_budget_s=3.0,
        obey_robots=False,
    ))


def poller(*nets: str) -> AiohttpFeedClient:
    return AiohttpFeedClient(PollerSettings(  # type: ignore[call-arg]
        allow_private_networks=_allow(f"{PUBLIC_IP}/32", *nets), min_host_delay_s=0.0,
        request_timeout_s=2.0,
    ))


def targets(servers: Servers, *, redirect: bool = False) -> list[tuple[str, str, str]]:
    """(id, url, expected failure) for every form: literals (spellings of 127.0.0.1 aim at the
    canary's port), a real DNS name resolving to loopback, and the non-http schemes. In a
    Location header a scheme-relative or relative reference is resolved against the redirecting
    URL (it is not another scheme), so those two are direct-only."""
    out = [(c.id, c.url(servers.canary_port if c.loopback else 9, "/x"), "refused_address") for c in LITERALS]
    out += [(f"name-{n.id}", f"http://{n.host}:{servers.canary_port}/x", "refused_address")
            for n in NAMES if n.host == "localhost"]
    out += [(f"scheme-{name}", url, "bad_url") for name, url in SCHEMES
            if not (redirect and name in ("scheme-relative", "no-scheme"))]
    return out


POLLER_FAILURE = {"refused_address": "refused_address", "bad_url": "other"}


async def test_direct_requests_are_refused_by_both_stages(servers: Servers) -> None:
    cases = targets(servers)
    fetch, poll = fetcher(), poller()
    try:
        fetched = await asyncio.gather(*(fetch.fetch(url) for _, url, _ in cases))
        polled = await asyncio.gather(*(poll.get(url) for _, url, _ in cases))
    finally:
        await fetch.close()
        await poll.close()
    wrong = [
        (name, f.error, p.error_class, f.detail)
        for (name, _, failure), f, p in zip(cases, fetched, polled)
        if f.error != failure or p.error_class != POLLER_FAILURE[failure] or f.status is not None
    ]
    assert not wrong, wrong
    assert servers.canary_hits == []
    print(f"\nSSRF direct: {len(cases)} forms x 2 stages tried, {len(wrong)} got through")


async def test_redirects_from_a_public_server_to_private_addresses_are_refused(servers: Servers) -> None:
    cases = targets(servers, redirect=True)
    fetch, poll = fetcher(), poller()
    try:
        fetched = await asyncio.gather(*(fetch.fetch(servers.redirect(url)) for _, url, _ in cases))
        polled = await asyncio.gather(*(poll.get(servers.redirect(url)) for _, url, _ in cases))
    finally:
        await fetch.close()
        await poll.close()
    wrong: list[tuple[object, ...]] = []
    for (name, url, failure), f, p in zip(cases, fetched, polled):
        # the first hop (the allowed server) was followed; the private hop was not
        if f.error != failure or f.redirect_chain != (servers.redirect(url),):
            wrong.append(("fetcher", name, f.error, f.redirect_chain, f.detail))
        if p.error_class != POLLER_FAILURE[failure]:
            wrong.append(("poller", name, p.error_class, p.error_message))
    assert not wrong, wrong
    assert servers.canary_hits == []
    print(f"\nSSRF redirects: {len(cases)} forms x 2 stages tried, {len(wrong)} got through")


async def test_the_canary_answers_once_loopback_is_allowed(servers: Servers) -> None:
    """The refusals above are the guard's doing: allow-list 127.0.0.1 and the same URLs work.
    (aiohttp itself rejects the inet_aton spellings as non-canonical; the Unicode spellings it
    normalises to 127.0.0.1 and connects to, without asking the resolver: before check_url read
    the host as aiohttp does, those reached the canary even with nothing allow-listed.)"""
    loopback = [c for c in LITERALS if c.id == "loopback" or c.id.startswith("idna-")]
    fetch, poll = fetcher("127.0.0.1/32"), poller("127.0.0.1/32")
    try:
        for case in loopback:
            direct = await poll.get(case.url(servers.canary_port, "/feed"))
            assert direct.status == 200 and direct.body == RSS, (case.id, direct)
        redirected = await fetch.fetch(servers.redirect(f"http://127。0。0。1:{servers.canary_port}/page"))
        assert redirected.status == 200 and len(redirected.redirect_chain) == 1
        named = await poll.get(f"http://localhost:{servers.canary_port}/feed")
        assert named.status == 200
    finally:
        await fetch.close()
        await poll.close()
    assert len(servers.canary_hits) == len(loopback) + 2
    servers.canary_hits.clear()
