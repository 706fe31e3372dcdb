"""Sink wiring: enriched articles, revisions, stories, feed statuses and dead letters into
Elasticsearch.

aiokafka directly rather than Faust: the sink consumes in batches bounded by count, bytes and time,
must commit offsets only after Elasticsearch acknowledged every item of a batch, and must pause
consumption (not drop, not block the group) while Elasticsearch refuses writes. Faust's per-event
agents and automatic commits are in the way of all three.
"""

from __future__ import annotations

import asyncio
import signal
from collections import deque
import time
from dataclasses import dataclass, field

from aiohttp import web
from elasticsearch import ApiError, TransportError
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import generate_latest

from newswire.contracts import Contract, DeadLetter, utcnow
from newswire.contracts.ids import dead_letter_id
from newswire.es.client import make_client, wait_healthy
from newswire.kafka.clients import aiokafka_kwargs
from newswire.runtime.codec import decode
from newswire.runtime.errors import ContractViolation, backoff_delay, jitter_source
from newswire.runtime.logging import configure_logging, get_logger
from newswire.runtime.metrics import StageMetrics
from newswire.runtime.stage import WEB_PORTS
from newswire.sink.adapters import BulkWriter, ElasticsearchBulkWriter
from newswire.sink.batching import BatchBuffer, BatchLimits
from newswire.sink.documents import Action, actions_for, item_outcome, rejection
from newswire.sink.settings import SinkSettings
from newswire.topics import (
    ARTICLES_ENRICHED,
    ARTICLES_REVISIONS,
    DLQ,
    FEED_STATUS,
    STORIES,
    TopicSpec,
)

STAGE = "sink"
SOURCES: tuple[TopicSpec, ...] = (ARTICLES_ENRICHED, ARTICLES_REVISIONS, STORIES, FEED_STATUS, DLQ)
log = get_logger("newswire.sink")


@dataclass
class _Pending:
    record: ConsumerRecord
    actions: list[Action]
    done: list[bool] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


class Stopping(Exception):
    """Raised out of a back-off when the sink is asked to stop: the batch is abandoned
    uncommitted, so its records are consumed again after the restart (writes are idempotent)."""


