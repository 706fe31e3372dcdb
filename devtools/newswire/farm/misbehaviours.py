"""Page and robots.txt misbehaviours: the bad input a page fetcher must survive.

:func:`misbehave` wraps an outlet's routes (inside the stats counter, so every request is still
counted) according to ``OutletBehaviour.page_fault`` and ``robots_fault``. Slow and endless
responses stop as soon as the client goes away, so a test run leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import re

import brotli
from aiohttp import web

from newswire.farm.behaviours import KIND, Handler, OutletRuntime
from newswire.farm.config import OutletBehaviour

__all__ = ["BOMB_BYTES", "misbehave", "wall_page"]

#: What a decompression bomb inflates to.
BOMB_BYTES = 64 * 1024 * 1024
DRIP_INTERVAL_S = 0.5
HANG_S = 3600.0


@functools.cache
def bomb(encoding: str) -> bytes:
    """BOMB_BYTES of zeros, compressed (computed once: ~64 KiB gzip, a few hundred bytes br)."""
    raw = bytes(BOMB_BYTES)
    return gzip.compress(raw, 9) if encoding == "gzip" else brotli.compress(raw, quality=5)


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _hang(request: web.Request, seconds: float = HANG_S) -> None:
    """Sleep until the client disconnects (or `seconds` pass)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not _gone(request) and loop.time() < end:
        await asyncio.sleep(DRIP_INTERVAL_S)


_WALLS: dict[str, tuple[str, str]] = {
    "bot_challenge": (
        "Just a moment...",
        '<div id="challenge-running"><h1>Checking your browser before accessing the site.</h1>'
        "<p>This process is automatic. Your browser will redirect to your requested content "
        "shortly.</p><p>Please allow up to 5 seconds&hellip;</p></div>"
        '<form id="challenge-form" action="/?__challenge=1" method="POST">'
        '<input type="hidden" name="token" value="0f3a9"></form>'
        "<noscript>Please enable JavaScript and cookies to continue.</noscript>",
    ),
    "js_shell": (
        "Loading",
        '<div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>'
        '<script src="/static/js/main.3f9a2.js"></script>',
    ),
    "consent_wall": (
        "Before you continue",
        '<div class="consent-wall"><h1>Before you continue</h1><p>We and our partners use '
        "cookies and similar technologies to store and access information on your device. "
        "Accept to continue to the site, or manage your privacy choices.</p>"
        "<button>Accept all</button><button>Reject all</button><button>Manage options</button>"
        "</div>",
    ),
}


def wall_page(kind: str) -> str:
    """The HTML of a bot wall, JavaScript shell or consent wall served with 200."""
    title, body = _WALLS[kind]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>{body}</body></html>\n"
    )


_PARAGRAPHS = re.compile(rb"<p>.*?</p>", re.DOTALL)
_ARTICLE_JSONLD = b'"@type": "NewsArticle"'
_ARTICLE_BODY = re.compile(rb',\s*"articleBody":\s*"(?:[^"\\]|\\.)*"')


def paywalled(body: bytes) -> bytes:
    """An article page cut to its first paragraph behind a subscription prompt, declared not
    free in its JSON-LD (which loses its articleBody)."""
    body = _ARTICLE_BODY.sub(b"", body, count=1)
    article = max(0, body.find(b"<article"))
    paragraphs = list(_PARAGRAPHS.finditer(body, article))
    if len(paragraphs) > 1:
        start, end = paragraphs[1].start(), paragraphs[-1].end()
        prompt = (
            b'<div class="paywall"><h2>Subscribe to continue reading</h2><p>This article is '
            b"for subscribers only. Already a subscriber? Log in.</p>"
            b'<a href="/subscribe">Subscribe now</a></div>'
        )
        body = body[:start] + prompt + body[end:]
    return body.replace(_ARTICLE_JSONLD, _ARTICLE_JSONLD + b', "isAccessibleForFree": false', 1)


def amp(body: bytes) -> bytes:
    """The page as an AMP document (its canonical link already points at the real page)."""
    return body.replace(b"<html ", b"<html amp ", 1)


