"""Batching handlers: the runtime's sink primitive (quix-streams' way: a flush is tied to the
commit of what it flushed).

A stage registers `@stage.batch_handler(specs, ...)` on `async def store(items) -> BatchResult`.
The runtime takes messages from the topics in batches (bounded by count and by a wait counted
from the batch's first message), decodes them against their contracts (what does not decode is
dead-lettered with its bytes), and calls the handler with the rest. The handler says, item by
item, what was stored, what was refused for good (dead-lettered with the reason) and what must
be tried again (the external system asked to slow down, or is away). Items to try again are
retried after an exponential back-off (a pure policy), alone, until stored or refused; meanwhile
the batch's partitions take nothing new (the engine's buffers fill and its flow control stops
fetching) and /healthz answers 503 with the reason. Only then are the batch's messages acked, so
nothing is committed that is not stored: at-least-once delivery, and with idempotent writes,
exactly-once results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newswire.config import RetrySettings
from newswire.contracts import Contract
from newswire.runtime import acks
from newswire.runtime.codec import decode_as
from newswire.runtime.errors import backoff_delay, classify, jitter_source
from newswire.runtime.logging import get_logger
from newswire.topics import DLQ, TopicSpec

from newswire.runtime.messages import Context, Origin

if TYPE_CHECKING:
    from newswire.runtime.stage import Stage

log = get_logger("newswire.runtime")


@dataclass(frozen=True)
class BatchItem:
    """One decoded message of a batch, with where it came from."""

    spec: TopicSpec
    value: Contract
    ctx: Context


@dataclass
class BatchResult:
    """What became of the items of one call, by their index in it; an index in neither map was
    stored."""

    rejected: dict[int, Exception] = field(default_factory=dict)
    """Refused for good: each is dead-lettered with this reason."""
    retry: dict[int, str] = field(default_factory=dict)
    """Not stored yet (429, 5xx, the system away): tried again after a back-off, with this reason."""


BatchHandler = Callable[[Sequence[BatchItem]], Awaitable[BatchResult]]


@dataclass(frozen=True)
class BatchPolicy:
    """How batches are cut and how a batch that could not be stored waits."""

    max_items: int = 500
    max_wait_s: float = 0.25
    """Longest wait for a batch to fill, from its first message."""
    retry: RetrySettings = field(default_factory=RetrySettings)
    """The back-off between tries of what must be tried again (`max_attempts` is not used: a
    batch is never dropped, it waits)."""


class BatchRunner:
    """Stores the batches of one handler for a stage."""

    def __init__(self, stage: Stage, specs: Sequence[TopicSpec], fn: BatchHandler, policy: BatchPolicy) -> None:
        self.stage = stage
        self.fn = fn
        self.policy = policy
        self.specs = {spec.full_name(stage.prefix): spec for spec in specs}
        self.rand = jitter_source

    async def run(self, stream: Any) -> None:
        """The agent: batches from the stream, each acked only once it is stored."""
        async for events in stream.noack().take_events(self.policy.max_items, within=self.policy.max_wait_s):
            await self.store([event.message for event in events])
            for event in events:
                acks.finished(event.message)
                event.ack()

    async def store(self, messages: Sequence[Any]) -> None:
        """Decode, store and dead-letter one batch; returns only when every message is stored
        or dead-lettered (or raises CancelledError when the stage stops: nothing is acked)."""
        stage = self.stage
        items: list[BatchItem] = []
        for message in messages:
            origin = Origin.of(message)
            spec = self.specs[origin.topic]
            stage.metrics.messages_in.labels(stage.name, spec.name).inc()
            try:
                value = decode_as(spec.value, origin.value)
            except Exception as exc:  # bad input never stalls the topic
                await self.dead_letter(spec, origin, exc)
                continue
            items.append(BatchItem(spec, value, Context(stage.name, origin)))
        started = time.perf_counter()
        pending = items
        attempt = 0
        while pending:
            try:
                result = await self.fn(pending)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the handler's own failure: the taxonomy decides
                if classify(exc) == "permanent":
                    result = BatchResult(rejected={i: exc for i in range(len(pending))})
                else:
                    reason = f"{type(exc).__name__}: {exc}"
                    result = BatchResult(retry={i: reason for i in range(len(pending))})
            for i, problem in result.rejected.items():
                item = pending[i]
                await self.dead_letter(item.spec, item.ctx.origin, problem)
            for i, item in enumerate(pending):
                if i not in result.rejected and i not in result.retry:
                    stage.metrics.messages_out.labels(stage.name, item.spec.name).inc()
            retry = [pending[i] for i in sorted(result.retry)]
            if retry:
                attempt += 1
                reason = next(iter(result.retry.values()))
                await self.back_off(attempt, reason, len(retry))
            pending = retry
        stage.waiting = None
        if items:
            elapsed = (time.perf_counter() - started) / len(items)
            for item in items:
                stage.metrics.processing_seconds.labels(stage.name, item.spec.name).observe(elapsed)

    async def back_off(self, attempt: int, reason: str, items: int) -> None:
        """Wait before the next try; /healthz says why meanwhile."""
        delay = backoff_delay(attempt, self.policy.retry, self.rand())
        self.stage.waiting = reason[:300]
        log.warning(
            "batch_backing_off", stage=self.stage.name, attempt=attempt, items=items,
            delay_s=round(delay, 2), reason=reason[:300],
        )
        await asyncio.sleep(delay)

    async def dead_letter(self, spec: TopicSpec, origin: Origin, exc: Exception) -> None:
        """A message that cannot be stored goes to the dead-letter topic with its bytes and the
        reason; one from the dead-letter topic itself stays there (never a loop)."""
        if spec is DLQ:
            self.stage.metrics.messages_failed.labels(self.stage.name, spec.name, "permanent", "kept").inc()
            log.warning(
                "dead_letter_not_stored", stage=self.stage.name, topic=origin.topic, partition=origin.partition,
                offset=origin.offset, error=str(exc)[:500],
            )
            return
        await self.stage.dead_letter(spec, origin, exc)  # it records a transient class as permanent
