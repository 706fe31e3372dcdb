"""The guarded HTTP client: one aiohttp session per process whose resolver refuses non-public
addresses (no DNS-rebinding window between check and connect), per-host politeness, and a GET
that follows redirects by hand so every hop is checked and the chain recorded."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from newswire.net.addresses import (
    REDIRECT_STATUSES,
    IPNetwork,
    address_allowed,
    check_url,
    is_redirect_loop,
    redirect_target,
)
from newswire.net.errors import TransportError

ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
CHUNK = 64 * 1024


class RefusedAddress(OSError):
    """A host name resolved only to addresses the SSRF guard refuses."""


class DecompressionBomb(ValueError):
    """A compressed body inflates far beyond what came over the wire."""


class GuardedResolver(AbstractResolver):
    """Resolves with aiohttp's default resolver, then drops every non-public address (unless
    allow-listed); a host left with none is refused."""

    def __init__(self, allowlist: Iterable[IPNetwork], inner: AbstractResolver | None = None):
        self._allowlist = tuple(allowlist)
        self._inner = inner or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if address_allowed(r["host"], self._allowlist)]
        if not allowed:
            addresses = ", ".join(sorted({r["host"] for r in results}))
            raise RefusedAddress(f"{host} resolves to non-public address(es) {addresses}")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def transport_error(exc: BaseException) -> tuple[TransportError, str]:
    """Map an aiohttp/OS exception to a failure class and a short detail."""
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, RefusedAddress):
        return "refused_address", str(exc.os_error)
    if isinstance(exc, RefusedAddress):
        return "refused_address", str(exc)
    if isinstance(exc, DecompressionBomb):
        return "too_large", f"decompression bomb: {exc}"
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch)):
        return "tls", detail
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "dns", detail
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timeout", detail
    if isinstance(exc, aiohttp.InvalidURL):
        return "bad_url", detail
    if isinstance(exc, aiohttp.ClientPayloadError):
        # A lying Content-Length, a connection cut mid-body, broken chunking or compression.
        return "connect", f"incomplete or malformed body: {detail}"[:500]
    return "connect", detail


@dataclass
class _HostSlot:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    users: int = 0
    delay_s: float | None = None


class HostLimiter:
    """Per-host politeness: at most `per_host` requests at once to a host, their starts at least
    `min_delay_s` apart (or a host's own delay, e.g. its robots.txt Crawl-delay, see
    `set_delay`); optionally a global limit on top."""

    def __init__(self, per_host: int, min_delay_s: float = 0.0, global_limit: int | None = None):
        self._per_host = per_host
        self._min_delay_s = min_delay_s
        self._global = asyncio.Semaphore(global_limit) if global_limit else None
        self._hosts: dict[str, _HostSlot] = {}

    @property
    def per_host(self) -> int:
        """Requests at once to one host."""
        return self._per_host

    def in_use(self, host: str) -> int:
        """Requests to `host` holding or waiting for a slot (for tests and metrics)."""
        slot = self._hosts.get(host)
        return slot.users if slot else 0

    def _entry(self, host: str) -> _HostSlot:
        entry = self._hosts.get(host)
        if entry is None:
            entry = self._hosts[host] = _HostSlot(asyncio.Semaphore(self._per_host))
        return entry

    def set_delay(self, host: str, delay_s: float | None) -> None:
        """Give `host` its own minimum delay between request starts (never below the limiter's
        `min_delay_s`); None goes back to the default."""
        entry = self._entry(host)
        entry.delay_s = None if delay_s is None else max(self._min_delay_s, delay_s)

    def delay_of(self, host: str) -> float:
        """The minimum delay between two request starts to `host`."""
        entry = self._hosts.get(host)
        return entry.delay_s if entry is not None and entry.delay_s is not None else self._min_delay_s

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        entry = self._entry(host)
        entry.users += 1
        try:
            async with entry.semaphore:
                delay = entry.delay_s if entry.delay_s is not None else self._min_delay_s
                if delay > 0:
                    async with entry.lock:
                        loop = asyncio.get_running_loop()
                        wait = entry.next_start - loop.time()
                        if wait > 0:
                            await asyncio.sleep(wait)
                        entry.next_start = loop.time() + delay
                if self._global is not None:
                    async with self._global:
                        yield
                else:
                    yield
        finally:
            entry.users -= 1
            self._prune()

    def _prune(self) -> None:
        if len(self._hosts) < 4096:
            return
        now = asyncio.get_running_loop().time()
        for host in [h for h, e in self._hosts.items() if e.users == 0 and e.next_start < now]:
            del self._hosts[host]


def make_session(
    *,
    user_agent: str,
    allowlist: Iterable[IPNetwork],
    total_s: float,
    connect_s: float | None = None,
    read_s: float | None = None,
    limit: int = 100,
    accept: str = ACCEPT_HTML,
) -> aiohttp.ClientSession:
    """The one aiohttp session of a process: guarded resolver, timeouts, identifying UA."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(allowlist), limit=limit, limit_per_host=0, ttl_dns_cache=60
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=total_s, connect=connect_s, sock_read=read_s),
        headers={"User-Agent": user_agent, "Accept": accept},
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
    )


