"""The poller's I/O: feed HTTP (aiohttp, one session per process) behind `FeedClient`, and the
WebSub subscription request behind `HubClient`.

The HTTP plumbing (guarded resolver, per-hop SSRF checks, bounded streaming, per-host
politeness) is `newswire.net`, shared with the fetcher. Redirects are followed here one hop at a
time so that a chain of only permanent redirects (301/308) can update the stored feed URL.
aiohttp asks for gzip, deflate and (with the brotli package installed) br by itself.
"""

from __future__ import annotations

import time
from typing import Protocol

import aiohttp

from newswire.contracts.feeds import FeedErrorClass
from newswire.net.addresses import check_url, is_redirect_loop, redirect_target
from newswire.net.http import HostLimiter, guarded_get, make_session, transport_error
from newswire.poller.logic import FeedResponse
from newswire.poller.settings import PollerSettings

ACCEPT_FEEDS = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, */*;q=0.5"
)
PERMANENT = frozenset({301, 308})
_FEED_ERROR: dict[str, FeedErrorClass] = {
    "timeout": "timeout",
    "connect": "connect",
    "dns": "dns",
    "tls": "tls",
    "refused_address": "refused_address",
    "bad_url": "other",
    "redirect_loop": "redirect_loop",
    "too_many_redirects": "redirect_loop",
    "too_large": "too_large",
    "not_html": "not_a_feed",
}


class FeedClient(Protocol):
    """Polls one feed URL (conditional GET); never raises for network trouble."""

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse: ...

    async def close(self) -> None: ...


class AiohttpFeedClient:
    """The real FeedClient: one aiohttp session, SSRF guard, bounded bodies, polite per host."""

    def __init__(self, settings: PollerSettings, limiter: HostLimiter | None = None) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self.limiter = limiter or HostLimiter(
            settings.per_host_concurrency,
            min_delay_s=settings.min_host_delay_s,
            global_limit=settings.global_concurrency,
        )

    def session(self) -> aiohttp.ClientSession:
        """The process's one session (created on first use, inside the running loop)."""
        if self._session is None or self._session.closed:
            s = self._settings
            self._session = make_session(
                user_agent=s.full_user_agent,
                allowlist=s.allow_private_networks,
                total_s=s.request_timeout_s,
                limit=max(100, s.global_concurrency * 2),
                accept=ACCEPT_FEEDS,
            )
        return self._session

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FeedResponse:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        s = self._settings
        started = time.monotonic()
        chain: list[str] = []
        permanent = True
        current = url
        while True:
            # One hop at a time (max_redirects=0 hands every redirect back to us).
            r = await guarded_get(
                self.session(), self.limiter, current,
                allowlist=s.allow_private_networks, max_redirects=0,
                max_bytes=s.max_feed_bytes, headers=headers,
            )
            location = r.headers.get("location")
            if r.error == "too_many_redirects" and r.status is not None and location:
                chain.append(current)
                permanent = permanent and r.status in PERMANENT
                target = redirect_target(current, location)
                if is_redirect_loop(chain, target):
                    return self._failed(url, current, "redirect_loop", f"{current} loops back to {target}", started)
                if len(chain) > s.max_redirects:
                    return self._failed(url, current, "redirect_loop", f"more than {s.max_redirects} redirects", started)
                current = target
                continue
            return FeedResponse(
                url=url,
                final_url=r.final_url,
                status=r.status,
                headers=r.headers,
                body=r.body,
                error_class=_FEED_ERROR[r.error] if r.error else None,
                error_message=r.detail,
                duration_ms=int((time.monotonic() - started) * 1000),
                permanent_url=current if chain and permanent else None,
            )

    @staticmethod
    def _failed(url: str, current: str, error: FeedErrorClass, detail: str, started: float) -> FeedResponse:
        return FeedResponse(
            url=url, final_url=current, error_class=error, error_message=detail,
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class HubClient(Protocol):
    """Sends WebSub (un)subscription requests to a hub."""

    async def subscribe(
        self, hub: str, *, topic: str, callback: str, secret: str, lease_s: int
    ) -> tuple[bool, str]: ...


class AiohttpHubClient:
    """WebSub subscription requests over the feed client's session (same SSRF guard)."""

    def __init__(self, feeds: AiohttpFeedClient, settings: PollerSettings) -> None:
        self._feeds = feeds
        self._settings = settings

    async def subscribe(
        self, hub: str, *, topic: str, callback: str, secret: str, lease_s: int
    ) -> tuple[bool, str]:
        """POST the subscription; (accepted, detail). The hub then verifies intent by calling
        the callback (see `websub.py`)."""
        problem = check_url(hub, self._settings.allow_private_networks)
        if problem is not None:
            return False, problem.detail
        form = {
            "hub.mode": "subscribe",
            "hub.topic": topic,
            "hub.callback": callback,
            "hub.secret": secret,
            "hub.lease_seconds": str(lease_s),
        }
        try:
            async with self._feeds.session().post(hub, data=form, allow_redirects=False) as resp:
                detail = (await resp.content.read(2000)).decode("utf-8", "replace")
                return resp.status in (202, 204, 200), f"HTTP {resp.status} {detail[:200]}"
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error, detail = transport_error(exc)
            return False, f"{error}: {detail}"
