"""Misbehaviours as small composable handler wrappers.

A :data:`Wrapper` takes a handler and returns a handler. Each factory below looks at an
:class:`OutletBehaviour` and returns a wrapper, or None when that behaviour is off;
:func:`build_chain` stacks the enabled ones (outermost first) around the outlet's routes.
The request's path kind (``feed``, ``article``, ...) is in ``request[KIND]``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from newswire.farm.config import OutletBehaviour
from newswire.farm.model import FEED_PATHS, Outlet
from newswire.farm.render import render_home
from newswire.farm.stats import OutletStats

__all__ = [
    "Handler",
    "KIND",
    "OutletRuntime",
    "Wrapper",
    "build_chain",
    "classify",
    "compose",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Wrapper = Callable[[Handler], Handler]
try:  # typed request storage (aiohttp >= 3.13); a plain string key before that
    KIND: Any = web.RequestKey("farm_kind", str)
except AttributeError:  # pragma: no cover
    KIND = "farm_kind"
CHUNK = 64 * 1024


def classify(path: str) -> str:
    """The kind of a request path, for stats and for which behaviours apply."""
    if path in FEED_PATHS.values() or path.startswith("/sitemaps/"):
        return "feed"  # feeds and sitemaps alike: how an outlet announces its articles
    if path == "/robots.txt":
        return "robots"
    if path.startswith(("/news/", "/story/")):
        return "article"
    if path == "/":
        return "home"
    if path.startswith("/private/"):
        return "private"
    return "other"


class OutletRuntime:
    """Mutable per-outlet state the wrappers share: stats, RNG, counters, the clock."""

    def __init__(self, outlet: Outlet, seed: int, clock: Callable[[], float], started_at: float):
        self.outlet = outlet
        self.stats = OutletStats()
        self.rng = random.Random(f"newswire-farm:{seed}:{outlet.index}:behaviour")
        self.clock = clock
        self.started_at = started_at
        self.throttled_so_far = 0

    def elapsed(self) -> float:
        """Seconds since the farm started."""
        return self.clock() - self.started_at


def compose(wrappers: Sequence[Wrapper], handler: Handler) -> Handler:
    """Apply ``wrappers`` so that the first one is outermost."""
    for w in reversed(wrappers):
        handler = w(handler)
    return handler


def _body(resp: web.StreamResponse) -> bytes | None:
    """The body of a plain 200 response, or None when it is not one we can rewrite."""
    if not isinstance(resp, web.Response) or resp.status != 200:
        return None
    body = resp.body
    return body if isinstance(body, bytes) else None


# -- wrappers ------------------------------------------------------------------------------


def in_fault_window(b: OutletBehaviour, rt: OutletRuntime) -> bool:
    """Whether latency and errors apply now (always, without a ``fault_window``)."""
    if b.fault_window is None:
        return True
    lo, hi = b.fault_window
    return lo <= rt.elapsed() < hi


def count_stats(rt: OutletRuntime) -> Wrapper:
    """Count requests by kind, concurrency and response statuses (always outermost)."""

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            rt.stats.begin(str(request.get(KIND, "other")))
            status: int | None = None
            try:
                resp = await inner(request)
                status = resp.status
                return resp
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                rt.stats.end(status)

        return handler

    return wrap


def latency(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """Sleep ``latency_ms`` (+ up to ``latency_jitter_ms``) before answering."""
    if b.latency_ms <= 0 and b.latency_jitter_ms <= 0:
        return None

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if in_fault_window(b, rt):
                await asyncio.sleep((b.latency_ms + b.latency_jitter_ms * rt.rng.random()) / 1000)
            return await inner(request)

        return handler

    return wrap


def throttle(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """429 + Retry-After for the first N requests and/or inside a time window."""
    if b.throttle_requests <= 0 and b.throttle_window is None:
        return None

    def retry_after() -> str:
        if b.retry_after_http_date:
            when = datetime.fromtimestamp(int(rt.clock()) + b.retry_after_s, UTC)
            return format_datetime(when, usegmt=True)
        return str(b.retry_after_s)

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if request.get(KIND) in b.fault_kinds:
                limited = False
                if rt.throttled_so_far < b.throttle_requests:
                    rt.throttled_so_far += 1
                    limited = True
                elif b.throttle_window is not None:
                    lo, hi = b.throttle_window
                    limited = lo <= rt.elapsed() < hi
                if limited:
                    return web.Response(
                        status=429,
                        text="Too Many Requests\n",
                        headers={"Retry-After": retry_after()},
                    )
            return await inner(request)

        return handler

    return wrap


def server_errors(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """Answer a share of requests with a 5xx."""
    if b.error_rate <= 0:
        return None

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if (
                request.get(KIND) in b.fault_kinds
                and in_fault_window(b, rt)
                and rt.rng.random() < b.error_rate
            ):
                return web.Response(status=b.error_status, text="Service temporarily unavailable\n")
            return await inner(request)

        return handler

    return wrap


def redirect_loop(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """Article URLs bounce between ``path`` and ``path?loop=1`` forever."""
    if not b.redirect_loop:
        return None

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if request.get(KIND) == "article":
                target = request.path if "loop" in request.query else f"{request.path}?loop=1"
                return web.Response(status=301, headers={"Location": rt.outlet.url(target)})
            return await inner(request)

        return handler

    return wrap


def redirect_articles(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """``/news/...`` answers 301 to the canonical ``/story/...`` (query string kept)."""
    if not b.redirect_articles:
        return None

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if request.get(KIND) == "article" and request.path.startswith("/news/"):
                target = "/story/" + request.path.removeprefix("/news/")
                if request.query_string:
                    target += "?" + request.query_string
                return web.Response(status=301, headers={"Location": rt.outlet.url(target)})
            return await inner(request)

        return handler

    return wrap


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def conditional_feed(b: OutletBehaviour) -> Wrapper:
    """Feeds carry ETag + Last-Modified and answer 304; or, when off, carry neither."""

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = await inner(request)
            body = _body(resp)
            if request.get(KIND) != "feed" or body is None:
                return resp
            if not b.conditional:
                resp.headers.pop("Last-Modified", None)
                resp.headers.pop("ETag", None)
                return resp
            etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"'
            resp.headers["ETag"] = etag
            validators = {"ETag": etag}
            if "Last-Modified" in resp.headers:
                validators["Last-Modified"] = resp.headers["Last-Modified"]
            inm = request.headers.get("If-None-Match")
            ims = request.headers.get("If-Modified-Since")
            if inm is not None:
                if _etag_matches(inm, etag):
                    return web.Response(status=304, headers=validators)
            elif ims is not None and resp.last_modified is not None:
                try:
                    since = parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    since = None
                if since is not None and since.tzinfo is not None and resp.last_modified <= since:
                    return web.Response(status=304, headers=validators)
            return resp

        return handler

    return wrap


def huge_pages(b: OutletBehaviour) -> Wrapper | None:
    """Pad article pages to ``huge_page_bytes`` and stream them in 64 KiB chunks."""
    if b.huge_page_bytes <= 0:
        return None
    open_tag = b'<script id="__APP_STATE__" type="application/json">{"cache":"'
    close_tag = b'"}</script>\n'

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = await inner(request)
            body = _body(resp)
            if request.get(KIND) != "article" or body is None:
                return resp
            cut = body.rfind(b"</body>")
            cut = len(body) if cut < 0 else cut
            pad = max(0, b.huge_page_bytes - len(body) - len(open_tag) - len(close_tag))
            content_type = resp.headers["Content-Type"]
            stream = web.StreamResponse(status=200, headers={"Content-Type": content_type})
            if b.huge_page_declare_length:
                stream.content_length = len(body) + len(open_tag) + pad + len(close_tag)
            else:
                stream.enable_chunked_encoding()
            unit = (b"0123456789abcdefghijklmnopqrstuvwxyz" * (CHUNK // 36 + 1))[:CHUNK]
            try:
                await stream.prepare(request)
                if request.method == "HEAD":
                    await stream.write_eof()
                    return stream
                await stream.write(body[:cut] + open_tag)
                while pad > 0:
                    n = min(pad, CHUNK)
                    await stream.write(unit[:n])
                    pad -= n
                await stream.write(close_tag + body[cut:])
                await stream.write_eof()
            except (ConnectionResetError, ConnectionError):
                pass
            return stream

        return handler

    return wrap


def wrong_charset(b: OutletBehaviour) -> Wrapper | None:
    """Article pages as windows-1252 bytes declared UTF-8, or declared latin-1 in a meta only."""
    if b.charset_fault is None:
        return None
    fault = b.charset_fault

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = await inner(request)
            body = _body(resp)
            if request.get(KIND) != "article" or body is None:
                return resp
            text = body.decode("utf-8")
            if fault == "header_utf8_body_cp1252":
                content_type = "text/html; charset=utf-8"
            else:  # meta_latin1_only: no charset in the header; browsers read latin-1 as cp1252
                text = text.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">', 1)
                content_type = "text/html"
            out = web.Response(status=200, body=text.encode("cp1252", "xmlcharrefreplace"))
            out.headers["Content-Type"] = content_type
            for h in ("Last-Modified",):
                if h in resp.headers:
                    out.headers[h] = resp.headers[h]
            return out

        return handler

    return wrap


def malformed_feed(b: OutletBehaviour, rt: OutletRuntime) -> Wrapper | None:
    """Feeds that are truncated, HTML, or full of undefined entities and bare ampersands."""
    if b.feed_fault is None:
        return None
    fault = b.feed_fault

    def corrupt(body: bytes) -> tuple[bytes, str | None]:
        if fault == "truncated":
            return body[: int(len(body) * 0.6)], None
        if fault == "html":
            year = datetime.fromtimestamp(rt.clock(), UTC).year
            return render_home(rt.outlet, [], year=year).encode(), "text/html; charset=utf-8"
        text = body.decode("utf-8")
        # bad_entities: HTML entities XML does not define, and a bare ampersand, in every title.
        text = text.replace("</title>", " &nbsp;&mdash; News & Views</title>")
        return text.encode("utf-8"), None

    def wrap(inner: Handler) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = await inner(request)
            body = _body(resp)
            if request.get(KIND) != "feed" or body is None:
                return resp
            new, content_type = corrupt(body)
            out = web.Response(status=200, body=new)
            out.headers["Content-Type"] = content_type or resp.headers["Content-Type"]
            if "Last-Modified" in resp.headers:
                out.headers["Last-Modified"] = resp.headers["Last-Modified"]
            return out

        return handler

    return wrap


def build_chain(rt: OutletRuntime, routes: Handler) -> Handler:
    """The outlet's full handler: enabled behaviours (outermost first) around its routes."""
    b = rt.outlet.behaviour
    candidates: list[Wrapper | None] = [
        count_stats(rt),
        latency(b, rt),
        throttle(b, rt),
        server_errors(b, rt),
        redirect_loop(b, rt),
        redirect_articles(b, rt),
        conditional_feed(b),
        huge_pages(b),
        wrong_charset(b),
        malformed_feed(b, rt),
    ]
    return compose([w for w in candidates if w is not None], routes)
