"""Sink wiring: enriched articles, revisions, stories, feed statuses and dead letters into
Elasticsearch, as a stage like the others.

The runtime's batching handler (`Stage.batch_handler`) cuts the batches, decodes them,
dead-letters what cannot be stored, backs off while Elasticsearch refuses (429, 5xx, away) and
acks a batch only once every item is stored: nothing is committed that is not in Elasticsearch.
This module only turns messages into bulk actions and the cluster's answers into a
`BatchResult`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from elasticsearch import ApiError, TransportError

from newswire.es.client import make_client, wait_healthy
from newswire.runtime.batches import BatchItem, BatchPolicy, BatchResult
from newswire.runtime.errors import PermanentError
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Stage
from newswire.sink.adapters import BulkWriter, ElasticsearchBulkWriter
from newswire.sink.documents import Action, actions_for, item_outcome, rejection
from newswire.sink.settings import SinkSettings
from newswire.topics import ARTICLES_ENRICHED, ARTICLES_REVISIONS, DLQ, FEED_STATUS, STORIES, TopicSpec

STAGE = "sink"
SOURCES: tuple[TopicSpec, ...] = (ARTICLES_ENRICHED, ARTICLES_REVISIONS, STORIES, FEED_STATUS, DLQ)
log = get_logger("newswire.sink")


class DocumentRejected(PermanentError):
    """Elasticsearch refused a document for good (a mapping conflict, an immense term, ...)."""


class Store:
    """Messages to bulk actions, and the cluster's per-item answers to a `BatchResult`."""

    def __init__(self, writer: BulkWriter, index_prefix: str, max_concurrent_bulks: int = 1) -> None:
        self.writer = writer
        self.index_prefix = index_prefix
        self.bulk_slots = asyncio.Semaphore(max_concurrent_bulks)

    async def __call__(self, items: Sequence[BatchItem]) -> BatchResult:
        """Store a batch: one bulk request for all their actions (a feed status has two)."""
        result = BatchResult()
        actions: list[Action] = []
        owners: list[int] = []
        for i, item in enumerate(items):
            try:
                built = actions_for(item.value, self.index_prefix)
            except Exception as exc:  # a document builder's bug: dead-letter, never stall
                result.rejected[i] = exc
                continue
            actions.extend(built)
            owners.extend([i] * len(built))
        if not actions:
            return result
        try:
            async with self.bulk_slots:
                statuses = await self.writer.write(actions)
        except Exception as exc:  # the cluster is down or unreachable: wait, never drop
            reason = f"bulk failed: {type(exc).__name__}: {exc}"
            return BatchResult(rejected=result.rejected, retry={i: reason for i in set(owners)})
        refused: dict[int, list[str]] = {}
        for owner, action, (status, why) in zip(owners, actions, statuses):
            outcome = item_outcome(status)
            if outcome == "retry":
                result.retry[owner] = f"Elasticsearch asked to slow down (HTTP {status})"
            elif outcome not in ("ok", "stale"):
                refused.setdefault(owner, []).append(rejection(action, status, why))
        for owner, reasons in refused.items():
            if owner not in result.retry:  # its other action is tried again first
                result.rejected[owner] = DocumentRejected("; ".join(reasons))
        return result


def build(settings: SinkSettings, writer: BulkWriter | None = None) -> Stage:
    """The sink stage: one batching handler over its five topics."""
    stage = Stage(STAGE, settings)
    client = None
    if writer is None:
        client = make_client(settings.elasticsearch)
        writer = ElasticsearchBulkWriter(client, settings.batch_max_bytes, settings.batch_max_docs)
    store = Store(writer, settings.elasticsearch.index_prefix, settings.max_concurrent_bulks)
    policy = BatchPolicy(
        max_items=settings.batch_max_docs,
        max_wait_s=settings.batch_max_wait_s,
        retry=settings.retry.model_copy(update={"max_delay_s": settings.es_retry_max_delay_s}),
    )
    stage.batch_handler(SOURCES, policy, concurrency=settings.max_inflight_batches)(store)

    if client is not None:
        es = client

        @stage.on_shutdown
        async def close_client() -> None:
            await es.close()

    return stage


async def prepare(settings: SinkSettings) -> None:
    """Wait for a healthy cluster (a sink started before it waits rather than crash-loops) and
    install the index templates (idempotent)."""
    client = make_client(settings.elasticsearch)
    try:
        while True:
            try:
                await wait_healthy(client, timeout_s=settings.es_wait_s)
                break
            except TimeoutError as exc:
                log.warning("sink_waiting_for_elasticsearch", error=str(exc)[:300])
        if not settings.es_setup:
            return
        from newswire.es.setup import setup

        while True:  # a refused template (400, e.g. an unknown analyzer) is a configuration error: raise
            try:
                await setup(client, settings.elasticsearch.index_prefix, settings.es_analyzer)
                return
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.meta.status < 500 and exc.meta.status != 429:
                    raise
                log.warning("sink_setup_retry", error=str(exc)[:300])
                await asyncio.sleep(2.0)
    finally:
        await client.close()


def main() -> None:
    """`newswire run sink`."""
    from newswire.runtime.logging import configure_logging

    settings = SinkSettings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(prepare(settings))
    build(settings).run()
