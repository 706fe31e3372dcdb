"""The runtime's batching handler without a broker: a batch is acked only once stored, never
when the stage stops mid-batch; what must be tried again waits alone; a handler's own failure is
judged by the error taxonomy; a dead letter that cannot be stored is never dead-lettered again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from newswire.config import RetrySettings
from newswire.runtime import acks
from newswire.runtime.batches import BatchItem, BatchPolicy, BatchResult, BatchRunner
from newswire.runtime.errors import TransientError
from newswire.runtime.metrics import StageMetrics
from newswire.topics import DLQ, FEED_STATUS, TopicSpec
from tests.factories import feed_status

PREFIX = "b."
POLICY = BatchPolicy(max_items=3, max_wait_s=0.01, retry=RetrySettings(base_delay_s=0.001, max_delay_s=0.001, jitter=0.0))


class FakeStage:
    def __init__(self) -> None:
        self.name, self.prefix = "sink", PREFIX
        self.metrics = StageMetrics()
        self.waiting: str | None = None
        self.letters: list[tuple[str, str]] = []

    async def dead_letter(self, spec: TopicSpec, origin: Any, exc: Exception) -> None:
        self.letters.append((spec.name, type(exc).__name__))


class Event:
    def __init__(self, message: Message) -> None:
        self.message = message
        self.acked = False

    def ack(self) -> None:
        # the consumer's ack as patched by the runtime: refused unless finished
        self.acked = acks.may_ack(self.message)


class Stream:
    def __init__(self, batches: list[list[Event]]) -> None:
        self.batches = batches

    def noack(self) -> Stream:
        return self

    async def take_events(self, max_: int, within: float) -> AsyncIterator[list[Event]]:
        for batch in self.batches:
            yield batch


class Message:
    """A consumed message as the engine hands it over (hashable, by identity)."""

    def __init__(self, topic: str, offset: int, value: bytes) -> None:
        self.topic, self.partition, self.offset = topic, 0, offset
        self.key, self.value, self.headers = b"k", value, ()


def record(offset: int, spec: TopicSpec = FEED_STATUS, value: bytes | None = None) -> Message:
    return Message(spec.full_name(PREFIX), offset, value if value is not None else feed_status().to_bytes())


def runner(fn: Any, specs: Sequence[TopicSpec] = (FEED_STATUS, DLQ)) -> tuple[BatchRunner, FakeStage]:
    stage = FakeStage()
    for spec in specs:
        acks.manual(spec.full_name(PREFIX))
    return BatchRunner(stage, specs, fn, POLICY), stage  # type: ignore[arg-type]


async def test_a_batch_is_acked_only_once_stored() -> None:
    stored: list[int] = []
    events = [Event(record(i)) for i in range(3)]

    async def store(items: Sequence[BatchItem]) -> BatchResult:
        assert not any(e.acked for e in events)  # nothing acked while the batch is being stored
        stored.extend(item.ctx.origin.offset for item in items)
        return BatchResult()

    batch, _ = runner(store)
    await batch.run(Stream([events]))
    assert stored == [0, 1, 2] and all(e.acked for e in events)


async def test_a_stage_stopping_mid_batch_acks_nothing() -> None:
    events = [Event(record(i)) for i in range(2)]
    gate = asyncio.Event()

    async def store(items: Sequence[BatchItem]) -> BatchResult:
        await gate.wait()  # Elasticsearch away
        return BatchResult()

    batch, _ = runner(store)
    task = asyncio.create_task(batch.run(Stream([events])))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for e in events:
        e.ack()  # what the engine's take buffer does on the way out: refused
    assert not any(e.acked for e in events)


async def test_what_must_be_tried_again_waits_alone_and_the_stage_says_why() -> None:
    calls: list[list[int]] = []
    waiting: list[str | None] = []

    async def store(items: Sequence[BatchItem]) -> BatchResult:
        calls.append([i.ctx.origin.offset for i in items])
        waiting.append(stage.waiting)
        if len(calls) == 1:
            return BatchResult(retry={1: "HTTP 429"})
        return BatchResult()

    batch, stage = runner(store)
    await batch.store([record(i) for i in range(3)])
    assert calls == [[0, 1, 2], [1]] and waiting == [None, "HTTP 429"] and stage.waiting is None


@pytest.mark.parametrize(
    ("error", "letters", "calls"),
    [(ValueError("a bug"), [("newswire.feeds.status.v1", "ValueError")] * 2, 1),
     (TransientError("away"), [], 2)],
    ids=["permanent", "transient"],
)
async def test_a_handlers_own_failure_is_judged_by_the_taxonomy(error: Exception, letters: list[Any], calls: int) -> None:
    seen: list[int] = []

    async def store(items: Sequence[BatchItem]) -> BatchResult:
        seen.append(len(items))
        if len(seen) == 1:
            raise error
        return BatchResult()

    batch, stage = runner(store)
    await batch.store([record(0), record(1)])
    assert stage.letters == letters and len(seen) == calls


async def test_undecodable_messages_are_dead_lettered_but_never_a_dead_letter() -> None:
    async def store(items: Sequence[BatchItem]) -> BatchResult:
        return BatchResult()

    batch, stage = runner(store)
    await batch.store([record(0, value=b"{bad"), record(1, DLQ, value=b"{bad")])
    assert stage.letters == [("newswire.feeds.status.v1", "ContractViolation")]
