"""The normaliser stage: fetched pages in, normalised articles out."""

from __future__ import annotations

import asyncio

from newswire.contracts import FetchedPage
from newswire.normaliser.logic import NotExtractable, build_article, extract
from newswire.normaliser.settings import NormaliserSettings
from newswire.runtime.errors import PermanentError
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES

log = get_logger("newswire.normaliser")


def build(settings: NormaliserSettings) -> Stage:
    """The normaliser's Stage: one handler on the pages topic."""
    stage = Stage("normaliser", settings)

    @stage.handler(PAGES)
    async def normalise(page: FetchedPage, ctx: Context) -> list[Emit]:
        if page.outcome != "ok":
            # Failures and 304s are accounted for on the pages topic; they are not articles.
            log.info(
                "page_skipped", article_id=page.article_id, outcome=page.outcome,
                failure=page.failure, url=str(page.final_url),
            )
            return []
        html = page.html or ""
        # CPU-bound: a worker thread keeps the event loop (heartbeats, other partitions) alive,
        # and bounds the wait. A timed-out thread still runs to its end in the background.
        try:
            extraction = await asyncio.wait_for(
                asyncio.to_thread(extract, html, str(page.final_url)),
                timeout=settings.extract_timeout_s,
            )
        except TimeoutError as exc:
            raise PermanentError(
                f"extraction took longer than {settings.extract_timeout_s:g} s"
            ) from exc
        except NotExtractable as exc:
            raise PermanentError(str(exc)) from exc
        if extraction is None:
            raise PermanentError("no article text")
        article = build_article(page, extraction, min_words=settings.min_article_words)
        return [Emit(ARTICLES_NORMALISED, article.article_id, article)]

    return stage


def main() -> None:
    """`newswire run normaliser`."""
    build(NormaliserSettings()).run()
