"""Enricher wiring: article versions in, enriched articles and story updates out.

Two agents in one stage. `on_version` consumes the versions topic (8 partitions, so instances
share it) and does the stateless per-article work, then hands the article to the internal
clustering topic, which has ONE partition: `on_enriched` sees every article, whichever outlet
and partition it came from, in one order, and owns the cross-article state (alias table,
duplicate index, stories). That state is rebuilt from Kafka when this instance takes the
partition: the compacted dormant stories topic (stories past the window, which it publishes as
they sleep, revive and expire), the compacted stories topic (merges), then the window of enriched
articles this stage published (each with its story id), so a restart resumes the same stories.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import TypeVar

from newswire.contracts import (
    ArticleVersion,
    Contract,
    DormantStory,
    EnrichedArticle,
    StoryUpdate,
    utcnow,
)
from newswire.enricher.adapters import (
    SpacyPipelines,
    read_compacted,
    read_latest,
    read_since,
)
from newswire.enricher.entities import MentionCache
from newswire.enricher.logic import CrossArticle, enrich
from newswire.enricher.settings import EnricherSettings
from newswire.runtime.codec import decode_as
from newswire.runtime.errors import TransientError
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import (
    ARTICLES_ENRICHED,
    ARTICLES_VERSIONS,
    ENRICHER_CLUSTERING,
    ENRICHER_DORMANT,
    STORIES,
)

log = get_logger("newswire.enricher")

CLUSTERING = ENRICHER_CLUSTERING  # declared in the registry with the other topics
DORMANT = ENRICHER_DORMANT
M = TypeVar("M", bound=Contract)


class ClusteringState:
    """The cross-article state of this instance, rebuilt from Kafka before first use.

    The rebuild runs as its own task and handlers wait on it shielded: if it outlasts a
    message's processing timeout, that message is retried later and the rebuild goes on.
    """

    def __init__(self, settings: EnricherSettings) -> None:
        self.settings = settings
        self.state: CrossArticle | None = None
        self._task: asyncio.Future[CrossArticle] | None = None

    async def ready(self) -> CrossArticle:
        if self.state is not None:
            return self.state
        if self._task is None:
            self._task = asyncio.ensure_future(self._rebuild())
        try:
            self.state = await asyncio.shield(self._task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._task = None
            raise TransientError(f"clustering state not rebuilt: {exc}") from exc
        return self.state

    def invalidate(self) -> None:
        """The partition went elsewhere: rebuild if it comes back (another instance moved on)."""
        self.state = None
        self._task = None

    async def _rebuild(self) -> CrossArticle:
        settings = self.settings
        state = CrossArticle(
            stories=settings.story_config(), duplicate_threshold=settings.duplicate_threshold
        )
        started = time.perf_counter()
        dormant, skipped_dormant = await _replay(
            read_latest(settings.kafka, DORMANT), DormantStory, state.restore_dormant
        )
        merges, skipped_merges = await _replay(
            read_compacted(settings.kafka, STORIES), StoryUpdate, state.restore_story
        )
        since = utcnow() - timedelta(seconds=settings.story_config().window_s)
        articles, skipped_articles = await _replay(
            read_since(settings.kafka, ARTICLES_ENRICHED, since), EnrichedArticle, state.restore_article
        )
        skipped = skipped_dormant + skipped_merges + skipped_articles
        state.restored()
        log.info(
            "clustering_state_rebuilt", dormant_read=dormant, stories_read=merges, articles=articles,
            skipped=skipped, live_stories=len(state.clusterer.stories),
            dormant_stories=len(state.clusterer.dormant), seconds=round(time.perf_counter() - started, 2),
        )
        return state


async def _replay(records: AsyncIterator[bytes], model: type[M], restore: Callable[[M], None]) -> tuple[int, int]:
    """Decode each record as `model` and hand it to `restore`: how many were restored and how many
    skipped (one bad record must not block the rebuild). Yields to the event loop at every 500th
    restored, so heartbeats and web requests get through a long replay."""
    done = skipped = 0
    async for raw in records:
        try:
            restore(decode_as(model, raw))
            done += 1
        except Exception:
            skipped += 1
        if done % 500 == 0:
            await asyncio.sleep(0)
    return done, skipped


def build(settings: EnricherSettings) -> Stage:
    """The enricher stage."""
    stage = Stage("enricher", settings)
    pipelines = SpacyPipelines(settings.spacy_models, settings.ner_labels, settings.ner_vocab_strings)
    config = settings.enrich_config()
    # Per instance: a revision comes on its article's partition, so to the same instance.
    mentions = MentionCache(settings.ner_cache_paragraphs)
    clustering = ClusteringState(settings)

    @stage.handler(ARTICLES_VERSIONS)
    async def on_version(version: ArticleVersion, ctx: Context) -> list[Emit]:
        # NER takes tens to hundreds of milliseconds: off the event loop.
        enriched = await asyncio.to_thread(
            enrich, version, utcnow(), config, pipelines.for_language, mentions
        )
        return [Emit(CLUSTERING, enriched.article_id, enriched)]

    @stage.handler(CLUSTERING)
    async def on_enriched(enriched: EnrichedArticle, ctx: Context) -> list[Emit]:
        state = await clustering.ready()
        final, updates, dormant = state.process(enriched, utcnow())
        return [
            Emit(ARTICLES_ENRICHED, final.article_id, final),
            *(Emit(STORIES, update.story_id, update) for update in updates),
            *(Emit(DORMANT, story_id, record) for story_id, record in dormant),
        ]

    @stage.on_revoked(CLUSTERING)
    async def on_revoked(partitions: set[int]) -> None:
        clustering.invalidate()

    return stage


def main() -> None:
    """`newswire run enricher`."""
    settings = EnricherSettings()
    if settings.ensure_topics:
        from newswire.kafka.admin import ensure_topics

        asyncio.run(ensure_topics(settings.kafka, (CLUSTERING, DORMANT)))
    build(settings).run()
