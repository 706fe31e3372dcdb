"""The fault tests' pipeline: the farm under steady load, all six stages as separate processes
(`Supervisor`), the real dev stack, and the ledger check at the end.

The setup follows the e2e test (`tests/e2e/test_pipeline.py`: same environment, same supervisor),
with a steady arrival rate and edits, and helpers a fault test needs: run for a while (restarting
nothing unless asked), stop the arrivals, wait until the system has settled and the ledger
balances, and print what was tried and what was lost.

    async with pipeline(kafka, es_client, index_prefix, tmp_path) as p:
        await p.run_for(20)
        ...inject the fault...
        result = await p.settle()
        p.report("fault name", tried=..., result=result)
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswire.config import KafkaSettings
from newswire.farm import FarmConfig, run_farm
from newswire.farm.ledger import LedgerResult, Outcome, PublishedItem, run_ledger
from newswire.farm.server import Farm
from newswire.local.supervisor import Supervisor, free_ports
from newswire.topics import STAGES

#: Modest load for a 2-core machine shared by five engineers.
ARRIVAL_RATE = 1.0
EDIT_RATE = 0.3
EDIT_AFTER_S = 15.0




def farm_config(**overrides: Any) -> FarmConfig:
    """A small farm with a steady arrival rate and some edits."""
    base: dict[str, Any] = {
        "outlets": 6,
        "port": 0,
        "articles_per_outlet": 2,
        "arrival_rate": ARRIVAL_RATE,
        "edit_rate": EDIT_RATE,
        "edit_after_s": 20.0,
        "generated_edit_after_s": EDIT_AFTER_S,
    }
    return FarmConfig(**(base | overrides))


def pipeline_env(kafka: KafkaSettings, index_prefix: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The stages' environment: the e2e test's short intervals, this test's topics and indices."""
    return {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": index_prefix,
        "NEWSWIRE_STORE": "rocksdb://",  # the store production runs: recovery is tested on it
        "NEWSWIRE_DATA_DIR": str(tmp_path / "state"),
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NEWSWIRE_POLL_INTERVAL_S": "10",
        "NEWSWIRE_MIN_INTERVAL_S": "5",
        "NEWSWIRE_MAX_HINT_S": "10",
        # the farm's initial articles are minutes apart, so the adaptive interval would say "poll
        # every half hour": under a steady arrival rate the test wants every few seconds
        "NEWSWIRE_MAX_INTERVAL_S": "8",
        "NEWSWIRE_MAX_BACKOFF_S": "20",
        "NEWSWIRE_POLL_TICK_S": "1",
        "NEWSWIRE_RECHECK_INITIAL_S": "8",
        "NEWSWIRE_RECHECK_TICK_S": "2",
        "NEWSWIRE_MIN_HOST_DELAY_S": "0",
        "NEWSWIRE_RETRY__BASE_DELAY_S": "0.5",
        **extra,
    }


