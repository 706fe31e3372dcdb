"""The poller's I/O: feed HTTP (aiohttp, one session per process) behind `FeedClient`, and the
WebSub subscription request behind `HubClient`.

The HTTP plumbing (guarded resolver, per-hop SSRF checks, bounded streaming, per-host
politeness) is `newswire.net`, shared with the fetcher. Redirects are followed here one hop at a
time so that a chain of only permanent redirects (301/308) can update the stored feed URL.
aiohttp asks for gzip, deflate and (with the brotli package installed) br by itself.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import aiohttp

from newswire.contracts.feeds import FeedErrorClass
from newswire.net.addresses import check_url, is_redirect_loop, redirect_target
from newswire.net.http import HostLimiter, guarded_get, make_session, transport_error
from newswire.net.status import feed_status_error
from newswire.poller.logic import FeedResponse
from newswire.poller.parsing import ParsedFeed, SitemapRef
from newswire.poller.settings import PollerSettings
from newswire.poller.sitemap import merge_children, plan_children
from newswire.poller.state import SitemapChild

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
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        max_bytes: int | None = None,
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
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FeedResponse:
        """`max_bytes` overrides the feed cap (`max_feed_bytes`), e.g. for a sitemap."""
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
                max_bytes=max_bytes or s.max_feed_bytes, headers=headers,
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


ParseFn = Callable[[FeedResponse], Awaitable[ParsedFeed]]


async def read_sitemap_children(
    client: FeedClient,
    parse: ParseFn,
    root_url: str,
    root: ParsedFeed | None,
    previous: Mapping[str, SitemapChild],
    *,
    now: float,
    max_age_s: float | None,
    max_children: int,
    max_depth: int,
    max_bytes: int,
) -> tuple[ParsedFeed, dict[str, SitemapChild]]:
    """Read the child sitemaps of an index (`root`; None when the index answered 304: the
    children read last time, `previous`, are read again), breadth first, newest first
    (`plan_children`), each with its own conditional GET over `client` (so SSRF guard, size cap
    and per-host politeness as for any poll): at most `max_children` fetches per call in all,
    nested indexes followed to `max_depth` levels below the root and never back to a sitemap
    already in the tree. Returns the merged document (`merge_children`) and the children's
    validators to keep. Never raises for a bad child: it becomes `sitemap_child_failed`, and
    if no child could be read the first failure is the poll's error."""
    if root is not None:
        refs = list(root.children)
    else:
        refs = [SitemapRef(url) for url in previous]
    base = root or ParsedFeed(version="sitemap-index", children=tuple(refs))
    visited = {root_url}
    queue: deque[tuple[SitemapRef, int]] = deque()
    plan = plan_children(refs, now=now, max_age_s=max_age_s, cap=max_children)
    capped = plan.capped > 0
    queue.extend((ref, 1) for ref in plan.fetch)
    parts: list[ParsedFeed] = []
    failed: list[str] = []
    errors: list[tuple[FeedErrorClass, str]] = []
    kept: dict[str, SitemapChild] = {}
    budget = max_children
    unchanged = 0
    while queue:
        ref, depth = queue.popleft()
        if ref.url in visited:
            continue
        visited.add(ref.url)
        if budget <= 0:
            capped = True
            continue
        budget -= 1
        before = previous.get(ref.url) or SitemapChild()
        resp = await client.get(
            ref.url, etag=before.etag, last_modified=before.last_modified,
            max_bytes=max_bytes,
        )
        lastmod = ref.lastmod.timestamp() if ref.lastmod else None
        if resp.error_class is None and resp.status == 304:
            kept[ref.url] = before.model_copy(update={"lastmod": lastmod})
            unchanged += 1
            continue
        doc: ParsedFeed
        if resp.error_class is not None:
            doc = ParsedFeed(error_class=resp.error_class, error_message=resp.error_message)
        elif resp.status is None or not 200 <= resp.status < 300:
            doc = ParsedFeed(
                error_class=feed_status_error(resp.status) or "other" if resp.status else "other",
                error_message=f"HTTP {resp.status}",
            )
        else:
            doc = await parse(resp)
            if doc.ok and not doc.is_sitemap:
                doc = ParsedFeed(error_class="not_a_feed", error_message="not a sitemap")
        if doc.ok and doc.children:
            if depth >= max_depth:
                doc = ParsedFeed(
                    error_class="too_deep",
                    error_message=f"sitemap index nested deeper than {max_depth} levels",
                )
            else:
                sub = plan_children(doc.children, now=now, max_age_s=max_age_s, cap=max_children)
                capped = capped or sub.capped > 0
                queue.extend((child, depth + 1) for child in sub.fetch)
        if not doc.ok:
            failed.append(f"{ref.url}: {doc.error_class}: {doc.error_message or ''}"[:200])
            errors.append((doc.error_class or "other", f"child sitemap {ref.url}: {doc.error_message or ''}"))
            continue
        headers = {k.lower(): v for k, v in resp.headers.items()}
        kept[ref.url] = SitemapChild(
            etag=headers.get("etag"), last_modified=headers.get("last-modified"), lastmod=lastmod
        )
        parts.append(doc)
    merged = merge_children(base, parts, capped=capped, failed=failed)
    # a tree of nothing but indexes and failures (a nesting bomb, every child broken) read no
    # URL at all: that is the poll's failure, not a success with warnings
    read_any = unchanged > 0 or any(p.version != "sitemap-index" for p in parts)
    if errors and not read_any:
        error_class, message = errors[0]
        return ParsedFeed(error_class=error_class, error_message=message[:500]), {}
    return merged, kept


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
