"""Web wiring: the Starlette app (routes, security headers, metrics) and `newswire web`.

`build_app(reader, settings)` assembles the service around any `Reader` (the tests pass an
in-memory one); `main()` builds the Elasticsearch reader from the settings and serves the app
with uvicorn in the foreground until SIGINT or SIGTERM (uvicorn's own graceful shutdown).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newswire.runtime.logging import get_logger
from newswire.web.adapters import Reader
from newswire.web.logic import Limits
from newswire.web.settings import WebSettings
from newswire.web.views import Format, Site

log = get_logger("newswire.web")

#: Sent with every answer: nothing but our own stylesheet and images may load, no script at
#: all, no framing, forms only to ourselves.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Metrics:
    """ASGI middleware: requests counted by route template (not the raw path, whose values are
    unbounded), method and status; latency by route."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "newswire_web_requests", "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"], registry=registry,
        )
        self.latency = Histogram(
            "newswire_web_request_seconds", "Time to answer a request, by route.", ["route"],
            registry=registry, buckets=LATENCY_BUCKETS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = str(scope.get("method", "")).upper()
            self.requests.labels(route, method if method in METHODS else "other", str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)


def limits_of(settings: WebSettings) -> Limits:
    """The request bounds the settings give."""
    return Limits(
        per_page=min(settings.web_per_page, settings.web_max_per_page),
        max_per_page=settings.web_max_per_page,
        max_results=settings.web_max_results,
        feed_entries=settings.web_feed_entries,
        max_revisions=settings.web_max_revisions,
        story_articles=settings.web_story_articles,
    )


def build_app(
    reader: Reader,
    settings: WebSettings,
    *,
    on_close: Callable[[], Awaitable[Any]] | None = None,
    registry: CollectorRegistry | None = None,
) -> Starlette:
    """The web service around `reader`: pages, feeds, API, /healthz, /metrics and the
    stylesheet. `on_close` runs at shutdown (closing the Elasticsearch client)."""
    site = Site(reader, limits_of(settings), public_url=settings.web_public_url)
    registry = registry or CollectorRegistry()

    def route(path: str, handler: Callable[[Request], Awaitable[Response]], fmt: Format) -> Route:
        return Route(path, site.guarded(fmt, handler), methods=["GET"])

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/", site.home, methods=["GET"]),
        Route("/healthz", site.healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/static/newswire.css", site.css_file, methods=["GET"]),
        route("/articles/{article_id}", site.article_html, "html"),
        route("/revisions", site.revisions_html, "html"),
        route("/stories/{story_id}", site.story_html, "html"),
        route("/outlets/{key:path}", site.outlet_html, "html"),
        route("/search", site.search_html, "html"),
        route("/api/articles/{article_id}", site.article_api, "json"),
        route("/api/revisions", site.revisions_api, "json"),
        route("/api/stories/{story_id}", site.story_api, "json"),
        route("/api/outlets/{key:path}", site.outlet_api, "json"),
        route("/api/search", site.search_api, "json"),
        route("/feeds/revisions.{fmt:feedformat}", site.revisions_feed, "feed"),
        route("/feeds/articles/{article_id}.{fmt:feedformat}", site.article_feed, "feed"),
        route("/feeds/stories/{story_id}.{fmt:feedformat}", site.story_feed, "feed"),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        """Unknown paths (404) and wrong methods (405), in the format of the path asked for."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        path = request.url.path
        fmt: Format = "json" if path.startswith("/api/") else "feed" if path.startswith("/feeds/") else "html"
        message = {404: "no such page", 405: "only GET is served here"}.get(status, "request refused")
        response = site.error(fmt, status, message)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        return response

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if on_close is not None:
            await on_close()

    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(Metrics, registry=registry)],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )


def _register_feed_format() -> None:
    """`{fmt:feedformat}` in a route path: `atom` or `rss`, nothing else."""
    from starlette.convertors import Convertor, register_url_convertor

    class FeedFormat(Convertor[str]):
        regex = "atom|rss"

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return value

    register_url_convertor("feedformat", FeedFormat())


_register_feed_format()


def main(host: str | None = None, port: int | None = None) -> None:
    """`newswire web`: serve until SIGINT/SIGTERM. A taken port exits at once (status 78),
    as a stage's does."""
    import uvicorn

    from newswire.es.client import make_client
    from newswire.runtime.instance import exit_if_port_taken
    from newswire.runtime.logging import configure_logging
    from newswire.web.adapters import ElasticsearchReader

    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["web_host"] = host
    if port is not None:
        overrides["web_port"] = port
    settings = WebSettings(**overrides)
    listen_port = settings.port()
    exit_if_port_taken("web", settings.web_host, listen_port)
    configure_logging(settings.log_level, settings.log_format)
    client = make_client(settings.elasticsearch)
    reader = ElasticsearchReader(client, settings.elasticsearch.index_prefix, settings.web_es_timeout_s)
    app = build_app(reader, settings, on_close=client.close)
    shown = "127.0.0.1" if settings.web_host in ("0.0.0.0", "") else settings.web_host
    log.info("web_listening", url=f"http://{shown}:{listen_port}/", index_prefix=settings.elasticsearch.index_prefix)
    config = uvicorn.Config(
        app, host=settings.web_host, port=listen_port, log_config=None, access_log=False,
        server_header=False, lifespan="on", timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
