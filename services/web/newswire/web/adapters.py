"""The web service's I/O: Elasticsearch reads behind a small Protocol (`Reader`).

The pages depend on the Protocol only, so they are tested with an in-memory fake; this adapter
sends the queries the pure logic builds (`newswire.web.logic`) to the read aliases and flattens
the answers with it. Every request is bounded: a per-request timeout (the same given to
Elasticsearch as the search's own `timeout`), one retry at most, sizes capped by the logic. A
cluster that does not answer is `Unavailable` (503), a query it refuses is `Refused` (400).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from newswire.es.names import alias
from newswire.web.logic import (
    Doc,
    Found,
    OutletFound,
    Paging,
    Refused,
    RevisionFilter,
    SearchQuery,
    Unavailable,
    article_query,
    article_revisions_query,
    found,
    outlet_articles_query,
    outlet_feeds_query,
    outlet_revisions_query,
    outlet_scope,
    revisions_query,
    search_query,
    story_articles_query,
    story_query,
)


class Reader(Protocol):
    """What the pages read, in their own terms."""

    async def health(self) -> str:
        """The cluster's status (green, yellow, red); raises Unavailable when it does not answer."""
        ...

    async def article(self, article_id: str) -> Doc | None:
        """An article's document (its latest version), or None."""
        ...

    async def article_revisions(self, article_id: str, limit: int) -> Found:
        """An article's latest `limit` revisions, newest first, with their diffs."""
        ...

    async def revisions(
        self, flt: RevisionFilter, paging: Paging, *, with_diff: bool = False, facets: bool = True
    ) -> Found:
        """A page of revisions, newest first, with counts by kind and outlet."""
        ...

    async def story(self, story_id: str) -> Doc | None:
        """A story's document, or None."""
        ...

    async def story_articles(self, story_ids: Sequence[str], limit: int) -> Found:
        """The articles of these stories, first seen first."""
        ...

    async def outlet(self, key: str, recent: int, now: datetime) -> OutletFound:
        """An outlet's articles, revisions and feeds, by its name or host."""
        ...

    async def search(self, query: SearchQuery, paging: Paging) -> Found:
        """A page of articles matching a reader's query."""
        ...


class ElasticsearchReader:
    """`Reader` on the read aliases of an index prefix."""

    def __init__(self, client: AsyncElasticsearch, prefix: str, timeout_s: float = 5.0) -> None:
        self.prefix = prefix
        self.timeout_s = timeout_s
        self.client = client.options(request_timeout=timeout_s, max_retries=1, retry_on_timeout=False)

    async def _search(self, family: str, body: Doc) -> Found:
        try:
            response = await self.client.search(
                index=alias(self.prefix, family),
                body={**body, "timeout": f"{int(self.timeout_s * 1000)}ms"},
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except ApiError as exc:
            if exc.meta.status == 400:
                raise Refused(f"Elasticsearch refused the query: {_reason(exc)}") from exc
            raise Unavailable(f"Elasticsearch answered HTTP {exc.meta.status}") from exc
        except (TransportError, asyncio.TimeoutError) as exc:
            raise Unavailable(f"Elasticsearch did not answer: {type(exc).__name__}") from exc
        return found(response.body)

    async def health(self) -> str:
        try:
            answer = await self.client.options(request_timeout=min(self.timeout_s, 3.0)).cluster.health(timeout="2s")
        except (ApiError, TransportError, asyncio.TimeoutError) as exc:
            raise Unavailable(f"Elasticsearch did not answer: {type(exc).__name__}") from exc
        return str(answer.body.get("status", "unknown"))

    async def article(self, article_id: str) -> Doc | None:
        result = await self._search("articles", article_query(article_id))
        return result.hits[0] if result.hits else None

    async def article_revisions(self, article_id: str, limit: int) -> Found:
        return await self._search("revisions", article_revisions_query(article_id, limit))

    async def revisions(
        self, flt: RevisionFilter, paging: Paging, *, with_diff: bool = False, facets: bool = True
    ) -> Found:
        return await self._search("revisions", revisions_query(flt, paging, with_diff=with_diff, facets=facets))

    async def story(self, story_id: str) -> Doc | None:
        result = await self._search("stories", story_query(story_id))
        return result.hits[0] if result.hits else None

    async def story_articles(self, story_ids: Sequence[str], limit: int) -> Found:
        return await self._search("articles", story_articles_query(story_ids, limit))

    async def outlet(self, key: str, recent: int, now: datetime) -> OutletFound:
        articles = await self._search("articles", outlet_articles_query(key, recent))
        scope = outlet_scope(key, articles)
        revisions, feeds = await asyncio.gather(
            self._search("revisions", outlet_revisions_query(scope, now)),
            self._search("feeds", outlet_feeds_query(scope)),
        )
        return OutletFound(key, articles, revisions, feeds)

    async def search(self, query: SearchQuery, paging: Paging) -> Found:
        return await self._search("articles", search_query(query, paging))


def _reason(exc: ApiError) -> str:
    """Elasticsearch's own reason for refusing a request (its root cause), briefly."""
    body: Any = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        cause = causes[0] if isinstance(causes, list) and causes and isinstance(causes[0], dict) else error
        return f"{cause.get('type')}: {str(cause.get('reason'))[:300]}"
    return str(exc)[:300]
