"""A tiny stage for runtime tests, run as its own process like any real stage.

It consumes pages and emits a normalised article per page, except that a page whose HTML says
POISON fails permanently until the file named by PROBE_FIX exists (the "fix" being deployed), and
a page that says FLAKY fails transiently on its first attempt only.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from newswire.config import ServiceSettings
from newswire.contracts import FetchedPage, NormalisedArticle
from newswire.contracts.ids import article_id, host_of
from newswire.runtime.errors import PermanentError, TransientError
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES


def build(settings: ServiceSettings, fix_file: Path, flaky_dir: Path) -> Stage:
    stage = Stage("normaliser", settings)

    @stage.handler(PAGES)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        html = page.html or ""
        if "POISON" in html and not fix_file.exists():
            raise PermanentError("poison page: the extractor cannot handle it yet")
        if "FLAKY" in html:
            marker = flaky_dir / hashlib.md5(html.encode()).hexdigest()
            if not marker.exists():
                marker.touch()
                raise TransientError("flaky upstream", retry_after_s=0.5)
        return [article_of(page)]

    return stage


def article_of(page: FetchedPage) -> Emit:
    """The probe's output for a page: an article whose text is the page's HTML."""
    html, url = page.html or "", str(page.final_url)
    article = NormalisedArticle(
        article_id=article_id(url), canonical_url=url, url=url, host=host_of(url),
        title=html[:40], paragraphs=(html,), text=html, content_hash="0" * 32,
        fetched_at=page.fetched_at,
    )
    return Emit(ARTICLES_NORMALISED, article.article_id, article)


if __name__ == "__main__":
    build(ServiceSettings(), Path(os.environ["PROBE_FIX"]), Path(os.environ["PROBE_FLAKY_DIR"])).run()
