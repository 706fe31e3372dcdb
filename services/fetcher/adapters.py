"""The fetcher's I/O: pages over the shared guarded HTTP client (`newswire.net.http`), behind
`PageClient`."""

from __future__ import annotations

from typing import Protocol

import aiohttp

from newswire.fetcher.logic import FetchResult, is_html
from newswire.fetcher.settings import FetcherSettings
from newswire.net.http import HostLimiter, guarded_get, make_session


class PageClient(Protocol):
    """Fetches one page (following redirects); never raises for network trouble."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult: ...

    async def close(self) -> None: ...


class AiohttpPageClient:
    """The real PageClient: one aiohttp session, per-host politeness, SSRF guard."""

    def __init__(self, settings: FetcherSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self.limiter = HostLimiter(settings.per_host_concurrency, settings.min_host_delay_s)

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
        return self._session

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
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
            max_bytes=s.max_body_bytes,
            headers=headers,
            accept_body=is_html,
        )
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
        )

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
