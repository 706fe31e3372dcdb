"""The stage `bench/runtime.py` measures: `newswire.runtime.Stage` with a handler that does
nothing but turn each page into one small article, so that its CPU is the runtime's own
(consume, decode, validate, handle, encode, produce, commit). Run as its own process:

    python bench/runtime_stage.py worker
"""

from __future__ import annotations

from newswire.config import ServiceSettings
from newswire.contracts import FetchedPage, NormalisedArticle
from newswire.contracts.ids import article_id, host_of
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES


def build(settings: ServiceSettings) -> Stage:
    # runs as the registry's normaliser: its topics, retry topic and consumer group
    stage = Stage("normaliser", settings)

    @stage.handler(PAGES)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        url = str(page.final_url)
        article = NormalisedArticle(
            article_id=article_id(url), canonical_url=url, url=url, host=host_of(url),
            title="bench", text=page.html or "", content_hash="0" * 32, fetched_at=page.fetched_at,
        )
        return [Emit(ARTICLES_NORMALISED, article.article_id, article)]

    return stage


if __name__ == "__main__":
    build(ServiceSettings()).run()
