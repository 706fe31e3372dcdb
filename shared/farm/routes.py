"""One outlet's own routes (the well-behaved site under the behaviour wrappers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from newswire.farm.behaviours import Handler
from newswire.farm.catalogue import Catalogue
from newswire.farm.model import Outlet
from newswire.farm.render import (
    http_date,
    render_article,
    render_feed,
    render_home,
    render_not_found,
    render_private,
    render_robots,
)

__all__ = ["outlet_routes"]

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")


def outlet_routes(
    outlet: Outlet, catalogue: Catalogue, clock: Callable[[], float], feed_items: int
) -> Handler:
    """The request handler of one outlet: feed, robots.txt, article pages, front page."""

    def year() -> int:
        return datetime.fromtimestamp(clock(), UTC).year

    async def handler(request: web.Request) -> web.StreamResponse:
        path = request.path
        if request.method not in ("GET", "HEAD"):
            return web.Response(
                status=405, text="Method Not Allowed\n", headers={"Allow": "GET, HEAD"}
            )
        if path == outlet.feed_path:
            items = catalogue.latest(outlet.index, feed_items)
            updated = max((a.modified_at for a in items), default=catalogue.started_at)
            body = render_feed(outlet, items, updated=updated).encode("utf-8")
            resp = web.Response(
                body=body, content_type=FEED_TYPES[outlet.feed_format], charset="utf-8"
            )
            resp.headers["Last-Modified"] = http_date(updated)
            return resp
        if path == "/robots.txt":
            return web.Response(text=render_robots(outlet.crawl_delay), content_type="text/plain")
        if path.startswith(("/news/", "/story/")):
            article = catalogue.get(outlet.index, path)
            if article is None:
                return _html(render_not_found(outlet), status=404)
            others = [a for a in catalogue.latest(outlet.index, 9) if a is not article]
            related = [(a.title, a.path) for a in others[:3]]
            most_read = [(a.title, a.path) for a in others[3:8]]
            resp = _html(render_article(outlet, article, related=related, most_read=most_read))
            resp.headers["Last-Modified"] = http_date(article.modified_at)
            return resp
        if path == "/":
            return _html(render_home(outlet, catalogue.latest(outlet.index, 20), year=year()))
        if path.startswith("/private/"):
            return _html(render_private(outlet))
        return _html(render_not_found(outlet), status=404)

    return handler