@dataclass
class Pipeline:
    """A running farm + six stages, with the handles a fault test needs."""

    farm: Farm
    supervisor: Supervisor
    kafka: KafkaSettings
    es: Any
    index_prefix: str
    tmp_path: Path
    started: float = field(default_factory=time.monotonic)
    exits: list[str] = field(default_factory=list)
    """Stages that exited on their own and were restarted by the supervisor (a crash)."""

    def elapsed(self) -> float:
        """Seconds since the stages started."""
        return time.monotonic() - self.started

    def watch(self) -> None:
        """Restart stages that died (as `newswire up` would), remembering that they did."""
        self.exits.extend(self.supervisor.watch())

    def alive(self) -> dict[str, bool]:
        """Each stage process: running now?"""
        return {
            s: c.process is not None and c.process.poll() is None
            for s, c in self.supervisor.children.items()
        }

    async def run_for(self, seconds: float, step: float = 2.0) -> None:
        """Let the system run (watching the stages) for `seconds`."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(step, left))
            self.watch()

    async def until(self, predicate: Any, timeout: float, step: float = 3.0) -> bool:
        """Run until `await predicate()` is true (or `timeout` seconds pass)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.watch()
            if await predicate():
                return True
            await asyncio.sleep(step)
        return False

    def items(self) -> list[PublishedItem]:
        """What the farm has published so far."""
        return [PublishedItem.from_record(r) for r in self.farm.articles()]

    def stop_arrivals(self) -> None:
        """No new articles from now on (already scheduled edits still go live).

        The farm has no switch for this, so the test sets the rate of its own farm's config to 0
        (the catalogue reads it on every step) after publishing what is due.
        """
        self.farm.advance()
        self.farm.config.arrival_rate = 0.0

    async def ledger(self) -> LedgerResult:
        """The ledger over everything published so far."""
        return await run_ledger(self.kafka, self.es, self.index_prefix, self.items())

    async def settle(self, timeout: float = 240.0, quiet_s: float = 10.0) -> LedgerResult:
        """Stop arrivals, let the last edits go live, and wait until the ledger balances with no
        failed fetch; then wait `quiet_s` more and account again (anything late or duplicated
        shows then). Returns the last result, balanced or not."""
        self.stop_arrivals()
        await self.run_for(EDIT_AFTER_S + 2)
        result: LedgerResult | None = None

        async def balanced() -> bool:
            nonlocal result
            result = await self.ledger()
            return result.balanced and not result.counts[Outcome.FETCH_FAILED]

        if await self.until(balanced, timeout, step=5.0):
            await self.run_for(quiet_s)
            result = await self.ledger()
        assert result is not None
        return result

    def logs(self, tail: int = 3000) -> dict[str, str]:
        """The end of each stage's log (for assertion messages)."""
        return {
            p.name: p.read_text(errors="replace")[-tail:]
            for p in (self.tmp_path / "logs").glob("*.log")
        }

    def report(self, fault: str, tried: int, result: LedgerResult, **extra: Any) -> dict[str, Any]:
        """Print what was tried and what was lost (for the README's "What it survives")."""
        line = {
            "fault": fault,
            "tried": tried,
            "items": result.total,
            "lost": len(result.unaccounted),
            "duplicated": len(result.duplicated_articles) + len(result.duplicated_revisions),
            "counts": {o.value: n for o, n in result.counts.items() if n},
            "edits": result.expected_edits,
            "revisions": result.seen_revisions,
            "stage_crashes": len(self.exits),
            **extra,
        }
        if not result.balanced:
            line["problems"] = [
                *(f"unaccounted {a.url}" for a in result.unaccounted[:5]),
                *(f"revision {x.kind} {x.versions} {x.url}" for x in result.revision_problems[:5]),
                *(f"indexed twice {u}" for u in list(result.duplicated_articles)[:5]),
            ]
        print("CHAOS " + json.dumps(line))
        return line


@asynccontextmanager
async def pipeline(
    kafka: KafkaSettings,
    es: Any,
    index_prefix: str,
    tmp_path: Path,
    *,
    config: FarmConfig | None = None,
    env: Mapping[str, str] | None = None,
    stage_env: Mapping[str, dict[str, str]] | None = None,
) -> AsyncIterator[Pipeline]:
    """Farm + feeds registered + six stage processes; everything stopped at the end."""
    from newswire.es.setup import setup, teardown
    from newswire.kafka.admin import ensure_topics
    from newswire.poller.registry import add_feeds
    from newswire.topics import all_topics

    await setup(es, index_prefix)
    try:
        async with run_farm(config or farm_config()) as farm:
            await ensure_topics(kafka, all_topics())
            await add_feeds(kafka, [{"url": u} for u in farm.feed_urls(include_dead=False)])
            supervisor = Supervisor(
                env=pipeline_env(kafka, index_prefix, tmp_path, **(env or {})),
                log_dir=tmp_path / "logs",
                ports=dict(zip(STAGES, free_ports(len(STAGES)))),
                stage_env=dict(stage_env or {}),
            )
            supervisor.start()
            try:
                yield Pipeline(farm, supervisor, kafka, es, index_prefix, tmp_path)
            finally:
                supervisor.stop(grace_s=15)
    finally:
        await teardown(es, index_prefix)


