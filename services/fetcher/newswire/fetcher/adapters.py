"""The fetcher's I/O: pages over the shared guarded HTTP client (`newswire.net.http`), behind
`PageClient`, with the per-host state a polite crawler keeps in its process: robots.txt rules
(`RobotsCache`) and back-off after 429/503 (`HostBackoff`). Fetch requests are keyed by host, so
a host's requests all reach the one process that holds its state."""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
from protego import Protego

from newswire.fetcher.logic import FetchResult, may_be_html
from newswire.fetcher.politeness import (
    BACKOFF_STATUSES,
    crawl_delay_s,
    gate,
    host_backoff_s,
    robots_ttl,
    robots_verdict,
)
from newswire.fetcher.settings import FetcherSettings
from newswire.net.addresses import check_url, parse_retry_after
from newswire.net.http import HostLimiter, guarded_get, make_session
from newswire.contracts import utcnow


class PageClient(Protocol):
    """Fetches one page (robots.txt and politeness first, then redirects); never raises for
    network trouble."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...

    async def close(self) -> None: ...


@dataclass
class RobotsRules:
    """One host's robots.txt as this process knows it."""

    parser: Protego | None
    """None: everything allowed (no robots.txt, or a 4xx)."""
    expires_at: float
    unreachable_until: float = 0.0
    """While in the future, robots.txt could not be read: the host is not crawled (unless an
    older copy is still held in `parser`)."""
    fetched: bool = False

    def allowed(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        if delay is not None:
            return float(delay)
        rate = self.parser.request_rate(user_agent)
        if rate is not None and rate.requests:
            return float(rate.seconds) / float(rate.requests)
        return None


class RobotsCache:
    """robots.txt per scheme://host:port, fetched through the guarded client, cached with expiry
    (LRU-bounded); concurrent first requests to a host share one fetch."""

    def __init__(
        self, settings: FetcherSettings, session: aiohttp.ClientSession, limiter: HostLimiter
    ) -> None:
        self._s = settings
        self._session = session
        self._limiter = limiter
        self._rules: OrderedDict[str, RobotsRules] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[RobotsRules]] = {}
        self.fetches = 0

    async def rules_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        key = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        now = asyncio.get_running_loop().time()
        rules = self._rules.get(key)
        if rules is not None:
            self._rules.move_to_end(key)
            if rules.expires_at > now or rules.unreachable_until > now:
                return rules
        task = self._inflight.get(key)
        if task is None:
            # A task of its own, shielded from its callers: one caller running out of budget
            # does not cancel the fetch the others wait for.
            task = asyncio.ensure_future(self._fetch(key, rules))
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._store(key, t))
        return await asyncio.shield(task)

    def _store(self, key: str, task: asyncio.Future[RobotsRules]) -> None:
        self._inflight.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return
        self._rules[key] = task.result()
        self._rules.move_to_end(key)
        while len(self._rules) > self._s.robots_cache_hosts:
            self._rules.popitem(last=False)

    async def _fetch(self, key: str, previous: RobotsRules | None) -> RobotsRules:
        s = self._s
        self.fetches += 1
        r = await guarded_get(
            self._session,
            self._limiter,
            f"{key}/robots.txt",
            allowlist=s.allow_private_networks,
            max_redirects=5,
            max_bytes=s.robots_max_bytes,
            headers={"Accept": "text/plain,*/*;q=0.5"},
            max_ratio=s.max_compression_ratio,
        )
        now = asyncio.get_running_loop().time()
        verdict = robots_verdict(r.status, r.error)
        ttl = robots_ttl(
            r.headers.get("cache-control"), s.robots_ttl_s, s.robots_min_ttl_s, s.robots_max_ttl_s
        )
        if verdict == "parse":
            text = (r.body or b"").decode("utf-8", "replace")
            return RobotsRules(Protego.parse(text), now + ttl, fetched=True)
        if verdict == "allow_all":
            return RobotsRules(None, now + ttl, fetched=True)
        # Unreachable: keep an older copy if there is one (RFC 9309 2.4), else crawl nothing
        # from this host for a while.
        parser = previous.parser if previous is not None and previous.fetched else None
        held = previous is not None and previous.fetched
        return RobotsRules(
            parser,
            now + (s.robots_min_ttl_s if held else 0.0),
            unreachable_until=0.0 if held else now + s.robots_retry_s,
            fetched=held,
        )