class Sink:
    """The consume → bulk → commit loop."""

    def __init__(self, settings: SinkSettings, writer: BulkWriter) -> None:
        self.settings = settings
        self.writer = writer
        self.prefix = settings.kafka.topic_prefix
        self.index_prefix = settings.elasticsearch.index_prefix
        self.limits = BatchLimits(settings.batch_max_docs, settings.batch_max_bytes, settings.batch_max_wait_s)
        self.metrics = StageMetrics()
        self.specs = {spec.full_name(self.prefix): spec for spec in SOURCES}
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.stopping = asyncio.Event()
        self.bulk_slots = asyncio.Semaphore(settings.max_concurrent_bulks)
        self.healthy = True
        self.batches = 0
        self.documents = 0

    async def start(self) -> None:
        kafka = aiokafka_kwargs(self.settings.kafka)
        self.consumer = AIOKafkaConsumer(
            *self.specs,
            **kafka,
            group_id=self.settings.consumer_group or f"{self.prefix}newswire-sink",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=DLQ.max_message_bytes,
            fetch_max_bytes=DLQ.max_message_bytes,
        )
        self.producer = AIOKafkaProducer(**kafka, acks="all", max_request_size=DLQ.max_message_bytes)
        await self.producer.start()
        await self.consumer.start()

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        if self.producer is not None:
            await self.producer.stop()

    async def run(self) -> None:
        """Consume until asked to stop: collect a batch, store it, commit its offsets.

        Up to `max_inflight_batches` batches are in the pipeline at once (the next ones are fetched
        and decoded while Elasticsearch indexes one; `max_concurrent_bulks` bulk requests at a
        time); offsets are committed strictly in batch order, each only once its batch and every
        earlier one are acknowledged. Concurrent batches are safe because every write is
        idempotent and version-guarded. When the pipeline is full (Elasticsearch slow or away),
        consumption pauses until the oldest batch is stored.
        """
        inflight: deque[tuple[asyncio.Task[None], list[ConsumerRecord]]] = deque()
        try:
            while not self.stopping.is_set():
                if len(inflight) >= self.settings.max_inflight_batches:
                    await self._wait_paused(inflight[0][0])
                else:
                    records = await self.collect()
                    if records:
                        inflight.append((asyncio.create_task(self.handle_batch(records)), records))
                while inflight and inflight[0][0].done():
                    task, records = inflight.popleft()
                    task.result()  # a batch never fails: it retries until stored or stopped
                    await self.commit(records)
                await self._update_lag()
        except Stopping:
            pass
        finally:
            for task, records in inflight:
                task.cancel()
            if inflight:  # uncommitted: consumed again after the restart, idempotently
                await asyncio.gather(*(t for t, _ in inflight), return_exceptions=True)
                log.info("sink_stopped_with_batches_in_flight", batches=len(inflight))

    async def _wait_paused(self, oldest: asyncio.Task[None]) -> None:
        """Back-pressure: fetch nothing until the oldest batch is stored, while still polling (a
        paused consumer's poll returns nothing but keeps it a live member of its group)."""
        assert self.consumer is not None
        assignment = list(self.consumer.assignment())
        self.consumer.pause(*assignment)
        try:
            while not oldest.done() and not self.stopping.is_set():
                await self.consumer.getmany(timeout_ms=200)
        finally:
            self.consumer.resume(*assignment)

    async def collect(self) -> list[ConsumerRecord]:
        """One batch: records until the count or byte bound is reached, or `batch_max_wait_s`
        after the first record; empty when nothing arrived within that wait."""
        assert self.consumer is not None
        buffer = BatchBuffer(self.limits)
        records: list[ConsumerRecord] = []
        while not self.stopping.is_set():
            timeout_ms = max(1, int(buffer.remaining_s(time.monotonic()) * 1000))
            batch = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=buffer.room)
            for tp_records in batch.values():
                for record in tp_records:
                    records.append(record)
                    buffer.add(len(record.value or b"") + len(record.key or b""), time.monotonic())
            if not records or buffer.due(time.monotonic()):
                break
        return records

    async def commit(self, records: list[ConsumerRecord]) -> None:
        """Commit after Elasticsearch acknowledged every item. A commit refused by a rebalance
        leaves the records to the partitions' new owner, which stores them again: idempotent."""
        assert self.consumer is not None
        try:
            await self.consumer.commit(_next_offsets(records))
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # a later commit covers these offsets too; a revoked partition's records are stored
            # again by their new owner
            log.warning("sink_commit_failed", error=str(exc)[:300], records=len(records))

    async def handle_batch(self, records: list[ConsumerRecord]) -> None:
        """Store every record's documents; returns only when each is stored or dead-lettered."""
        pending: list[_Pending] = []
        for record in records:
            spec = self.specs[record.topic]
            self.metrics.messages_in.labels(STAGE, spec.name).inc()
            try:
                message: Contract = decode(spec, record.value)
                actions = actions_for(message, self.index_prefix)
            except Exception as exc:  # bad input (or a document builder's bug): never stall the topic
                await self.dead_letter(record, exc, "ContractViolation" if isinstance(exc, ContractViolation) else type(exc).__name__)
                continue
            pending.append(_Pending(record, actions, [False] * len(actions)))
        started = time.perf_counter()
        attempt = 0
        while True:
            todo = [(p, i) for p in pending for i, ok in enumerate(p.done) if not ok]
            if not todo:
                break
            attempt += 1
            try:
                async with self.bulk_slots:
                    statuses = await self.writer.write([p.actions[i] for p, i in todo])
            except Exception as exc:  # the cluster is down or unreachable: wait, never drop
                self.healthy = False
                await self._back_off(attempt, f"bulk failed: {type(exc).__name__}: {exc}")
                continue
            retry = False
            for (p, i), (status, reason) in zip(todo, statuses):
                outcome = item_outcome(status)
                if outcome in ("ok", "stale"):
                    p.done[i] = True
                elif outcome == "retry":
                    retry = True
                else:
                    p.done[i] = True
                    p.rejected.append(rejection(p.actions[i], status, reason))
            if retry:
                self.healthy = False
                await self._back_off(attempt, "Elasticsearch asked to slow down (429/5xx)")
        self.healthy = True
        for p in pending:
            if p.rejected:
                await self.dead_letter(p.record, ValueError("; ".join(p.rejected)), "DocumentRejected")
        elapsed = time.perf_counter() - started
        self.batches += 1
        for p in pending:
            spec = self.specs[p.record.topic]
            stored = len(p.actions) - len(p.rejected)
            self.documents += stored
            self.metrics.messages_out.labels(STAGE, spec.name).inc(stored)
            self.metrics.processing_seconds.labels(STAGE, spec.name).observe(elapsed / max(1, len(pending)))

    async def _back_off(self, attempt: int, why: str) -> None:
        """Wait before trying a batch again. Consumption pauses meanwhile: the run loop stops
        fetching once the pipeline of batches is full (see `_wait_paused`)."""
        policy = self.settings.retry.model_copy(update={"max_delay_s": self.settings.es_retry_max_delay_s})
        delay = backoff_delay(attempt, policy, jitter_source())
        log.warning("sink_backing_off", attempt=attempt, delay_s=round(delay, 2), reason=why[:300])
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if self.stopping.is_set():
                raise Stopping()
            await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    async def dead_letter(self, record: ConsumerRecord, exc: Exception, error_type: str) -> None:
        """Send a record the sink cannot store to the dead-letter topic: its original bytes, and
        the reason with the rejected document."""
        spec = self.specs[record.topic]
        self.metrics.messages_failed.labels(STAGE, spec.name, "permanent", "dlq").inc()
        log.warning("sink_dead_letter", topic=record.topic, offset=record.offset, error=str(exc)[:500])
        if spec is DLQ:
            return  # a dead letter that cannot be indexed stays in Kafka; never loop
        letter = DeadLetter(
            dead_letter_id=dead_letter_id(STAGE, record.topic, record.partition, record.offset),
            stage=STAGE,
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
            key=record.key,
            value=record.value,
            headers={k: v.decode("utf-8", "replace") for k, v in (record.headers or ())},
            error_class="permanent",
            error_type=error_type,
            error_message=str(exc)[:4000],
            attempts=1,
            failed_at=utcnow(),
        )
        assert self.producer is not None
        attempt = 0
        while True:  # the batch is not committed before its dead letters are on the topic
            try:
                await self.producer.send_and_wait(DLQ.full_name(self.prefix), key=STAGE.encode(), value=letter.to_bytes())
                return
            except KafkaError as exc:
                attempt += 1
                await self._back_off(attempt, f"dead letter not produced: {type(exc).__name__}: {exc}")

    async def _update_lag(self) -> None:
        if self.consumer is None:
            return
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue
            position = await self.consumer.position(tp)
            base = tp.topic[len(self.prefix) :]
            self.metrics.consumer_lag.labels(STAGE, base, str(tp.partition)).set(max(0, highwater - position))


