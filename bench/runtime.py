"""Benchmark: the runtime's own CPU per message (`newswire.runtime.Stage` on Faust), the part of
every stage's cost that is not its logic.

On fresh topics of the dev stack's Kafka it produces `--messages` small pages (a backlog), then
starts `bench/runtime_stage.py` (a stage whose handler turns each page into one small article
and does nothing else) as its own process, and reads its output topic. The stage's CPU
(/proc/<pid>/stat) is taken at its first output and at its last, so start-up and the consumer
group's join are left out: CPU per message is the runtime's work of consuming, decoding,
validating, handling, encoding, producing and committing one message with a backlog to read.
`--profile` samples the stage with py-spy meanwhile (non-idle stacks, collapsed, in `--out`).
No timing is asserted anywhere: this reports, it does not judge.

    .venv/bin/newswire devstack up
    .venv/bin/python bench/runtime.py [--messages 20000] [--profile] [--env KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.kafka.admin import delete_topics, ensure_topics, list_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.local.supervisor import free_ports
from newswire.topics import ARTICLES_NORMALISED, PAGES, TopicSpec

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import cpu_seconds, start_py_spy, stop_stage  # noqa: E402 - bench/proc.py, beside this file


def page(n: int) -> FetchedPage:
    url = f"https://bench.example.com/{n}"
    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, headers={"content-type": "text/html; charset=utf-8"},
        fetched_at=datetime.now(UTC), html=f"<html><body><p>Page {n}</p></body></html>",
        charset="utf-8", content_type="text/html", byte_size=40, elapsed_ms=10,
    )


async def produce(kafka: KafkaSettings, n: int, rate: float = 0.0, start: int = 0) -> None:
    """`n` pages, all at once (`rate` 0) or `rate` per second."""
    producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), linger_ms=0 if rate else 20, max_batch_size=256 * 1024)
    await producer.start()
    try:
        topic = PAGES.full_name(kafka.topic_prefix)
        began = time.monotonic()
        for i in range(start, start + n):
            if rate:
                await asyncio.sleep(max(0.0, began + (i - start) / rate - time.monotonic()))
            p = page(i)
            await producer.send(topic, key=p.article_id.encode(), value=p.to_bytes())
        await producer.flush()
    finally:
        await producer.stop()


async def trickle(kafka: KafkaSettings, n: int, rate: float, pid: int, idle_s: float) -> tuple[float, float, int]:
    """The stage's idle CPU per second (measured first, for `idle_s`), then its CPU while `n`
    pages arrive at `rate` per second and are handled; outputs seen."""
    before = cpu_seconds(pid)
    await asyncio.sleep(idle_s)
    idle = (cpu_seconds(pid) - before) / idle_s
    began_cpu, began = cpu_seconds(pid), time.monotonic()
    producing = asyncio.create_task(produce(kafka, n, rate, start=1))
    first_cpu, _, _, seen = await watch(kafka, n + 1, pid, n / rate + 120.0)
    await producing
    return idle, cpu_seconds(pid) - began_cpu - idle * (time.monotonic() - began), seen - 1


async def watch(
    kafka: KafkaSettings, n: int, pid: int, timeout_s: float, topic: TopicSpec = ARTICLES_NORMALISED
) -> tuple[float, float, float, int]:
    """CPU and wall time of the stage between its first output on `topic` and its n-th (distinct
    keys); the CPU at the first; outputs seen."""
    consumer = AIOKafkaConsumer(
        topic.full_name(kafka.topic_prefix), **aiokafka_kwargs(kafka),
        auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
    )
    await consumer.start()
    seen: set[bytes] = set()
    first_cpu = first_wall = 0.0
    deadline = time.monotonic() + timeout_s
    try:
        while len(seen) < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for record in records:
                    if not seen:
                        first_cpu, first_wall = cpu_seconds(pid), time.monotonic()
                    seen.add(record.key or b"")
    finally:
        await consumer.stop()
    return first_cpu, cpu_seconds(pid) - first_cpu, time.monotonic() - first_wall, len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the stage")
    parser.add_argument("--profile", action="store_true", help="sample the stage with py-spy")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "runtime-bench")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="messages per second arriving one by one (0: a backlog, the default)")
    args = parser.parse_args()
    prefix = f"bench-rt-{uuid.uuid4().hex[:8]}."
    kafka = KafkaSettings(topic_prefix=prefix)
    asyncio.run(ensure_topics(kafka))
    args.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="runtime-bench-"))
    # a trickle starts with one page, so that the stage has joined and handled one before the
    # idle measurement
    first = 1 if args.rate else args.messages
    print(f"producing {first} pages on {PAGES.full_name(prefix)} ...", flush=True)
    asyncio.run(produce(kafka, first))
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": prefix,
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_WEB_PORT": str(free_ports(1)[0]),
        "NEWSWIRE_LOG_LEVEL": "WARNING",
        **dict(kv.split("=", 1) for kv in args.env),
    }
    log = (args.out / "stage.log").open("w")
    proc = subprocess.Popen([sys.executable, str(REPO / "bench" / "runtime_stage.py"), "worker"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    spy = None
    try:
        if args.profile:
            spy = start_py_spy(proc.pid, args.out / "runtime-profile.txt")
        if args.rate:
            asyncio.run(watch(kafka, 1, proc.pid, args.timeout))
            idle, cpu, seen = asyncio.run(trickle(kafka, args.messages, args.rate, proc.pid, 10.0))
            wall = args.messages / args.rate
        else:
            _, cpu, wall, seen = asyncio.run(watch(kafka, args.messages, proc.pid, args.timeout))
    finally:
        stop_stage(proc, spy)
        names = [t for t in asyncio.run(list_topics(kafka)) if t.startswith(prefix)]
        asyncio.run(delete_topics(kafka, names))
        shutil.rmtree(data, ignore_errors=True)
    if seen < args.messages:
        raise SystemExit(f"only {seen} of {args.messages} outputs within {args.timeout} s (see {args.out}/stage.log)")
    per = cpu / max(seen - 1, 1) * 1000
    if args.rate:
        print(f"{seen} messages arriving at {args.rate:g}/s: stage CPU {cpu:.2f} s beyond its idle "
              f"{idle * 1000:.1f} ms/s, {per:.3f} ms per message")
    else:
        print(f"{seen} messages: stage CPU {cpu:.2f} s over {wall:.1f} s wall, "
              f"{per:.3f} ms per message, {seen / wall:.0f} messages/s")
    if spy is not None:
        print(f"profile: {args.out / 'runtime-profile.txt'}")


if __name__ == "__main__":
    main()
