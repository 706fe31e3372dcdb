"""The HTTP face of the web service: one handler per page, feed and API route, each reading
through the `Reader` Protocol and shaping with the pure logic. No Elasticsearch client here:
the tests run every handler against an in-memory reader.

Every handler answers in one format (HTML, JSON or a feed) and is wrapped by `guarded`, which
turns the logic's refusals into 400 / 404 / 503 answers in that format, and anything unexpected
into a 500 that says nothing of the internals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib import resources
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from newswire.contracts import utcnow
from newswire.runtime.logging import get_logger
from newswire.web import diffs, feeds
from newswire.web.adapters import Reader
from newswire.web.logic import (
    ENTITY_TYPES,
    KIND_LABELS,
    KINDS,
    BadRequest,
    Found,
    Limits,
    NotFound,
    Paging,
    Refused,
    RevisionFilter,
    Unavailable,
    check_article_id,
    check_outlet_key,
    check_story_id,
    iso,
    page_links,
    parse_paging,
    parse_revision_filter,
    parse_search,
    path_segment,
    query_string,
    single_params,
    when_text,
)
from newswire.web.shapes import (
    ArticlePage,
    OutletPage,
    RevisionsPage,
    SearchPage,
    StoryPage,
    article_page,
    jsonable,
    outlet_page,
    revisions_page,
    search_page,
    story_ids,
    story_page,
    story_view,
)

Format = Literal["html", "json", "feed"]
Handler = Callable[[Request], Awaitable[Response]]
log = get_logger("newswire.web")

REVISION_PARAMS = ("outlet", "kind", "since", "until", "page", "per_page")
SEARCH_PARAMS = ("q", "outlet", "page", "per_page")
FEED_PARAMS = ("outlet", "kind", "since", "until")
_EMPTY = Found()


def templates() -> Environment:
    """The Jinja2 environment: packaged templates, autoescaping on for every template, and
    strict undefined names (a typo fails the tests instead of rendering blank)."""
    env = Environment(
        loader=PackageLoader("newswire.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        when=when_text,
        iso=iso,
        kind_label=lambda k: KIND_LABELS.get(k, k),
        kinds=KINDS,
        entity_types=ENTITY_TYPES,
        segment=path_segment,
        qs=query_string,
        compact=diffs.compact,
    )
    env.tests["gap"] = lambda item: isinstance(item, diffs.Gap)
    return env


def stylesheet() -> bytes:
    """The one stylesheet, packaged with the service."""
    return resources.files("newswire.web").joinpath("static/newswire.css").read_bytes()


class Site:
    """The pages, feeds and JSON API over a `Reader`."""

    def __init__(
        self,
        reader: Reader,
        limits: Limits,
        *,
        public_url: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.reader = reader
        self.limits = limits
        self.public_url = public_url.rstrip("/") if public_url else None
        self.clock = clock
        self.env = templates()
        self.css = stylesheet()

    # -- answers ---------------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        """An HTML page."""
        body = self.env.get_template(template).render(**context)
        return Response(body, status_code=status, media_type="text/html; charset=utf-8")

    def error(self, fmt: Format, status: int, message: str) -> Response:
        """An error in the format the route answers in."""
        if fmt == "json":
            return JSONResponse({"error": message, "status": status}, status_code=status)
        if fmt == "feed":
            return PlainTextResponse(message + "\n", status_code=status)
        return self.render("error.html", status=status, status_code=status, message=message)

    def guarded(self, fmt: Format, handler: Handler) -> Handler:
        """`handler` with the logic's refusals answered as 400 / 404 / 503, never a traceback."""

        async def serve(request: Request) -> Response:
            try:
                return await handler(request)
            except (BadRequest, Refused) as exc:
                return self.error(fmt, 400, str(exc))
            except NotFound as exc:
                return self.error(fmt, 404, str(exc.args[0]) if exc.args else "not found")
            except Unavailable as exc:
                log.warning("elasticsearch_unavailable", path=request.url.path, reason=str(exc))
                return self.error(fmt, 503, "the archive is not answering right now; try again shortly")
            except Exception:
                log.exception("request_failed", path=request.url.path)
                return self.error(fmt, 500, "something went wrong on our side")

        return serve

    def base_url(self, request: Request) -> str:
        """Where the service is reached: the configured public URL, else the request's."""
        return self.public_url or str(request.base_url).rstrip("/")

    def self_url(self, request: Request) -> str:
        """The request's own address, on the public URL when one is configured."""
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{self.base_url(request)}{request.url.path}{query}"

    # -- article ---------------------------------------------------------------------------------

    async def _article(self, request: Request) -> ArticlePage:
        article_id = check_article_id(request.path_params["article_id"])
        doc, revisions = await asyncio.gather(
            self.reader.article(article_id), self.reader.article_revisions(article_id, self.limits.max_revisions)
        )
        return article_page(article_id, doc, revisions)

    async def article_html(self, request: Request) -> Response:
        page = await self._article(request)
        return self.render("article.html", page=page, article=page.article)

    async def article_api(self, request: Request) -> Response:
        return JSONResponse(jsonable(await self._article(request)))

    # -- revisions -------------------------------------------------------------------------------

    async def _revisions(self, request: Request) -> tuple[RevisionsPage, dict[str, str]]:
        params = single_params(request.query_params.multi_items(), REVISION_PARAMS)
        flt = parse_revision_filter(params, self.clock())
        paging = parse_paging(params, self.limits)
        result = await self.reader.revisions(flt, paging)
        return revisions_page(result, flt, paging, self.limits), params

    async def revisions_html(self, request: Request) -> Response:
        page, params = await self._revisions(request)
        keep: dict[str, str] = {k: params[k] for k in ("outlet", "kind", "since", "until", "per_page") if k in params}
        links = page_links("/revisions", keep, page.page, page.pages)
        feed_query = query_string({k: v for k, v in keep.items() if k in FEED_PARAMS})
        return self.render("revisions.html", page=page, params=keep, links=links, feed_query=feed_query)

    async def revisions_api(self, request: Request) -> Response:
        page, _ = await self._revisions(request)
        return JSONResponse(jsonable(page))

    # -- story -----------------------------------------------------------------------------------

    async def _story(self, request: Request) -> StoryPage:
        story_id = check_story_id(request.path_params["story_id"])
        doc = await self.reader.story(story_id)
        if doc is None:
            raise NotFound(f"no story {story_id}")
        articles = await self.reader.story_articles(story_ids(story_view(doc)), self.limits.story_articles)
        return story_page(doc, articles, story_id)

    async def story_html(self, request: Request) -> Response:
        page = await self._story(request)
        return self.render("story.html", page=page, story=page.story)

    async def story_api(self, request: Request) -> Response:
        return JSONResponse(jsonable(await self._story(request)))

    # -- outlet ----------------------------------------------------------------------------------

    async def _outlet(self, request: Request) -> OutletPage:
        key = check_outlet_key(request.path_params["key"])
        return outlet_page(await self.reader.outlet(key, self.limits.outlet_recent, self.clock()))

    async def outlet_html(self, request: Request) -> Response:
        page = await self._outlet(request)
        return self.render("outlet.html", page=page)

    async def outlet_api(self, request: Request) -> Response:
        return JSONResponse(jsonable(await self._outlet(request)))

    # -- search ----------------------------------------------------------------------------------

    async def _search(self, request: Request) -> tuple[SearchPage, dict[str, str]]:
        params = single_params(request.query_params.multi_items(), SEARCH_PARAMS)
        query = parse_search(params)
        paging = parse_paging(params, self.limits)
        if query is None:
            return search_page(None, _EMPTY, paging, self.limits), params
        return search_page(query, await self.reader.search(query, paging), paging, self.limits), params

    async def search_html(self, request: Request) -> Response:
        page, params = await self._search(request)
        keep: dict[str, str] = {k: params[k] for k in ("q", "outlet", "per_page") if k in params}
        links = page_links("/search", keep, page.page, page.pages)
        return self.render("search.html", page=page, params=keep, links=links)

    async def search_api(self, request: Request) -> Response:
        page, _ = await self._search(request)
        return JSONResponse(jsonable(page))

    # -- feeds -----------------------------------------------------------------------------------

    def _feed(self, request: Request, fmt: str, meta: feeds.FeedMeta, page: RevisionsPage) -> Response:
        base = self.base_url(request)
        entries = [feeds.revision_entry(r, base) for r in page.revisions]
        if fmt == "rss":
            return Response(feeds.rss(meta, entries), media_type="application/rss+xml; charset=utf-8")
        return Response(feeds.atom(meta, entries), media_type="application/atom+xml; charset=utf-8")

    def _first_page(self) -> Paging:
        return Paging(1, self.limits.feed_entries)

    async def revisions_feed(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        params = single_params(request.query_params.multi_items(), FEED_PARAMS)
        flt = parse_revision_filter(params, self.clock())
        result = await self.reader.revisions(flt, self._first_page(), with_diff=True, facets=False)
        page = revisions_page(result, flt, self._first_page(), self.limits)
        title = "Revisions" + (f" at {flt.outlet}" if flt.outlet else "") + (
            f" ({KIND_LABELS.get(flt.kind, flt.kind)})" if flt.kind else ""
        )
        meta = feeds.FeedMeta(
            id=feeds.feed_id("revisions", query_string(params).lstrip("?")),
            title=f"newswire: {title}",
            subtitle="Every change to a published article, with its diff.",
            page=self.base_url(request) + "/revisions" + query_string(params),
            self_url=self.self_url(request),
        )
        return self._feed(request, fmt, meta, page)

    async def article_feed(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        article_id = check_article_id(request.path_params["article_id"])
        flt = RevisionFilter(article_ids=(article_id,))
        doc, result = await asyncio.gather(
            self.reader.article(article_id),
            self.reader.revisions(flt, self._first_page(), with_diff=True, facets=False),
        )
        if doc is None and not result.hits:
            raise NotFound(f"no article {article_id}")
        page = revisions_page(result, flt, self._first_page(), self.limits)
        title = str(doc.get("title") or "") if doc else (page.revisions[0].title if page.revisions else "")
        meta = feeds.FeedMeta(
            id=feeds.feed_id("article", article_id),
            title=f"newswire: revisions of {title or article_id}",
            subtitle="Every change to this article, with its diff.",
            page=f"{self.base_url(request)}/articles/{article_id}",
            self_url=self.self_url(request),
        )
        return self._feed(request, fmt, meta, page)

    async def story_feed(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        story_id = check_story_id(request.path_params["story_id"])
        doc = await self.reader.story(story_id)
        if doc is None:
            raise NotFound(f"no story {story_id}")
        story = story_view(doc)
        articles = await self.reader.story_articles(story_ids(story), self.limits.story_articles)
        ids = tuple(sorted({str(d.get("article_id")) for d in articles.hits if d.get("article_id")}))
        flt = RevisionFilter(article_ids=ids)
        if ids:
            result = await self.reader.revisions(flt, self._first_page(), with_diff=True, facets=False)
        else:
            result = _EMPTY
        page = revisions_page(result, flt, self._first_page(), self.limits)
        meta = feeds.FeedMeta(
            id=feeds.feed_id("story", story_id),
            title=f"newswire: revisions in the story {story.title}",
            subtitle="Every change to the reports of this story, with its diff.",
            page=f"{self.base_url(request)}/stories/{path_segment(story_id)}",
            self_url=self.self_url(request),
        )
        return self._feed(request, fmt, meta, page)

    # -- the rest --------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/revisions", status_code=307)

    async def css_file(self, request: Request) -> Response:
        return Response(
            self.css, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
        )

    async def healthz(self, request: Request) -> Response:
        """200 while Elasticsearch answers (green or yellow), 503 otherwise."""
        try:
            status = await self.reader.health()
        except Unavailable as exc:
            return JSONResponse({"status": "unavailable", "stage": "web", "reason": str(exc)}, status_code=503)
        if status not in ("green", "yellow"):
            return JSONResponse(
                {"status": "unavailable", "stage": "web", "reason": f"cluster status {status}"}, status_code=503
            )
        return JSONResponse({"status": "ok", "stage": "web", "elasticsearch": status})

