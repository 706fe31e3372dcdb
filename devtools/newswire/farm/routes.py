"""One outlet's own routes (the well-behaved site under the behaviour wrappers)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from newswire.farm.behaviours import Handler
from newswire.farm.catalogue import Catalogue
from newswire.farm.model import NEWS_INDEX_PATH, NEWS_SITEMAP_PATH, Outlet
from newswire.farm.render import (
    http_date,
    render_news_sitemap,
    render_sitemap,
    render_sitemap_index,
    render_article,
    render_feed,
    render_home,
    render_not_found,
    render_private,
    render_robots,
)

__all__ = ["FEED_TYPES", "feed_body", "outlet_routes"]

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
#: What a Google News sitemap lists: the articles of the last two days (Google's rule).
NEWS_WINDOW_S = 2 * 86400.0
#: Most URLs a farm sitemap lists (the protocol allows 50,000; a farm outlet has far fewer).
SITEMAP_MAX = 50_000


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")


def _xml(text: str, modified: float) -> web.Response:
    resp = web.Response(body=text.encode("utf-8"), content_type="application/xml", charset="utf-8")
    resp.headers["Last-Modified"] = http_date(modified)
    return resp


def sitemap_response(
    outlet: Outlet, catalogue: Catalogue, path: str, now: float
) -> web.Response | None:
    """The outlet's sitemaps, if it publishes them and `path` is one: the gzipped plain sitemap,
    or the news sitemap and the two indexes above it (the root lists the nested index, which
    lists the news sitemap, each child with its `lastmod`)."""
    if outlet.feed_format == "sitemap" and path == outlet.feed_path:
        items = catalogue.latest(outlet.index, SITEMAP_MAX)
        modified = max((a.modified_at for a in items), default=catalogue.started_at)
        # mtime 0: the same sitemap is the same bytes (a stable ETag)
        body = gzip.compress(render_sitemap(outlet, items).encode("utf-8"), mtime=0)
        resp = web.Response(body=body, content_type="application/x-gzip")
        resp.headers["Last-Modified"] = http_date(modified)
        return resp
    if outlet.feed_format != "news-sitemap":
        return None
    news = [
        a for a in catalogue.latest(outlet.index, SITEMAP_MAX) if a.published_at >= now - NEWS_WINDOW_S
    ]
    modified = max((a.modified_at for a in news), default=catalogue.started_at)
    if path == outlet.feed_path:
        return _xml(render_sitemap_index([(outlet.url(NEWS_INDEX_PATH), modified)]), modified)
    if path == NEWS_INDEX_PATH:
        return _xml(render_sitemap_index([(outlet.url(NEWS_SITEMAP_PATH), modified)]), modified)
    if path == NEWS_SITEMAP_PATH:
        return _xml(render_news_sitemap(outlet, news), modified)
    return None


def feed_body(outlet: Outlet, catalogue: Catalogue, feed_items: int, hub: str | None = None) -> tuple[bytes, float]:
    """The outlet's RSS or Atom feed as served now, and when it last changed."""
    items = catalogue.latest(outlet.index, feed_items)
    updated = max((a.modified_at for a in items), default=catalogue.started_at)
    return render_feed(outlet, items, updated=updated, hub=hub).encode("utf-8"), updated


def outlet_routes(
    outlet: Outlet,
    catalogue: Catalogue,
    clock: Callable[[], float],
    feed_items: int,
    hub: str | None = None,
) -> Handler:
    """The request handler of one outlet: feed (advertising `hub` if given), robots.txt, article
    pages, front page."""

    def year() -> int:
        return datetime.fromtimestamp(clock(), UTC).year

    async def handler(request: web.Request) -> web.StreamResponse:
        path = request.path
        if request.method not in ("GET", "HEAD"):
            return web.Response(
                status=405, text="Method Not Allowed\n", headers={"Allow": "GET, HEAD"}
            )
        sitemap = sitemap_response(outlet, catalogue, path, clock()) if outlet.sitemap_only else None
        if sitemap is not None:
            return sitemap
        if path == outlet.feed_path and not outlet.sitemap_only:
            body, updated = feed_body(outlet, catalogue, feed_items, hub)
            resp = web.Response(
                body=body, content_type=FEED_TYPES[outlet.feed_format], charset="utf-8"
            )
            resp.headers["Last-Modified"] = http_date(updated)
            return resp
        if path == "/robots.txt":
            sitemaps = [outlet.feed_url] if outlet.sitemap_only else []
            return web.Response(
                text=render_robots(outlet.crawl_delay, sitemaps), content_type="text/plain"
            )
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
