"""Delivery conformance of `newswire.runtime.Stage` on the real broker (issue #19): the
at-least-once guarantee, checked in one place for whatever engine runs under `Stage`.

Every case runs the test stage (`conformance_stage.py`) as its own process on its own topics,
feeds it numbered inputs, injects a fault, and ends with the same two checks:

- *nothing lost*: every input produced its output (an article keyed by the input's id) at least
  once, or its dead letter;
- *nothing processed again once committed*: the group's committed offsets are sampled throughout
  the case; no message is committed before its first handling starts, and a message is handled
  again only if the group had not committed it when the handling process last took its partition
  (its start, or a rebalance: `Case.redeliveries_of_committed`). The duplicates are the
  redeliveries of uncommitted messages, which idempotent writes (deterministic ids, the output
  keyed by the input) absorb.

Each case states on top of that what its fault allows; README "Delivery conformance" sums them up.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle
from newswire.kafka.clients import aiokafka_kwargs
from newswire.runtime.codec import encode
from newswire.topics import DLQ, retry_spec

from tests.factories import fetched_page
from tests.integration.runtime.conformance_stage import (
    INPUT,
    OUTPUT,
    PERMANENT_REASON,
    PREFIX,
    STAGE,
    Handled,
    id_of,
    url_of,
)
from tests.integration.stage_process import StageProcess

MODULE = "tests.integration.runtime.conformance_stage"

#: Timing knobs of the engine (Faust reads these names from the environment), not semantics: a
#: member killed with -9 is out of the group after 6 s instead of 60, so a restart or a survivor
#: takes its partitions over within the time box. Another engine maps its own.
ENGINE_TIMING = {
    "BROKER_SESSION_TIMEOUT": "6",
    "BROKER_HEARTBEAT_INTERVAL": "1",
    "BROKER_REBALANCE_TIMEOUT": "20",
}
#: Faust's periodic commit, made longer than a case (case 4: processed, never committed).
NO_PERIODIC_COMMIT = {"BROKER_COMMIT_INTERVAL": "300"}


# -- the world of one case --------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the test stage's journal: a handling started, finished or failed."""

    kind: str  # start | done | transient | permanent
    id: int
    attempt: int
    pid: int
    partition: int
    offset: int
    at: float


def input_bytes(n: int) -> bytes:
    page = fetched_page().model_dump() | {"html": f"{PREFIX}{n}", "final_url": url_of(n)}
    return encode(INPUT, FetchedPage.model_validate(page))