# -- a private Kafka broker (never the shared one) -------------------------------------------------


@dataclass
class PrivateBroker:
    """A second dev-stack Kafka with its own home and port, for tests that kill the broker."""

    home: Path
    port: int
    pid: int | None = None
    _start: Any = None

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        """Start the broker and wait until it serves."""
        from newswire.devstack import kafka as devkafka

        self.pid = self._start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                devkafka.probe("127.0.0.1", self.port)
                return
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"private Kafka on {self.bootstrap} did not come up in {timeout:.0f}s")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the broker's process group (SIGKILL: a crash; SIGTERM: a clean restart)."""
        from newswire.devstack.process import stop_pid

        if self.pid is None:
            return
        if sig == signal.SIGKILL:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            with _suppress_child():
                os.waitpid(self.pid, 0)
        else:
            stop_pid(self.pid, grace_s=30)
        self.pid = None


async def committed_lag(kafka: KafkaSettings, group: str, spec: Any) -> int:
    """How many messages of `spec`'s topic the consumer group has not committed yet (what a
    stage holds back: read or not, it is not done)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from newswire.kafka.clients import aiokafka_kwargs

    topic = spec.full_name(kafka.topic_prefix)
    consumer = AIOKafkaConsumer(**aiokafka_kwargs(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            await consumer._client.force_metadata_update()
            tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = await consumer.end_offsets(tps)
        lag = 0
        for tp in tps:
            lag += ends[tp] - ((await consumer.committed(tp)) or 0)
        return lag
    finally:
        await consumer.stop()


async def warm_up(kafka: KafkaSettings, timeout: float = 90.0) -> None:
    """Make a fresh broker ready for consumer groups: create the registry topics, then join a
    group once (the broker creates its offsets topic on the first join). Faust workers started
    before that declare their changelog topics into a coordinator that is not there yet."""
    from aiokafka import AIOKafkaConsumer

    from newswire.kafka.admin import ensure_topics
    from newswire.kafka.clients import aiokafka_kwargs
    from newswire.topics import FEEDS, all_topics

    await ensure_topics(kafka, all_topics())
    consumer = AIOKafkaConsumer(
        **aiokafka_kwargs(kafka), group_id=f"{kafka.topic_prefix}warm-up", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.subscribe([FEEDS.full_name(kafka.topic_prefix)])
        deadline = time.monotonic() + timeout
        while not consumer.assignment() and time.monotonic() < deadline:
            await consumer.getmany(timeout_ms=1000)
    finally:
        await consumer.stop()


@contextmanager
def _suppress_child() -> Iterator[None]:
    try:
        yield
    except ChildProcessError:
        pass


def _free_port_pair() -> int:
    """A port p with p and p+1 free (Kafka's listener and its controller)."""
    for _ in range(50):
        (port,) = free_ports(1)
        if port + 1 > 65000:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair for a private Kafka")


@contextmanager
def private_broker(home: Path) -> Iterator[PrivateBroker]:
    """A private Kafka (own NEWSWIRE_DEVSTACK_HOME and port), always stopped at the end."""
    from newswire.devstack import kafka as devkafka
    from newswire.devstack import resolve
    from newswire.devstack.config import load_config
    from newswire.devstack.java import find_java

    port = _free_port_pair()
    env = {
        **os.environ,
        "NEWSWIRE_DEVSTACK_HOME": str(home),
        "NEWSWIRE_DEVSTACK_KAFKA_PORT": str(port),
    }
    cfg = load_config(env)
    java = find_java()
    libs = resolve.resolve_kafka(cfg, java)  # a cache hit: the shared dev stack resolved it
    props = devkafka.prepare(cfg, java, libs)
    broker = PrivateBroker(home, port, _start=lambda: devkafka.start(cfg, java, libs, props))
    try:
        broker.start()
        yield broker
    finally:
        broker.kill(signal.SIGTERM)
