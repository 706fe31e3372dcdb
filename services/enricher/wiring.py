"""Enricher wiring: article versions in, enriched articles out."""

from __future__ import annotations

from newswire.contracts import ArticleVersion, utcnow
from newswire.enricher.logic import enrich
from newswire.enricher.settings import EnricherSettings
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_ENRICHED, ARTICLES_VERSIONS


def build(settings: EnricherSettings) -> Stage:
    """The enricher stage."""
    stage = Stage("enricher", settings)

    @stage.handler(ARTICLES_VERSIONS)
    async def on_version(version: ArticleVersion, ctx: Context) -> list[Emit]:
        enriched = enrich(version, utcnow(), settings.words_per_minute)
        return [Emit(ARTICLES_ENRICHED, enriched.article_id, enriched)]

    return stage


def main() -> None:
    """`newswire run enricher`."""
    build(EnricherSettings()).run()
