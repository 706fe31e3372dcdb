"""The sink's store with a scripted bulk writer, run by the runtime's batch runner: 429/5xx items
retried alone after a back-off, 400 rejected into a dead letter with the reason, 409 a stale
duplicate, a cluster that does not answer waited for; nothing dropped."""

from __future__ import annotations

from typing import Any

from aiokafka.structs import ConsumerRecord

from newswire.config import RetrySettings
from newswire.runtime.batches import BatchPolicy, BatchRunner
from newswire.runtime.metrics import StageMetrics
from newswire.sink.documents import Action
from newswire.sink.wiring import SOURCES, Store
from newswire.topics import ARTICLES_ENRICHED, FEED_STATUS, TopicSpec
from tests.factories import enriched_article, feed_status

PREFIX = "u."


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


class FakeStage:
    """What the batch runner touches of a stage: names, metrics, the waiting reason, dead letters."""

    def __init__(self) -> None:
        self.name, self.prefix = "sink", PREFIX
        self.metrics = StageMetrics()
        self.waiting: str | None = None
        self.waited: list[str] = []
        self.letters: list[str] = []

    async def dead_letter(self, spec: TopicSpec, origin: Any, exc: Exception) -> None:
        self.letters.append(f"{origin.offset}:{type(exc).__name__}:{exc}")


def runner(writer: ScriptedWriter) -> tuple[BatchRunner, FakeStage]:
    stage = FakeStage()
    policy = BatchPolicy(max_items=10, max_wait_s=0.01, retry=RetrySettings(base_delay_s=0.001, max_delay_s=0.001, jitter=0.0))
    batch = BatchRunner(stage, SOURCES, Store(writer, "idx"), policy)  # type: ignore[arg-type]
    original = batch.back_off

    async def back_off(attempt: int, reason: str, items: int) -> None:
        await original(attempt, reason, items)
        stage.waited.append(stage.waiting or "")

    batch.back_off = back_off  # type: ignore[method-assign]
    return batch, stage


def records(n: int, spec: TopicSpec = ARTICLES_ENRICHED, value: bytes | None = None) -> list[ConsumerRecord]:
    body = value if value is not None else (enriched_article() if spec is ARTICLES_ENRICHED else feed_status()).to_bytes()
    return [
        ConsumerRecord(spec.full_name(PREFIX), 0, i, 0, 0, b"k", body, None, 1, len(body), ())
        for i in range(n)
    ]


def out(stage: FakeStage, spec: TopicSpec = ARTICLES_ENRICHED) -> float:
    return stage.metrics.messages_out.labels("sink", spec.name)._value.get()


async def test_429_and_5xx_items_are_retried_alone() -> None:
    writer = ScriptedWriter([[201, 429, 503], [429, 200], [201]])
    batch, stage = runner(writer)
    await batch.store(records(3))
    assert [len(c) for c in writer.calls] == [3, 2, 1]  # only what is not stored yet goes again
    assert stage.letters == [] and out(stage) == 3
    assert len(stage.waited) == 2 and "HTTP 429" in stage.waited[0]  # /healthz said why meanwhile
    assert stage.waiting is None  # and is healthy again


async def test_a_400_becomes_a_dead_letter_and_a_409_is_a_stale_duplicate() -> None:
    writer = ScriptedWriter([[201, 400, 409]])
    batch, stage = runner(writer)
    await batch.store(records(3))
    assert len(writer.calls) == 1
    assert len(stage.letters) == 1 and stage.letters[0].startswith("1:DocumentRejected:") and "HTTP 400" in stage.letters[0]
    assert out(stage) == 2


async def test_a_cluster_that_does_not_answer_is_waited_for() -> None:
    writer = ScriptedWriter([ConnectionError("refused"), ConnectionError("refused"), [201, 201]])
    batch, stage = runner(writer)
    await batch.store(records(2))
    assert len(writer.calls) == 3 and stage.letters == [] and stage.waiting is None
    assert all("bulk failed: ConnectionError: refused" in w for w in stage.waited)


async def test_an_undecodable_record_is_dead_lettered_without_a_write() -> None:
    writer = ScriptedWriter([[201]])
    batch, stage = runner(writer)
    bad = records(2)
    bad[0].value = b"{not json"
    await batch.store(bad)
    assert len(stage.letters) == 1 and stage.letters[0].startswith("0:") and len(writer.calls[0]) == 1


async def test_a_feed_status_is_two_documents_stored_or_retried_together() -> None:
    """Its latest-state and poll-log documents: one still refused with a 429 keeps the message
    pending, and only the message's outcome counts once."""
    writer = ScriptedWriter([[201, 429], [201, 201]])
    batch, stage = runner(writer)
    await batch.store(records(1, FEED_STATUS))
    assert [len(c) for c in writer.calls] == [2, 2] and stage.letters == []
    assert out(stage, FEED_STATUS) == 1
