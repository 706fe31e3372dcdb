"""The one way to write a stage: a Faust app bound to the topic registry and the contracts.

A stage declares handlers: `@stage.handler(PAGES)` on `async def handle(page, ctx)`. The runtime
consumes the topic as raw bytes, decodes and validates them against the topic's contract, calls
the handler, produces what it returns, and routes failures: transient ones to the stage's retry
topic (so the source partition moves on), permanent or exhausted ones to the dead-letter topic
with the original bytes. Handlers only move data: the logic lives in each service's pure module.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import faust

from newswire.config import ServiceSettings
from newswire.contracts import Contract, DeadLetter, utcnow
from newswire.contracts.ids import dead_letter_id
from newswire.runtime import acks, flow, observe
from newswire.runtime.batches import BatchHandler, BatchPolicy, BatchRunner
from newswire.runtime.codec import decode_as, encode, encode_key
from newswire.runtime.errors import (
    PermanentError,
    RetryDecision,
    TransientError,
    classify,
    jitter_source,
    retry_decision,
)
from newswire.runtime.engine import consumer_transport, faust_broker_url, faust_credentials
from newswire.runtime.logging import get_logger
from newswire.runtime.messages import Context, Emit, Origin
from newswire.runtime.metrics import StageMetrics
from newswire.runtime.web import WebHandler, engine_view
from newswire.topics import DLQ, TopicSpec, retry_spec

__all__ = ["WEB_PORTS", "Context", "Emit", "Handler", "Origin", "RevokedHook", "Stage"]

M = TypeVar("M", bound=Contract)

#: Default /healthz and /metrics port of each stage (NEWSWIRE_WEB_PORT overrides).
WEB_PORTS = {
    "poller": 6101,
    "fetcher": 6102,
    "normaliser": 6103,
    "tracker": 6104,
    "enricher": 6105,
    "sink": 6106,
    "archiver": 6108,  # 6107 is the revision view (newswire web)
}
#: How long the retry agent waits at most before re-queueing a message that is not yet due, so
#: that the retry partition is never held for the whole backoff.
RETRY_POLL_S = 2.0
HEADER_ATTEMPTS = "newswire-attempts"

log = get_logger("newswire.runtime")


Handler = Callable[[M, Context], Awaitable[Iterable[Emit] | None]]
RevokedHook = Callable[[set[int]], Awaitable[None]]


@dataclass(frozen=True)
class _Route(Generic[M]):
    spec: TopicSpec
    model: type[M]
    fn: Handler[M]


class Stage:
    """A newswire stage: one Faust app, its topics, handlers, tables, timers and web endpoints."""

    def __init__(self, name: str, settings: ServiceSettings) -> None:
        self.name = name
        self.settings = settings
        self.prefix = settings.kafka.topic_prefix
        self.metrics = StageMetrics()
        self._routes: dict[str, _Route[Any]] = {}
        self._topics: dict[str, faust.TopicT] = {}
        self._random = jitter_source
        self.waiting: str | None = None
        """Why the stage waits (an external system refusing writes), shown by /healthz."""
        group = settings.consumer_group or f"{self.prefix}newswire-{name}"
        port = settings.web_port or WEB_PORTS.get(name, 6100)
        datadir = Path(settings.data_dir) / name
        datadir.parent.mkdir(parents=True, exist_ok=True)
        self.app = faust.App(
            group,
            broker=faust_broker_url(settings.kafka),
            broker_credentials=faust_credentials(settings.kafka),
            store=settings.store,
            datadir=str(datadir),
            autodiscover=False,
            web_enabled=True,
            web_bind=settings.web_host,
            web_port=port,
            web_host=settings.web_host,
            consumer_auto_offset_reset="earliest",
            producer_compression_type=(
                None if settings.kafka.compression == "none" else settings.kafka.compression
            ),
            producer_max_request_size=DLQ.max_message_bytes,
            producer_linger_ms=settings.kafka.linger_ms,
            producer_max_batch_size=settings.kafka.batch_bytes,
            consumer_max_fetch_size=DLQ.max_message_bytes,
            topic_replication_factor=1,
            topic_allow_declare=True,
            stream_wait_empty=False,
            logging_config=None,
        )
        self.app.transport = consumer_transport(self.app, settings.kafka)
        flow.install()
        self._retry_spec = retry_spec(name)
        observe.install_web(self)

        async def lag() -> None:
            await observe.update_lag(self)

        self.app.timer(10.0)(lag)
        self.app.on_partitions_assigned.connect(observe.log_assignment(self))

    # -- declaration -------------------------------------------------------------------------

    def topic(self, spec: TopicSpec) -> faust.TopicT:
        """The Faust topic for `spec` (raw bytes; the registry created it with its config)."""
        full = spec.full_name(self.prefix)
        if full not in self._topics:
            self._topics[full] = self.app.topic(
                full,
                key_serializer="raw",
                value_serializer="raw",
                partitions=spec.partitions,
                internal=False,
            )
        return self._topics[full]

    def handler(
        self, spec: TopicSpec, *, concurrency: int = 1
    ) -> Callable[[Handler[M]], Handler[M]]:
        """Register `fn` as the handler of topic `spec`'s messages.

        `concurrency` > 1 processes that many messages at once (order within a partition is then
        not kept: use it only where order does not matter, e.g. fetching).
        """

        def register(fn: Handler[M]) -> Handler[M]:
            route: _Route[M] = _Route(spec, spec.value, fn)  # type: ignore[arg-type]
            self._routes[spec.full_name(self.prefix)] = route
            source = self.topic(spec)

            acks.manual(spec.full_name(self.prefix), compacted=spec.cleanup_policy == "compact")

            async def agent(stream: faust.StreamT[bytes]) -> None:
                await _acked_once_handled(stream, lambda m: self.process(route, Origin.of(m)))

            agent.__name__ = f"{self.name}_{fn.__name__}"
            self.app.agent(source, name=f"{self.name}.{fn.__name__}", concurrency=concurrency)(
                agent
            )
            self._ensure_retry_agent()
            return fn

        return register

    def batch_handler(
        self, specs: Sequence[TopicSpec], policy: BatchPolicy, *, concurrency: int = 1
    ) -> Callable[[BatchHandler], BatchHandler]:
        """Register `fn(items) -> BatchResult` as the batching handler of `specs`' messages (a
        sink): see `newswire.runtime.batches`. `concurrency` batches are stored at once (order
        within a partition is then not kept: for idempotent, version-guarded writes only)."""

        def register(fn: BatchHandler) -> BatchHandler:
            runner = BatchRunner(self, specs, fn, policy)
            names = [spec.full_name(self.prefix) for spec in specs]
            for spec, name in zip(specs, names):
                acks.manual(name, compacted=spec.cleanup_policy == "compact")
            source = self.app.topic(*names, key_serializer="raw", value_serializer="raw", internal=False)
            label = getattr(fn, "__name__", type(fn).__name__.lower())

            async def agent(stream: faust.StreamT[bytes]) -> None:
                await runner.run(stream)

            agent.__name__ = f"{self.name}_{label}"
            self.app.agent(source, name=f"{self.name}.{label}", concurrency=concurrency)(agent)
            return fn

        return register

    async def dead_letter(self, spec: TopicSpec, origin: Origin, exc: Exception) -> None:
        """Send a message that cannot be processed to the dead-letter topic, with its original
        bytes and the reason (permanent failures only; transient ones are the runtime's)."""
        await self._fail(spec, origin, exc if classify(exc) == "permanent" else PermanentError(str(exc)))

    def table(self, name: str, *, source: TopicSpec, default: Any = None) -> Any:
        """A Faust table co-partitioned with `source` (its changelog lives in Kafka)."""
        return self.app.Table(name, default=default, partitions=source.partitions)

    def timer(self, seconds: float) -> Callable[[Callable[[], Awaitable[None]]], Any]:
        """Run a coroutine every `seconds` on every instance."""

        def register(fn: Callable[[], Awaitable[None]]) -> Any:
            async def tick() -> None:
                try:
                    await fn()
                except Exception:  # a timer must survive its own failures
                    log.exception("timer_failed", stage=self.name, timer=fn.__name__)

            tick.__name__ = fn.__name__
            return self.app.timer(seconds, name=f"{self.name}.{fn.__name__}")(tick)

        return register

    # -- what a service may ask of the engine ------------------------------------------------
    # Services see these, never the Faust app: a change of engine is checked in this package.

    def active_partitions(self, spec: TopicSpec) -> set[int]:
        """The partitions of `spec` this instance actively owns (not the standby copies of other
        instances' partitions that its table stores may also hold)."""
        full = spec.full_name(self.prefix)
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == full}

    @property
    def recovering(self) -> bool:
        """True while the tables are being restored from their changelogs (after a start or a
        rebalance): reads may be incomplete, so timers that scan tables wait."""
        return bool(getattr(self.app, "in_recovery", False))

    def producer_backlog(self) -> int:
        """Messages waiting in the producer's buffer (table writes and sends not yet taken by
        Kafka): a stage that produces on its own clock slows down above a bound."""
        buffer = getattr(getattr(self.app, "producer", None), "buffer", None)
        return int(getattr(buffer, "size", 0) or 0)

    def on_revoked(self, spec: TopicSpec) -> Callable[[RevokedHook], RevokedHook]:
        """Register `fn(partitions)`, called with the partitions of `spec` this instance loses in
        a rebalance (its in-memory indexes of them are stale from then on)."""
        full = spec.full_name(self.prefix)

        def register(fn: RevokedHook) -> RevokedHook:
            async def revoked(app: Any, /, *args: Any, signal: Any = None, **kwargs: Any) -> None:
                lost = args[0] if args else kwargs.get("revoked", ())
                partitions = {tp.partition for tp in lost if getattr(tp, "topic", None) == full}
                if partitions:
                    await fn(partitions)

            self.app.on_partitions_revoked.connect(revoked)
            return fn

        return register

    def on_shutdown(self, fn: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Register `fn()`, awaited when the stage stops, before its consumers and producers
        (close HTTP clients, cancel background tasks)."""

        async def shutdown(sender: Any, /, *_: Any, signal: Any = None, **__: Any) -> None:
            await fn()

        self.app.on_before_shutdown.connect(shutdown)
        return fn

    def web_route(
        self, path: str, methods: tuple[str, ...] = ("GET",)
    ) -> Callable[[WebHandler], WebHandler]:
        """Serve `handler(request) -> WebResponse` at `path` on the stage's web server."""

        def register(fn: WebHandler) -> WebHandler:
            self.app.page(path)(engine_view(fn, methods))
            return fn

        return register

    # -- processing --------------------------------------------------------------------------

    async def process(self, route: _Route[Any], origin: Origin) -> None:
        """Decode, handle, produce; on failure, retry or dead-letter. Never raises."""
        topic_label = route.spec.name
        self.metrics.messages_in.labels(self.name, topic_label).inc()
        started = time.perf_counter()
        try:
            value = decode_as(route.model, origin.value)
            ctx = Context(self.name, origin)
            outputs = await asyncio.wait_for(
                route.fn(value, ctx), timeout=self.settings.processing_timeout_s
            )
            for emit in outputs or ():
                await self.send(emit)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the taxonomy decides; nothing escapes to crash the agent
            await self._fail(route.spec, origin, exc)
        finally:
            self.metrics.processing_seconds.labels(self.name, topic_label).observe(
                time.perf_counter() - started
            )

    async def send(self, emit: Emit) -> None:
        """Produce one message (attached to the current event: published before its commit)."""
        value = None if emit.value is None else encode(emit.topic, emit.value)
        if value is not None and len(value) > emit.topic.max_message_bytes:
            # The broker would refuse it only after this message's offset is committed (the
            # failure surfaces in a callback): refuse it here, so the input is dead-lettered.
            raise PermanentError(
                f"{type(emit.value).__name__} of {len(value)} bytes is over the "
                f"{emit.topic.max_message_bytes}-byte limit of topic {emit.topic.name}"
            )
        await self.topic(emit.topic).send(key=encode_key(emit.key), value=value)
        self.metrics.messages_out.labels(self.name, emit.topic.name).inc()

    async def _fail(self, spec: TopicSpec, origin: Origin, exc: Exception) -> None:
        error_class = classify(exc)
        retry_after = exc.retry_after_s if isinstance(exc, TransientError) else None
        decision: RetryDecision = retry_decision(
            origin.attempts, error_class, self.settings.retry, self._random(), retry_after
        )
        letter = DeadLetter(
            dead_letter_id=dead_letter_id(self.name, origin.topic, origin.partition, origin.offset),
            stage=self.name,
            source_topic=origin.topic,
            source_partition=origin.partition,
            source_offset=origin.offset,
            key=origin.key,
            value=origin.value,
            headers=origin.headers,
            error_class=error_class,
            error_type=type(exc).__name__,
            error_message=str(exc)[:4000] or type(exc).__name__,
            attempts=origin.attempts,
            failed_at=utcnow(),
            retry_at=utcnow() + timedelta(seconds=decision.delay_s) if decision.retry else None,
        )
        outcome = "retry" if decision.retry else "dlq"
        self.metrics.messages_failed.labels(self.name, spec.name, error_class, outcome).inc()
        log.warning(
            "message_failed",
            stage=self.name,
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            error_class=error_class,
            error_type=type(exc).__name__,
            error=str(exc)[:500],
            attempts=origin.attempts,
            outcome=outcome,
            delay_s=round(decision.delay_s, 3),
        )
        target = self._retry_spec if decision.retry else DLQ
        await self.topic(target).send(key=encode_key(self.name), value=letter.to_bytes())

    def _ensure_retry_agent(self) -> None:
        if getattr(self, "_retry_agent_installed", False):
            return
        self._retry_agent_installed = True
        retry_source = self.topic(self._retry_spec)

        acks.manual(self._retry_spec.full_name(self.prefix))

        async def retry_agent(stream: faust.StreamT[bytes]) -> None:
            # a retry waiting out its delay when the worker stops must be read again
            await _acked_once_handled(stream, lambda m: self._process_retry(m.value, Origin.of(m)))

        # Order does not matter on the retry topic (a retry is already out of order with its
        # source partition), so its messages wait side by side; Faust commits only the acked
        # prefix of the partition, so a crash re-delivers rather than loses a waiting message.
        self.app.agent(
            retry_source,
            name=f"{self.name}.retry",
            concurrency=self.settings.retry.concurrency,
        )(retry_agent)

    async def _process_retry(self, raw: bytes | None, envelope: Origin | None = None) -> None:
        try:
            letter = decode_as(DeadLetter, raw)
        except Exception as exc:  # our own envelope is broken: keep it for inspection
            log.error("retry_envelope_invalid", stage=self.name, error=str(exc))
            if envelope is not None:  # dead-lettered with its bytes, not dropped
                await self._fail(self._retry_spec, envelope, exc)
            return
        route = self._routes.get(letter.source_topic)
        if route is None:
            log.error("retry_unknown_topic", stage=self.name, topic=letter.source_topic)
            await self.topic(DLQ).send(key=encode_key(self.name), value=letter.to_bytes())
            return
        if letter.retry_at is not None:
            wait = (letter.retry_at - utcnow()).total_seconds()
            if wait > RETRY_POLL_S:
                # Not due yet: wait a bounded moment, then re-queue behind the others, so that
                # no message holds a retry slot for its whole backoff.
                await asyncio.sleep(RETRY_POLL_S)
                await self.topic(self._retry_spec).send(
                    key=encode_key(self.name), value=letter.to_bytes()
                )
                return
            if wait > 0:
                await asyncio.sleep(wait)
        origin = Origin(
            topic=letter.source_topic,
            partition=letter.source_partition,
            offset=letter.source_offset,
            key=letter.key,
            value=letter.value,
            headers=letter.headers,
            attempts=letter.attempts + 1,
        )
        await self.process(route, origin)

    # -- running -----------------------------------------------------------------------------

    def run(self) -> None:
        """Run the stage as a worker process until SIGINT/SIGTERM."""
        from faust import Worker

        from newswire.runtime.logging import configure_logging, logging_config

        configure_logging(self.settings.log_level, self.settings.log_format)
        if self.settings.ensure_topics:
            from newswire.kafka.admin import ensure_topics

            asyncio.run(ensure_topics(self.settings.kafka))  # the tables' changelogs too
        worker = Worker(
            self.app,
            loglevel=self.settings.log_level,
            quiet=True,
            redirect_stdouts=False,
            logging_config=logging_config(self.settings.log_level, self.settings.log_format),
        )
        worker.execute_from_commandline()


async def _acked_once_handled(stream: Any, handle: Callable[[Any], Awaitable[None]]) -> None:
    """Feed each message of `stream` to `handle`, acking it only once handled. Faust acks an
    event as soon as the loop leaves it, also when the agent is cancelled mid-handler (SIGTERM,
    a rebalance), and the stopping worker then commits it unprocessed; unacked, it goes to the
    partition's next owner (tests/e2e/test_scale_out.py lost one article without). Faust's own
    acks of messages it skips are refused (newswire.runtime.acks)."""
    async for event in stream.noack().events():
        await handle(event.message)
        acks.finished(event.message)
        event.ack()
