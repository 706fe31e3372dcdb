"""The sink's batch loop with a scripted bulk writer: 429/5xx retried with consumption paused,
400 rejected into a dead letter, a transport failure waited out; nothing dropped."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.structs import ConsumerRecord, TopicPartition

from newswire.config import KafkaSettings, RetrySettings
from newswire.sink.batching import BatchLimits
from newswire.sink.documents import Action
from newswire.sink.settings import SinkSettings
from newswire.sink.wiring import Sink
from newswire.topics import ARTICLES_ENRICHED
from tests.factories import enriched_article


class ScriptedWriter:
    """Answers each write with the next scripted outcome: a list of statuses or an exception."""

    def __init__(self, script: list[Any]) -> None:
        self.script = script
        self.calls: list[list[Action]] = []

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]:
        self.calls.append(actions)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return [(s, None if s < 300 else f"status {s}") for s in step]


class PausingConsumer:
    """Just what the back-off touches: assignment, pause/resume and an empty poll."""

    def __init__(self) -> None:
        self.paused: list[int] = []
        self.resumed = 0
        self.tp = TopicPartition("t", 0)

    def assignment(self) -> set[TopicPartition]:
        return {self.tp}

    def pause(self, *tps: TopicPartition) -> None:
        self.paused.append(len(tps))

    def resume(self, *tps: TopicPartition) -> None:
        self.resumed += 1

    async def getmany(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        return {}


def _sink(writer: ScriptedWriter, inflight: int = 2) -> tuple[Sink, list[str]]:
    settings = SinkSettings(
        kafka=KafkaSettings(topic_prefix="u."), retry=RetrySettings(base_delay_s=0.001, jitter=0.0),
        es_retry_max_delay_s=0.001, max_inflight_batches=inflight,
    )
    sink = Sink(settings, writer)
    sink.consumer = PausingConsumer()  # type: ignore[assignment]
    letters: list[str] = []

    async def dead_letter(record: ConsumerRecord, exc: Exception, error_type: str) -> None:
        letters.append(f"{record.offset}:{error_type}:{exc}")

    sink.dead_letter = dead_letter  # type: ignore[method-assign]
    return sink, letters


def _records(n: int) -> list[ConsumerRecord]:
    value = enriched_article().to_bytes()
    return [
        ConsumerRecord(ARTICLES_ENRICHED.full_name("u."), 0, i, 0, 0, b"k", value, None, len(b"k"), len(value), ())
        for i in range(n)
    ]


async def test_429_and_5xx_items_are_retried_alone() -> None:
    writer = ScriptedWriter([[201, 429, 503], [429, 200], [201]])
    sink, letters = _sink(writer)
    await sink.handle_batch(_records(3))
    assert [len(c) for c in writer.calls] == [3, 2, 1]  # only what is not stored yet goes again
    assert letters == [] and sink.healthy and sink.documents == 3


class FeedingConsumer(PausingConsumer):
    """Hands out scripted batches (nothing while paused) and records commits."""

    def __init__(self, batches: list[list[ConsumerRecord]]) -> None:
        super().__init__()
        self.batches = batches
        self.is_paused = False
        self.commits: list[dict[TopicPartition, int]] = []
        self.polls_while_paused = 0

    def pause(self, *tps: TopicPartition) -> None:
        super().pause(*tps)
        self.is_paused = True

    def resume(self, *tps: TopicPartition) -> None:
        super().resume(*tps)
        self.is_paused = False

    async def getmany(self, timeout_ms: int = 0, **_: Any) -> dict[Any, Any]:
        await asyncio.sleep(0.001)
        if self.is_paused:
            self.polls_while_paused += 1
            return {}
        if not self.batches:
            return {}
        return {self.tp: self.batches.pop(0)}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets)

    def highwater(self, tp: TopicPartition) -> None:
        return None


class GatedWriter:
    """Stores nothing until the test opens the gate (Elasticsearch away), then acknowledges all."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.writes = 0

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]:
        self.writes += 1
        await self.gate.wait()
        return [(201, None)] * len(actions)


async def test_a_full_pipeline_pauses_consumption_and_commits_in_order() -> None:
    records = _records(6)
    writer = GatedWriter()
    sink, _ = _sink(ScriptedWriter([]))
    sink.writer = writer
    sink.limits = BatchLimits(max_docs=2, max_bytes=1 << 20, max_wait_s=0.01)
    consumer = FeedingConsumer([records[0:2], records[2:4], records[4:6]])
    sink.consumer = consumer  # type: ignore[assignment]
    run = asyncio.create_task(sink.run())
    while consumer.polls_while_paused < 3:
        await asyncio.sleep(0.01)
    # two batches in the pipeline, one bulk request at a time, the third batch not fetched,
    # nothing committed
    assert writer.writes == 1 and len(consumer.batches) == 1 and consumer.commits == []
    writer.gate.set()
    while len(consumer.commits) < 3:
        await asyncio.sleep(0.01)
    sink.stopping.set()
    await run
    assert [list(c.values()) for c in consumer.commits] == [[2], [4], [6]]


async def test_a_400_becomes_a_dead_letter_and_a_409_is_a_stale_duplicate() -> None:
    writer = ScriptedWriter([[201, 400, 409]])
    sink, letters = _sink(writer)
    await sink.handle_batch(_records(3))
    assert len(writer.calls) == 1
    assert len(letters) == 1 and letters[0].startswith("1:DocumentRejected:") and "HTTP 400" in letters[0]


async def test_a_cluster_that_does_not_answer_is_waited_for() -> None:
    writer = ScriptedWriter([ConnectionError("refused"), ConnectionError("refused"), [201, 201]])
    sink, letters = _sink(writer)
    await sink.handle_batch(_records(2))
    assert len(writer.calls) == 3 and letters == [] and sink.healthy


async def test_an_undecodable_record_is_dead_lettered_without_a_write() -> None:
    writer = ScriptedWriter([[201]])
    sink, letters = _sink(writer)
    bad = _records(2)
    bad[0].value = b"{not json"
    await sink.handle_batch(bad)
    assert len(letters) == 1 and letters[0].startswith("0:") and len(writer.calls[0]) == 1