class HostBackoff:
    """Hosts that answered 429/503: how long to leave them alone (in this process)."""

    MAX_HOSTS = 100_000

    def __init__(self, base_s: float, cap_s: float) -> None:
        self._base_s = base_s
        self._cap_s = cap_s
        self._hosts: dict[str, tuple[int, float]] = {}

    def blocked_for(self, host: str, now: float) -> float:
        entry = self._hosts.get(host)
        return max(0.0, entry[1] - now) if entry else 0.0

    def record(self, host: str, retry_after_s: float | None, now: float) -> float:
        """A 429/503 from `host`: back off (longer each time in a row); returns the delay."""
        consecutive = self._hosts.get(host, (0, 0.0))[0] + 1
        delay = host_backoff_s(consecutive, retry_after_s, self._base_s, self._cap_s, random.random())
        self._hosts[host] = (consecutive, now + delay)
        if len(self._hosts) > self.MAX_HOSTS:
            for h in [h for h, (_, until) in self._hosts.items() if until < now]:
                del self._hosts[h]
        return delay

    def clear(self, host: str) -> None:
        """`host` answered normally again."""
        self._hosts.pop(host, None)


class AiohttpPageClient:
    """The real PageClient: one aiohttp session, robots.txt, per-host politeness and back-off,
    SSRF guard, bounded bodies, one time budget per fetch."""

    def __init__(self, settings: FetcherSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._robots: RobotsCache | None = None
        self.limiter = HostLimiter(settings.per_host_concurrency, settings.min_host_delay_s)
        self.backoff = HostBackoff(settings.host_backoff_base_s, settings.host_backoff_max_s)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            s = self._settings
            self._session = make_session(
                user_agent=s.user_agent,
                allowlist=s.allow_private_networks,
                total_s=s.total_timeout_s,
                connect_s=s.connect_timeout_s,
                read_s=s.read_timeout_s,
                limit=max(100, s.concurrency * 2),
            )
            self._robots = RobotsCache(s, self._session, self.limiter)
        return self._session

    @property
    def robots(self) -> RobotsCache:
        self._get_session()
        assert self._robots is not None
        return self._robots

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        s = self._settings
        problem = check_url(url, s.allow_private_networks)
        if problem is not None:
            return FetchResult(url, url, error=problem.failure, detail=problem.detail)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(s.fetch_budget_s):
                return await self._fetch(url, etag, last_modified)
        except TimeoutError:
            elapsed = int((loop.time() - started) * 1000)
            detail = f"fetch took longer than its {s.fetch_budget_s:g} s budget"
            return FetchResult(url, url, error="timeout", detail=detail, elapsed_ms=elapsed)

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        s = self._settings
        session = self._get_session()
        host = (urlsplit(url).hostname or "").lower()
        loop = asyncio.get_running_loop()
        blocked = self.backoff.blocked_for(host, loop.time())
        g = gate(
            blocked, self.limiter.in_use(host), self.limiter.per_host,
            self.limiter.delay_of(host), s.max_host_wait_s,
        )
        if g.action == "defer":
            why = "backed off after 429/503" if blocked > 0 else "busy (politeness backlog)"
            return FetchResult(
                url, url, error="deferred", retry_after_s=g.seconds,
                defer_failure="rate_limited" if blocked > 0 else "other",
                detail=f"host {host} {why}: next try in {g.seconds:.1f} s",
            )
        if g.action == "wait" and g.seconds > 0:
            await asyncio.sleep(g.seconds)
        if s.obey_robots:
            rules = await self.robots.rules_for(url)
            now = loop.time()
            if rules.unreachable_until > now:
                wait = rules.unreachable_until - now
                return FetchResult(
                    url, url, error="deferred", retry_after_s=wait, defer_failure="other",
                    detail=f"robots.txt of {host} unreachable (5xx or timeout): retry in {wait:.0f} s",
                )
            self.limiter.set_delay(
                host, crawl_delay_s(rules.crawl_delay(s.user_agent), s.min_host_delay_s, s.max_crawl_delay_s)
            )
            if not rules.allowed(url, s.user_agent):
                return FetchResult(
                    url, url, error="robots_disallowed", detail=f"robots.txt of {host} disallows it"
                )
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        r = await guarded_get(
            session,
            self.limiter,
            url,
            allowlist=s.allow_private_networks,
            max_redirects=s.max_redirects,
            max_bytes=s.max_body_bytes,
            headers=headers,
            accept_body=may_be_html,
            max_ratio=s.max_compression_ratio,
        )
        final_host = (urlsplit(r.final_url).hostname or "").lower()
        backoff: float | None = None
        if r.status in BACKOFF_STATUSES:
            retry_after = parse_retry_after(r.headers.get("retry-after"), utcnow())
            backoff = self.backoff.record(final_host, retry_after, loop.time())
        elif r.status is not None and r.status < 500:
            self.backoff.clear(final_host)
        return FetchResult(
            requested_url=r.url,
            final_url=r.final_url,
            redirect_chain=r.chain,
            status=r.status,
            headers=r.headers,
            body=r.body,
            error=r.error,
            detail=r.detail,
            elapsed_ms=r.elapsed_ms,
            byte_size=r.byte_size,
            retry_after_s=backoff,
        )

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