@dataclass
class Case:
    """The stage processes of one case, its inputs, and what the broker shows of them: outputs,
    dead letters, retry envelopes, and the group's committed offsets over time."""

    kafka: KafkaSettings
    tmp: Path
    env: dict[str, str]
    inputs: dict[int, tuple[int, int]] = field(default_factory=dict)
    """id -> (partition, offset) on the input topic"""
    sent: dict[int, bytes] = field(default_factory=dict)
    """id -> the input's bytes"""
    outputs: list[Handled] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    retries: list[DeadLetter] = field(default_factory=list)
    commits: list[tuple[float, dict[int, int]]] = field(default_factory=list)
    """(time.time() after the answer, partition -> committed offset)"""
    processes: list[StageProcess] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def journal(self) -> Path:
        return self.tmp / "journal.txt"

    @property
    def group(self) -> str:
        return f"{self.kafka.topic_prefix}newswire-{STAGE}"

    @property
    def input_topic(self) -> str:
        return INPUT.full_name(self.kafka.topic_prefix)

    def process(self, name: str = "a", **env: str) -> StageProcess:
        """A stage process of this case (not started); all of them share the consumer group."""
        p = StageProcess(
            STAGE, self.kafka, self.tmp,
            {**ENGINE_TIMING, **self.env, "CONFORMANCE_JOURNAL": str(self.journal), **env},
            module=MODULE, name=f"conformance-{name}",
        )
        self.processes.append(p)
        return p

    # -- the broker's view, kept up to date in the background -----------------------------------

    async def start_watching(self) -> None:
        kw = aiokafka_kwargs(self.kafka)
        prefix = self.kafka.topic_prefix
        consumer = AIOKafkaConsumer(
            OUTPUT.full_name(prefix), DLQ.full_name(prefix), retry_spec(STAGE).full_name(prefix),
            **kw, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False,
        )
        admin = AIOKafkaAdminClient(**kw)
        await consumer.start()
        await admin.start()

        async def read() -> None:
            try:
                while True:
                    batch = await consumer.getmany(timeout_ms=300)
                    for tp, records in batch.items():
                        for r in records:
                            if tp.topic == OUTPUT.full_name(prefix):
                                text = NormalisedArticle.model_validate_json(r.value).text
                                self.outputs.append(Handled(**json.loads(text)))
                            elif tp.topic == DLQ.full_name(prefix):
                                self.letters.append(DeadLetter.model_validate_json(r.value))
                            else:
                                self.retries.append(DeadLetter.model_validate_json(r.value))
            finally:
                await consumer.stop()

        async def sample() -> None:
            try:
                while True:
                    try:
                        offsets = await admin.list_consumer_group_offsets(self.group)
                    except KafkaError:  # no coordinator for the group yet: try again
                        await asyncio.sleep(0.5)
                        continue
                    committed = {
                        tp.partition: meta.offset
                        for tp, meta in offsets.items()
                        if tp.topic == self.input_topic and meta.offset >= 0
                    }
                    self.commits.append((time.time(), committed))
                    await asyncio.sleep(0.25)
            finally:
                await admin.close()

        self._tasks = [asyncio.create_task(read()), asyncio.create_task(sample())]

    async def close(self) -> None:
        for p in self.processes:
            await asyncio.to_thread(p.stop, 10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- inputs and waiting ----------------------------------------------------------------------

    async def produce(self, ids: range) -> None:
        producer = AIOKafkaProducer(**aiokafka_kwargs(self.kafka), acks="all")
        await producer.start()
        try:
            for n in ids:
                self.sent[n] = input_bytes(n)
                meta = await producer.send_and_wait(self.input_topic, key=f"c{n}".encode(), value=self.sent[n])
                self.inputs[n] = (meta.partition, meta.offset)
        finally:
            await producer.stop()

    async def until(self, predicate: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}\n{self.diagnosis()}")
            await asyncio.sleep(0.1)

    def diagnosis(self) -> str:
        handled = sorted({h.id for h in self.outputs})
        logs = "\n".join(f"--- {p.name}\n{p.log()[-2500:]}" for p in self.processes)
        return f"outputs of ids {handled}\nletters {len(self.letters)}\ncommits {self.latest()}\n{logs}"

    # -- what happened ---------------------------------------------------------------------------

    def steps(self) -> list[Step]:
        if not self.journal.exists():
            return []
        steps = []
        for line in self.journal.read_text().splitlines():
            kind, *nums = line.split()
            if len(nums) == 6:  # a line cut by a kill -9 has fewer fields
                n, attempt, pid, partition, offset = (int(x) for x in nums[:5])
                steps.append(Step(kind, n, attempt, pid, partition, offset, float(nums[5])))
        return steps

    def in_flight(self, pid: int) -> set[int]:
        """Ids whose handling started in process `pid` and never ended there."""
        started: set[tuple[int, int]] = set()
        ended: set[tuple[int, int]] = set()
        for s in self.steps():
            if s.pid == pid:
                (started if s.kind == "start" else ended).add((s.id, s.attempt))
        return {n for n, _ in started - ended}

    def done_by(self, pid: int) -> set[int]:
        return {h.id for h in self.outputs if h.pid == pid}

    def count(self) -> Counter[int]:
        return Counter(h.id for h in self.outputs)

    def latest(self) -> dict[int, int]:
        return dict(self.commits[-1][1]) if self.commits else {}

    async def committed_now(self) -> dict[int, int]:
        """The group's committed offsets, sampled after this call started."""
        since = time.time()
        await self.until(lambda: bool(self.commits) and self.commits[-1][0] > since, "a commit sample", 15)
        return self.latest()

    def ends(self) -> dict[int, int]:
        """partition -> one past the last input's offset"""
        ends: dict[int, int] = {}
        for partition, offset in self.inputs.values():
            ends[partition] = max(ends.get(partition, 0), offset + 1)
        return ends

    def all_committed(self) -> bool:
        latest = self.latest()
        return all(latest.get(p, 0) >= end for p, end in self.ends().items())

    def retried(self) -> set[int]:
        """Ids of the inputs with an envelope on the retry topic."""
        return {id_of(FetchedPage.model_validate_json(r.value or b"")) for r in self.retries}

    def has_output(self, ids: set[int] | range) -> bool:
        return set(ids) <= {h.id for h in self.outputs}

    # -- the checks every case ends with -----------------------------------------------------

    async def assert_conforms(self, *, dead: frozenset[int] = frozenset()) -> Counter[int]:
        """Nothing lost; nothing handled again after it was committed; the group commits every
        input in the end. Returns how often each id's output was produced."""
        await self.until(lambda: self.has_output(set(self.inputs) - dead), "an output of every input")
        await self.until(self.all_committed, "the group to commit every input", 30)
        counts = self.count()
        lost = sorted(set(self.inputs) - dead - set(counts))
        assert not lost, f"lost: {lost}"
        assert not set(counts) & dead, f"outputs of inputs that must fail: {sorted(set(counts) & dead)}"
        violations = self.redeliveries_of_committed()
        assert not violations, "\n".join(violations)
        return counts

    def redeliveries_of_committed(self) -> list[str]:
        """Handlings (first attempts) the group's commits rule out: a message's first handling
        starting after the group committed past it (it was skipped), or a later one although the
        group had committed past it before the handling process last took its partitions (its
        start, or a rebalance). A copy fetched before a commit may still be handled after it."""
        steps = self.steps()
        epochs: dict[int, list[float]] = defaultdict(list)
        first: dict[int, float] = {}
        for s in steps:
            if s.kind in ("boot", "revoked"):
                epochs[s.pid].append(s.at)
            elif s.kind == "start" and s.attempt == 1:
                first[s.id] = min(first.get(s.id, s.at), s.at)

        def committed_past(partition: int, offset: int, before: float) -> tuple[float, int] | None:
            for at, committed in self.commits:
                if at < before and committed.get(partition, 0) > offset:
                    return at, committed[partition]
            return None

        violations = []
        for s in steps:
            if s.kind != "start" or s.attempt != 1:
                continue
            assert (s.partition, s.offset) == self.inputs[s.id]
            where = f"id {s.id} (partition {s.partition} offset {s.offset}), handled by {s.pid} at {s.at:.2f}"
            if s.at == first[s.id]:
                if (seen := committed_past(s.partition, s.offset, s.at)) is not None:
                    violations.append(f"{where}: committed ({seen[1]} at {seen[0]:.2f}) before its first handling")
                continue
            epoch = max((t for t in epochs[s.pid] if t <= s.at), default=s.at)
            if (seen := committed_past(s.partition, s.offset, epoch)) is not None:
                violations.append(
                    f"{where}: handled again although committed ({seen[1]} at {seen[0]:.2f}) before "
                    f"its process took the partition ({epoch:.2f})"
                )
        return violations


@pytest.fixture
async def case_of(own_topics: KafkaSettings, tmp_path: Path) -> AsyncIterator[Callable[..., Case]]:
    cases: list[Case] = []

    def make(**env: str) -> Case:
        case = Case(own_topics, tmp_path, dict(env))
        cases.append(case)
        return case

    yield make
    for case in cases:
        await case.close()


def pid_of(p: StageProcess) -> int:
    assert p.proc is not None
    return p.proc.pid


def duplicates(counts: Counter[int]) -> set[int]:
    return {n for n, c in counts.items() if c > 1}


# -- the cases ----------------------------------------------------------------------------------


async def test_kill_9_with_messages_in_flight(case_of: Callable[..., Case]) -> None:
    """1. kill -9 while several messages are in flight (concurrency 4, slow handler), restart.
    Allowed: the messages not committed at the kill (those in flight, and finished ones the
    periodic commit had not covered yet) are handled again; nothing committed is."""
    case = case_of(CONFORMANCE_SLEEP_S="1.0", CONFORMANCE_CONCURRENCY="4")
    await case.start_watching()
    a = case.process().start()
    await case.produce(range(40))
    await case.until(lambda: any(o > 0 for o in case.latest().values()), "a first commit")
    a.kill()
    killed = pid_of(a)
    in_flight = case.in_flight(killed)
    at_kill = await case.committed_now()
    assert len(in_flight) >= 2, f"only {sorted(in_flight)} in flight at the kill"

    a.start()
    counts = await case.assert_conforms()
    after = case.done_by(pid_of(a))
    for n in after:  # what the restart handled: only messages the group had not committed
        partition, offset = case.inputs[n]
        assert offset >= at_kill.get(partition, 0), (n, at_kill)
    assert in_flight <= after, "a message in flight at the kill was not redelivered"
    again = after & case.done_by(killed)
    assert duplicates(counts) == again
    committed = sum(at_kill.values())
    print(f"kill -9: {committed} committed, {len(in_flight)} in flight, {len(again)} finished but "
          f"uncommitted handled again")


async def test_sigterm_during_processing(case_of: Callable[..., Case]) -> None:
    """2. SIGTERM while messages are in flight. What the runtime promises: the stop does not wait
    for handlers in flight (they are cancelled, not acked) and commits what was finished, up to
    the first unfinished message of each partition; a restart handles the cancelled messages and
    nothing else again: every output exactly once unless a finished message sat behind a
    cancelled one in its partition."""
    case = case_of(CONFORMANCE_SLEEP_S="1.5", CONFORMANCE_CONCURRENCY="4")
    await case.start_watching()
    a = case.process().start()
    await case.produce(range(16))
    await case.until(lambda: len(case.outputs) >= 4, "4 outputs")
    await asyncio.sleep(0.5)  # the next ones are in flight
    started = time.monotonic()
    await asyncio.to_thread(a.stop, 30)
    stop_s = time.monotonic() - started
    assert a.proc is not None and a.proc.returncode != -signal.SIGKILL, "the stop needed a kill"
    stopped = pid_of(a)
    at_stop = await case.committed_now()
    finished = case.done_by(stopped)
    cut_off = case.in_flight(stopped)
    # the finished prefix of every partition is committed
    for partition in case.ends():
        offsets = sorted(o for n, (p, o) in case.inputs.items() if p == partition)
        prefix = 0
        for o in offsets:
            if not any(case.inputs[n] == (partition, o) for n in finished):
                break
            prefix = o + 1
        assert at_stop.get(partition, 0) >= prefix, (partition, prefix, at_stop)

    a.start()
    counts = await case.assert_conforms()
    again = duplicates(counts)
    for n in again:  # only finished messages behind a cancelled one were handled twice
        partition, offset = case.inputs[n]
        assert offset >= at_stop.get(partition, 0), (n, at_stop)
    assert cut_off <= case.done_by(pid_of(a))
    print(f"SIGTERM: stopped in {stop_s:.1f} s, {len(finished)} finished, {len(cut_off)} cut off, "
          f"{len(again)} handled twice")


async def test_rebalance_while_in_flight(case_of: Callable[..., Case]) -> None:
    """3. A second instance joins while messages are in flight, then is killed -9 while handling
    its share. Allowed: messages in flight on partitions that moved (either way) are handled
    again by the new owner; nothing committed is."""
    case = case_of(CONFORMANCE_SLEEP_S="1.0", CONFORMANCE_CONCURRENCY="2")
    await case.start_watching()
    a = case.process("a").start()
    await case.produce(range(48))
    await case.until(lambda: len(case.outputs) >= 4, "4 outputs of the first instance")
    b = case.process("b").start()
    await case.until(lambda: len(case.done_by(pid_of(b))) >= 3, "3 outputs of the second instance", 90)
    b.kill()
    killed = pid_of(b)
    in_flight = case.in_flight(killed)
    at_kill = await case.committed_now()

    counts = await case.assert_conforms()
    assert in_flight <= case.done_by(pid_of(a)), "a message in flight in the killed instance was lost"
    for n in in_flight:
        partition, offset = case.inputs[n]
        assert offset >= at_kill.get(partition, 0)
    print(f"rebalance: b handled {len(case.done_by(killed))}, {len(in_flight)} in flight at its kill, "
          f"{len(duplicates(counts))} handled twice")


async def test_processed_but_never_committed(case_of: Callable[..., Case]) -> None:
    """4. Messages processed (outputs produced) but not committed when the process is killed
    (before the commit interval): all of them are handled again after the restart; the ones
    committed before are not."""
    case = case_of(CONFORMANCE_CONCURRENCY="2")
    await case.start_watching()
    first = case.process("a").start()
    await case.produce(range(16))
    await case.until(lambda: case.has_output(range(16)), "the first batch")
    await case.until(case.all_committed, "the first batch to be committed", 30)
    await asyncio.to_thread(first.stop, 30)
    committed_before = dict(case.latest())

    held = case.process("b", **NO_PERIODIC_COMMIT).start()
    await case.produce(range(16, 32))
    await case.until(lambda: case.has_output(range(16, 32)), "the second batch")
    await asyncio.sleep(4)  # longer than the default commit interval (2.8 s)
    assert await case.committed_now() == committed_before, "committed although the interval is long"
    held.kill()

    restarted = case.process("c").start()
    counts = await case.assert_conforms()
    assert case.done_by(pid_of(restarted)) == set(range(16, 32)), "redelivered: exactly the uncommitted"
    assert duplicates(counts) == set(range(16, 32))


async def test_retry_survives_kill_and_permanent_goes_to_dlq_once(case_of: Callable[..., Case]) -> None:
    """5. A transient failure waiting out its delay (`retry_after_s`) on the retry topic when the
    process is killed -9 (its input committed): after the restart it still completes, after its
    delay, never lost (more than once if envelopes of it were not committed). A permanent failure:
    one dead letter with the reason and the original bytes, and no output (a redelivered input
    would write the same dead-letter id again; here the input is committed, so exactly one)."""
    retry_after = 15.0
    transient, permanent = {2, 6}, {4}
    case = case_of(
        CONFORMANCE_SLEEP_S="0.2", CONFORMANCE_CONCURRENCY="2",
        CONFORMANCE_TRANSIENT="2,6", CONFORMANCE_PERMANENT="4", CONFORMANCE_RETRY_AFTER_S=str(retry_after),
    )
    await case.start_watching()
    a = case.process().start()
    await case.produce(range(10))
    await case.until(
        lambda: case.has_output(set(range(10)) - transient - permanent)
        and case.retried() >= transient
        and len(case.letters) >= 1,
        "the outputs, the retries and the dead letter",
    )
    # every input committed: the retries survive the kill on the retry topic alone
    await case.until(case.all_committed, "the inputs to be committed", 20)
    failed_at = {s.id: s.at for s in case.steps() if s.kind == "transient"}
    a.kill()
    assert not [h for h in case.outputs if h.id in transient], "retried before its delay"

    a.start()
    counts = await case.assert_conforms(dead=frozenset(permanent))
    assert not [s for s in case.steps() if s.pid == pid_of(a) and s.kind == "start" and s.attempt == 1]
    for n in transient:
        retried = [h for h in case.outputs if h.id == n]
        assert all(h.attempt >= 2 for h in retried), retried
        assert all(h.pid == pid_of(a) for h in retried), "the retry completed before the kill"
        assert min(h.started for h in retried) >= failed_at[n] + retry_after - 0.5, "delay not waited out"
    await asyncio.sleep(2)  # a second dead letter, if any, would be in by now
    partition, offset = case.inputs[4]
    letters = {letter.dead_letter_id: letter for letter in case.letters}
    assert len(letters) == 1, [(x.source_offset, x.error_message) for x in case.letters]
    assert len(case.letters) == 1, "a second dead letter although its input was committed"
    letter = next(iter(letters.values()))
    assert letter.value == case.sent[4] and letter.key == b"c4"
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (case.input_topic, partition, offset)
    assert (letter.error_class, letter.error_type, letter.error_message) == ("permanent", "PermanentError", PERMANENT_REASON)
    assert letter.stage == STAGE and letter.attempts == 1
    print(f"retry: outputs of the retried {sorted(counts[n] for n in transient)}, "
          f"{len(case.letters)} dead letter record(s), {len(case.retries)} retry envelopes")