def _next_offsets(records: list[ConsumerRecord]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
    return offsets


async def _serve_web(sink: Sink, host: str, port: int) -> web.AppRunner:
    async def healthz(request: web.Request) -> web.Response:
        status = 200 if sink.healthy else 503
        return web.json_response({"stage": STAGE, "status": "ok" if sink.healthy else "waiting_for_elasticsearch"}, status=status)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(sink.metrics.registry), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve(settings: SinkSettings) -> None:
    """Run the sink until SIGINT/SIGTERM."""
    if settings.ensure_topics:
        from newswire.kafka.admin import ensure_topics
        from newswire.topics import all_topics

        await ensure_topics(settings.kafka, all_topics())
    client = make_client(settings.elasticsearch)
    while True:  # a sink started before its cluster waits for it rather than crash-looping
        try:
            await wait_healthy(client, timeout_s=settings.es_wait_s)
            break
        except TimeoutError as exc:
            log.warning("sink_waiting_for_elasticsearch", error=str(exc)[:300])
    if settings.es_setup:
        from newswire.es.setup import setup

        while True:  # a refused template (400, e.g. an unknown analyzer) is a configuration error: raise
            try:
                await setup(client, settings.elasticsearch.index_prefix, settings.es_analyzer)
                break
            except (TransportError, ApiError) as exc:
                if isinstance(exc, ApiError) and exc.meta.status < 500 and exc.meta.status != 429:
                    raise
                log.warning("sink_setup_retry", error=str(exc)[:300])
                await asyncio.sleep(2.0)
    sink = Sink(settings, ElasticsearchBulkWriter(client, settings.batch_max_bytes, settings.batch_max_docs))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, sink.stopping.set)
    runner = await _serve_web(sink, settings.web_host, settings.web_port or WEB_PORTS[STAGE])
    await sink.start()
    log.info("sink_started", topics=list(sink.specs))
    try:
        await sink.run()
    finally:
        await sink.stop()
        await runner.cleanup()
        await client.close()


def main() -> None:
    """`newswire run sink`."""
    settings = SinkSettings()
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(serve(settings))
