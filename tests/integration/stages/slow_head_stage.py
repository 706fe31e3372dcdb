"""A stage for the commit-guard test: pages in, one article per page out, two at a time (like the
fetcher's concurrency). A page whose HTML says SLOW is held until the file named by PROBE_RELEASE
exists, so that the pages after it finish first."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from newswire.config import ServiceSettings
from newswire.contracts import FetchedPage, NormalisedArticle
from newswire.contracts.ids import article_id, host_of
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES


def build(settings: ServiceSettings, release: Path) -> Stage:
    stage = Stage("normaliser", settings)

    @stage.handler(PAGES, concurrency=2)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        html = page.html or ""
        while "SLOW" in html and not release.exists():
            await asyncio.sleep(0.2)
        url = str(page.final_url)
        article = NormalisedArticle(
            article_id=article_id(url), canonical_url=url, url=url, host=host_of(url),
            title=html[:40], paragraphs=(html,), text=html, content_hash="0" * 32,
            fetched_at=page.fetched_at,
        )
        return [Emit(ARTICLES_NORMALISED, article.article_id, article)]

    return stage


if __name__ == "__main__":
    build(ServiceSettings(), Path(os.environ["PROBE_RELEASE"])).run()
