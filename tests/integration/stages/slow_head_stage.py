"""A stage for the commit-guard test: pages in, one article per page out, two at a time (like the
fetcher's concurrency). A page whose HTML says SLOW is held until the file named by PROBE_RELEASE
exists, so that the pages after it finish first."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from newswire.config import ServiceSettings
from newswire.contracts import FetchedPage
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import PAGES
from tests.integration.stages.probe_stage import article_of


def build(settings: ServiceSettings, release: Path) -> Stage:
    stage = Stage("normaliser", settings)

    @stage.handler(PAGES, concurrency=2)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        html = page.html or ""
        while "SLOW" in html and not release.exists():
            await asyncio.sleep(0.2)
        return [article_of(page)]

    return stage


if __name__ == "__main__":
    build(ServiceSettings(), Path(os.environ["PROBE_RELEASE"])).run()
