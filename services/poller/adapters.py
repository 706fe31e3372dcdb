"""The poller's I/O: feed HTTP (aiohttp, one session per process) behind `FeedClient`, and the
small piece of Faust glue that lets a timer write to the poller's tables.

The HTTP plumbing (guarded resolver, manual redirects with per-hop SSRF checks, bounded
streaming, per-host politeness) is `newswire.net`, shared with the fetcher.
"""

from __future__ import annotations

from typing import Protocol

import aiohttp

from newswire.contracts.feeds import FeedErrorClass
from newswire.net.http import HostLimiter, guarded_get, make_session
from newswire.poller.logic import FeedResponse
from newswire.poller.settings import PollerSettings

ACCEPT_FEEDS = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
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
    """The real FeedClient: one aiohttp session, SSRF guard, bounded bodies."""

    def __init__(self, settings: PollerSettings, limiter: HostLimiter | None = None) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self.limiter = limiter or HostLimiter(
            settings.per_host_concurrency, global_limit=settings.global_concurrency
        )

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            s = self._settings
            self._session = make_session(
                user_agent=s.user_agent,
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
        r = await guarded_get(
            self._get_session(),
            self.limiter,
            url,
            allowlist=s.allow_private_networks,
            max_redirects=s.max_redirects,
            max_bytes=s.max_feed_bytes,
            headers=headers,
        )
        return FeedResponse(
            url=url,
            final_url=r.final_url,
            status=r.status,
            headers=r.headers,
            body=r.body,
            error_class=_FEED_ERROR[r.error] if r.error else None,
            error_message=r.detail,
            duration_ms=r.elapsed_ms,
        )

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
