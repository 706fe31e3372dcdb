"""The normaliser stage: fetched pages in, normalised articles out; a re-check whose article's
region is unchanged goes out as an 'unchanged' RecheckResult on the re-checks topic instead, without
an extraction, and any other re-check page is reported there too (final URL, walls): the tracker
sees a moved or walled article without reading pages."""

from __future__ import annotations

import asyncio

from prometheus_client import Counter

from newswire.contracts import FetchedPage
from newswire.normaliser.logic import unchanged_region, work_on_page
from newswire.normaliser.settings import NormaliserSettings
from newswire.runtime.errors import PermanentError
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES, RECHECKS

log = get_logger("newswire.normaliser")


def build(settings: NormaliserSettings) -> Stage:
    """The normaliser's Stage: one handler on the pages topic."""
    stage = Stage("normaliser", settings)
    unchanged_total = Counter(
        "newswire_normaliser_rechecks_unchanged_total",
        "Re-check pages whose article region was unchanged: reported, not extracted.",
        registry=stage.metrics.registry,
    )

    @stage.handler(PAGES)
    async def normalise(page: FetchedPage, ctx: Context) -> list[Emit]:
        if page.outcome != "ok":
            # Failures are accounted for on the pages topic; they are not articles (nor a 304,
            # which the fetcher now reports on the re-checks topic alone).
            log.info(
                "page_skipped", article_id=page.article_id, outcome=page.outcome,
                failure=page.failure, url=str(page.final_url),
            )
            return []
        # A re-check's region test (a lexbor parse and a hash, ~1.4 ms) runs here, on the loop:
        # most of the stage's messages in steady state are such re-checks, and handing each to
        # the worker thread cost ~0.8 ms more of CPU (bench/normaliser_stage.py).
        if (unchanged := unchanged_region(page)) is not None:
            unchanged_total.inc()
            return [Emit(RECHECKS, unchanged.article_id, unchanged)]
        # A full extraction is CPU-bound: a worker thread keeps the event loop (heartbeats, other
        # partitions) alive, and bounds the wait. A timed-out thread still runs to its end.
        try:
            work = await asyncio.wait_for(
                asyncio.to_thread(
                    work_on_page, page, min_words=settings.min_article_words, region_checked=True
                ),
                timeout=settings.extract_timeout_s,
            )
        except TimeoutError as exc:
            raise PermanentError(
                f"extraction took longer than {settings.extract_timeout_s:g} s"
            ) from exc
        emits = [Emit(RECHECKS, work.report.article_id, work.report)] if work.report else []
        if work.out is None:
            failure = PermanentError(work.failure or "no article")
            if not emits:
                raise failure
            # The re-check's report still goes out (a page without an article text is how an
            # article that moved away shows); the page itself is dead-lettered as it would be.
            await stage.dead_letter(PAGES, ctx.origin, failure)
            return emits
        return [Emit(ARTICLES_NORMALISED, work.out.article_id, work.out), *emits]

    return stage


def main() -> None:
    """`newswire run normaliser`."""
    build(NormaliserSettings()).run()
