"""The fetcher stage: fetch requests in, fetched pages (or their failures) out, and for a re-check
that failed its outcome as a small RecheckResult on the re-checks topic (the tracker's input: it
need not read pages; an `ok` re-check's result is the normaliser's, which tells walls). A re-check
answered 304, with the very body the article was last extracted from, or with the same article
region and verdict inputs (`logic.unchanged_recheck`) is only that RecheckResult (`unchanged`): no
page goes to the normaliser."""

from __future__ import annotations

from prometheus_client import Counter

from newswire.contracts import FetchRequest, utcnow
from newswire.fetcher.adapters import AiohttpPageClient, PageClient
from newswire.fetcher.logic import Retry, decide, failed_recheck, unchanged_recheck
from newswire.fetcher.settings import FetcherSettings
from newswire.runtime.errors import TransientError
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import FETCH_REQUESTS, FETCH_REQUESTS_BACKFILL, PAGES, RECHECKS


def build(settings: FetcherSettings, client: PageClient | None = None) -> Stage:
    """The fetcher stage, fetching with `client` (the aiohttp one by default)."""
    stage = Stage("fetcher", settings)
    pages: PageClient = client or AiohttpPageClient(settings)

    pages_total = Counter(
        "newswire_fetcher_pages_total",
        "Fetched pages by outcome and failure class.",
        ["outcome", "failure"],
        registry=stage.metrics.registry,
    )
    unchanged_total = Counter(
        "newswire_fetcher_rechecks_unchanged_total",
        "Re-checks reported unchanged without passing the page on, by how (not_modified, same_body, same_region).",
        ["by"],
        registry=stage.metrics.registry,
    )

    # Many fetches at once (a host's politeness is enforced by the client's limiter, and hosts
    # that must wait long are deferred through the retry topic instead of holding a slot).
    @stage.handler(FETCH_REQUESTS, concurrency=settings.concurrency)
    async def fetch(request: FetchRequest, ctx: Context) -> list[Emit]:
        return await fetch_one(request, ctx)

    # A backfill's requests on their own topic, a few at a time: they share the client (and so
    # each host's politeness limits) with live requests but hold at most `backfill_concurrency`
    # of the process's slots, so a backlog of thousands never delays a new article.
    @stage.handler(FETCH_REQUESTS_BACKFILL, concurrency=settings.backfill_concurrency)
    async def fetch_backfill(request: FetchRequest, ctx: Context) -> list[Emit]:
        return await fetch_one(request, ctx)

    async def fetch_one(request: FetchRequest, ctx: Context) -> list[Emit]:
        result = await pages.fetch(
            str(request.url), etag=request.etag, last_modified=request.last_modified
        )
        last = ctx.origin.attempts >= settings.retry.max_attempts
        outcome = decide(request, result, utcnow(), last_attempt=last)
        if isinstance(outcome, Retry):
            raise TransientError(
                f"fetch of {request.url} failed: {outcome.reason}",
                retry_after_s=outcome.retry_after_s,
            )
        pages_total.labels(outcome.outcome, outcome.failure or "").inc()
        if (unchanged := unchanged_recheck(outcome)) is not None:
            # A 304, the very body the article was extracted from, or its same region: the
            # tracker hears it on the re-checks topic and no page goes to the normaliser.
            unchanged_total.labels(unchanged.unchanged or "").inc()
            return [Emit(RECHECKS, unchanged.article_id, unchanged)]
        emits = [Emit(PAGES, outcome.article_id, outcome)]
        if (recheck := failed_recheck(outcome)) is not None:
            emits.append(Emit(RECHECKS, recheck.article_id, recheck))
        return emits

    @stage.on_shutdown
    async def close_client() -> None:
        await pages.close()

    return stage


def main() -> None:
    """`newswire run fetcher`."""
    build(FetcherSettings()).run()