#: Below this many decompressed bytes the compression ratio is not checked (small, very
#: repetitive pages compress well and are harmless).
RATIO_FLOOR_BYTES = 1024 * 1024


async def read_limited(
    resp: aiohttp.ClientResponse, max_bytes: int, max_ratio: float | None = None
) -> tuple[bytes, bool]:
    """The (decompressed) body, streamed; (partial body, True) once it exceeds `max_bytes`, or,
    when `max_ratio` is set, once beyond `RATIO_FLOOR_BYTES` it is more than `max_ratio` times
    the bytes that came over the wire (a gzip/brotli bomb).

    aiohttp decompresses transparently and in bounded steps, so counting what it hands out is
    counting decompressed bytes; `total_raw_bytes` is what it read from the socket."""
    if resp.content_length is not None and resp.content_length > max_bytes:
        return b"", True
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            return b"".join(parts), True
        if max_ratio is not None and size > RATIO_FLOOR_BYTES:
            raw = max(1, int(getattr(resp.content, "total_raw_bytes", size)))  # aiohttp >= 3.12
            if size > max_ratio * raw:
                raise DecompressionBomb(f"decompressed {size} bytes from {raw} (ratio > {max_ratio:g})")
        parts.append(chunk)
    return b"".join(parts), False


@dataclass(frozen=True)
class HttpResponse:
    """One followed request: the final status, headers and (bounded) body, or an error."""

    url: str
    final_url: str
    chain: tuple[str, ...]
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: TransportError | None = None
    detail: str | None = None
    elapsed_ms: int = 0
    byte_size: int = 0


async def guarded_get(
    session: aiohttp.ClientSession,
    limiter: HostLimiter,
    url: str,
    *,
    allowlist: Iterable[IPNetwork],
    max_redirects: int,
    max_bytes: int,
    headers: Mapping[str, str] | None = None,
    accept_body: Any = None,
    max_ratio: float | None = None,
) -> HttpResponse:
    """GET `url`, following redirects by hand (every hop checked, loops detected, the chain
    recorded), politely per host, reading at most `max_bytes` of a 2xx body.

    `accept_body(content_type) -> bool` may refuse a 2xx body before it is read (failure
    'not_html'); None reads every 2xx body. `max_ratio` caps the compression ratio of the body
    (failure 'too_large'; see `read_limited`).
    """
    allow = tuple(allowlist)
    started = time.monotonic()
    chain: list[str] = []
    current = url

    def done(**kw: Any) -> HttpResponse:
        elapsed = int((time.monotonic() - started) * 1000)
        return HttpResponse(url=url, final_url=current, chain=tuple(chain), elapsed_ms=elapsed, **kw)

    while True:
        problem = check_url(current, allow)
        if problem is not None:
            return done(error=problem.failure, detail=problem.detail)
        host = (urlsplit(current).hostname or "").lower()
        try:
            async with limiter.slot(host):
                async with session.get(
                    current, allow_redirects=False, headers=dict(headers or {})
                ) as resp:
                    status = resp.status
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    location = resp.headers.get("Location")
                    if status in REDIRECT_STATUSES and location:
                        target = redirect_target(current, location)
                        chain.append(current)
                        if is_redirect_loop(chain, target):
                            return done(
                                status=status, headers=resp_headers, error="redirect_loop",
                                detail=f"{current} redirects back to {target}",
                            )
                        if len(chain) > max_redirects:
                            return done(
                                status=status, headers=resp_headers, error="too_many_redirects",
                                detail=f"more than {max_redirects} redirects",
                            )
                        current = target
                        continue
                    if not 200 <= status < 300:
                        return done(status=status, headers=resp_headers)
                    if accept_body is not None and not accept_body(resp_headers.get("content-type")):
                        return done(
                            status=status, headers=resp_headers, error="not_html",
                            detail=f"content type {resp_headers.get('content-type')!r}",
                        )
                    body, too_large = await read_limited(resp, max_bytes, max_ratio)
                    if too_large:
                        return done(
                            status=status, headers=resp_headers, error="too_large",
                            detail=f"body larger than {max_bytes} bytes", byte_size=len(body),
                        )
                    return done(status=status, headers=resp_headers, body=body, byte_size=len(body))
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
            error, detail = transport_error(exc)
            return done(error=error, detail=detail)