def _copy(resp: web.Response, body: bytes, content_type: str | None = None) -> web.Response:
    out = web.Response(status=resp.status, body=body)
    out.headers["Content-Type"] = content_type or resp.headers.get("Content-Type") or "text/html"
    return out


async def _page_fault(
    fault: str, request: web.Request, inner: Handler
) -> web.StreamResponse:
    if fault == "no_answer":
        await _hang(request)
        return web.Response(status=504)
    if fault == "slowloris":
        # Headers at once, then one byte every DRIP_INTERVAL_S: never idle long enough for a
        # read timeout, only a total budget stops it.
        stream = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        stream.enable_chunked_encoding()
        await stream.prepare(request)
        try:
            await stream.write(b"<!DOCTYPE html><html><body>")
            while not _gone(request):
                await stream.write(b" ")
                await asyncio.sleep(DRIP_INTERVAL_S)
        except (ConnectionError, RuntimeError):
            pass
        return stream
    if fault == "endless_chunked":
        stream = web.StreamResponse(headers={"Content-Type": "text/html; charset=utf-8"})
        stream.enable_chunked_encoding()
        await stream.prepare(request)
        unit = b"<p>" + b"all work and no play " * 3000 + b"</p>\n"
        try:
            await stream.write(b"<!DOCTYPE html><html><body>")
            while not _gone(request):
                await stream.write(unit)
        except (ConnectionError, RuntimeError):
            pass
        return stream
    if fault in ("gzip_bomb", "brotli_bomb"):
        encoding = "gzip" if fault == "gzip_bomb" else "br"
        payload = bomb(encoding)
        return web.Response(
            body=payload,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding},
        )
    resp = await inner(request)
    if not isinstance(resp, web.Response) or resp.status != 200 or not isinstance(resp.body, bytes):
        return resp
    body = resp.body
    if fault in ("lying_length", "lying_length_stall"):
        # Declare twice the size, send the real body, then cut the connection (or stall).
        stream = web.StreamResponse(headers={"Content-Type": resp.headers["Content-Type"]})
        stream.content_length = 2 * len(body)
        await stream.prepare(request)
        try:
            await stream.write(body)
            if fault == "lying_length_stall":
                await _hang(request)
            elif request.transport is not None:
                request.transport.close()
        except (ConnectionError, RuntimeError):
            pass
        return stream
    if fault == "binary_as_html":
        noise = bytes((i * 131 + 7) % 256 for i in range(4096)) * 8
        return _copy(resp, b"\x00\x01PK\x03\x04" + noise)
    if fault == "octet_stream":
        return _copy(resp, bytes(range(256)) * 64, "application/octet-stream")
    if fault == "pdf":
        pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
        return _copy(resp, pdf, "application/pdf")
    if fault in _WALLS:
        return _copy(resp, wall_page(fault).encode("utf-8"), "text/html; charset=utf-8")
    if fault == "paywall":
        return _copy(resp, paywalled(body))
    if fault == "amp":
        return _copy(resp, amp(body))
    return resp


async def _robots_fault(
    fault: str, request: web.Request, inner: Handler
) -> web.StreamResponse:
    if fault == "disallow_all":
        return web.Response(text="User-agent: *\nDisallow: /\n", content_type="text/plain")
    if fault == "server_error":
        return web.Response(status=503, text="Service Unavailable\n")
    if fault == "not_found":
        return web.Response(status=404, text="Not Found\n")
    if fault == "no_answer":
        await _hang(request)
        return web.Response(status=504)
    return await inner(request)


def misbehave(b: OutletBehaviour, rt: OutletRuntime, routes: Handler) -> Handler:
    """`routes` with the outlet's page and robots.txt misbehaviours (unchanged when none)."""
    del rt  # kept for symmetry with the other wrappers; no per-outlet state needed yet
    page_fault, robots_fault = b.page_fault, b.robots_fault
    if page_fault is None and robots_fault is None:
        return routes

    async def handler(request: web.Request) -> web.StreamResponse:
        kind = request.get(KIND)
        if page_fault is not None and kind == "article":
            return await _page_fault(page_fault, request, routes)
        if robots_fault is not None and kind == "robots":
            return await _robots_fault(robots_fault, request, routes)
        return await routes(request)

    return handler
