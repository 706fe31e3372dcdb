"""Poller throughput on one process: the real stage (`newswire run poller`) on the dev stack's
Kafka against the feeds farm (a child process whose CPU is not counted).

N feeds over H loopback hosts; a `--changing-share` of them (10% by default) gains an item on
every request, the others answer 304 to a conditional GET once known. Every feed's interval is
fixed at `--interval` (5 min by default, no jitter): the target is every feed polled once per
5 minutes by one process. Two phases, from the FeedStatus messages and the poller's CPU
(/proc/<pid>/stat, start-up excluded):

* cold: every feed's first poll (all 200s, every item a fetch request), including the feeds'
  ingestion from the registry topic;
* warm: every feed's second poll, due `--interval` after its first (about 90% 304s): the
  steady state. Lateness = how long after its due time each poll started (the poller keeps
  up if it stays small); CPU seconds per 1,000 polls give the capacity of one core.

Politeness stays on (per-host concurrency 2, 0.5 s between starts to one host).

    .venv/bin/python bench/poller.py                        # 10,000 feeds, 500 hosts
    .venv/bin/python bench/poller.py --feeds 1000 --hosts 50   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, utcnow
from newswire.contracts.ids import feed_id
from newswire.kafka.admin import delete_topics, ensure_topics, list_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.poller.registry import publish
from newswire.topics import FEED_STATUS, all_topics

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import cpu_seconds  # noqa: E402 - bench/proc.py, beside this file

REPO = Path(__file__).resolve().parents[1]


def start_farm(feeds: int, hosts: int, changing: float, items: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswire.farm.feeds_farm", "--feeds", str(feeds), "--hosts", str(hosts),
         "--changing-share", str(changing), "--items", str(items)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "port=" not in line:
        proc.kill()
        raise SystemExit(f"feeds farm did not start: {line!r}")
    return proc, int(line.split("port=")[1].split()[0])


def start_poller(kafka: KafkaSettings, data_dir: Path, log: Path, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_STORE": "memory://",
        "NEWSWIRE_DATA_DIR": str(data_dir),
        "NEWSWIRE_WEB_PORT": "0",
        "NEWSWIRE_LOG_LEVEL": args.log_level,
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NEWSWIRE_POLL_INTERVAL_S": str(args.interval),
        "NEWSWIRE_MIN_INTERVAL_S": str(args.interval),
        "NEWSWIRE_MAX_INTERVAL_S": str(args.interval),
        "NEWSWIRE_MAX_HINT_S": str(args.interval),
        "NEWSWIRE_JITTER": "0",
        "NEWSWIRE_POLL_TICK_S": "1",
        "NEWSWIRE_UNCONDITIONAL_EVERY": "0",
        "NEWSWIRE_GLOBAL_CONCURRENCY": str(args.concurrency),
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "run", "poller"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def measure(kafka: KafkaSettings, pid: int, feeds: int, timeout_s: float) -> dict[str, Any]:
    """Read statuses as they come; CPU sampled at the first status and at phase ends."""
    consumer = AIOKafkaConsumer(
        FEED_STATUS.full_name(kafka.topic_prefix), **aiokafka_kwargs(kafka), group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False,
    )
    await consumer.start()
    polls: dict[str, int] = {}
    due: dict[str, float] = {}
    lateness: list[float] = []
    cpu: dict[str, float] = {}
    ts: dict[str, float] = {}
    cold = {"polls": 0, "errors": 0, "items_new": 0}
    warm = {"polls": 0, "not_modified": 0, "errors": 0, "items_new": 0}
    deadline = time.monotonic() + timeout_s
    try:
        while warm["polls"] < feeds:
            if time.monotonic() > deadline:
                raise SystemExit(f"timeout: cold {cold}, warm {warm}")
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                for m in messages:
                    s = FeedStatus.model_validate_json(m.value)
                    if "start" not in cpu:
                        cpu["start"], ts["start"] = cpu_seconds(pid), m.timestamp / 1000
                    n = polls[s.feed_id] = polls.get(s.feed_id, 0) + 1
                    phase = cold if n == 1 else warm if n == 2 else None
                    if phase is None:
                        continue
                    phase["polls"] += 1
                    phase["errors"] += s.error_class is not None
                    phase["items_new"] += s.items_new
                    if n == 2:
                        warm["not_modified"] += s.not_modified
                        lateness.append(s.polled_at.timestamp() - due[s.feed_id])
                    if s.next_poll_at is not None:
                        due[s.feed_id] = s.next_poll_at.timestamp()
                    if cold["polls"] == feeds and "cold" not in cpu:
                        cpu["cold"], ts["cold"] = cpu_seconds(pid), m.timestamp / 1000
                    if warm["polls"] == 1 and "warm_start" not in ts:
                        cpu["warm_start"], ts["warm_start"] = cpu_seconds(pid), m.timestamp / 1000
                    if warm["polls"] == feeds:
                        cpu["warm"], ts["warm"] = cpu_seconds(pid), m.timestamp / 1000
    finally:
        await consumer.stop()
    cold_s = ts["cold"] - ts["start"]
    warm_s = ts["warm"] - ts["warm_start"]
    cold_cpu = cpu["cold"] - cpu["start"]
    warm_cpu = cpu["warm"] - cpu["warm_start"]
    return {
        "cold": {**cold, "seconds": round(cold_s, 1), "feeds_per_s": round(feeds / cold_s, 1),
                 "cpu_s": round(cold_cpu, 1),
                 "cpu_s_per_1000_polls": round(cold_cpu / feeds * 1000, 2)},
        "warm": {**warm, "seconds": round(warm_s, 1), "feeds_per_s": round(feeds / warm_s, 1),
                 "cpu_s": round(warm_cpu, 1),
                 "cpu_s_per_1000_polls": round(warm_cpu / feeds * 1000, 2),
                 "share_304": round(warm["not_modified"] / feeds, 3),
                 "lateness_median_s": round(_quantile(lateness, 0.5), 2),
                 "lateness_p95_s": round(_quantile(lateness, 0.95), 2),
                 "lateness_max_s": round(max(lateness), 2),
                 "capacity_polls_per_cpu_s": round(feeds / warm_cpu, 1)},
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--changing-share", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--interval", type=float, default=300)
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()

    kafka = KafkaSettings(topic_prefix=f"bench-poller-{uuid.uuid4().hex[:6]}.")
    await ensure_topics(kafka, all_topics())
    farm, port = start_farm(args.feeds, args.hosts, args.changing_share, args.items)
    work = Path(f"/tmp/bench-poller-{os.getpid()}")
    work.mkdir(parents=True, exist_ok=True)
    poller = None
    try:
        from newswire.farm.feeds_farm import feeds_host

        urls = [f"http://{feeds_host(i % args.hosts)}:{port}/feeds/{i}.xml" for i in range(args.feeds)]
        now = utcnow()
        await publish(kafka, [FeedConfig(feed_id=feed_id(u), url=u, added_at=now) for u in urls])
        poller = start_poller(kafka, work / "data", work / "poller.log", args)
        phases = await measure(kafka, poller.pid, args.feeds, args.timeout)
        print(f"feeds={args.feeds} hosts={args.hosts} items/feed={args.items} "
              f"changing={args.changing_share:.0%} interval={args.interval:g}s concurrency={args.concurrency} "
              f"cores={os.cpu_count()} load={os.getloadavg()[0]:.1f}")
        for name, p in phases.items():
            print(f"{name}: " + " ".join(f"{k}={v}" for k, v in p.items()))
    finally:
        if poller is not None:
            poller.terminate()
            try:
                poller.wait(30)
            except subprocess.TimeoutExpired:
                poller.kill()
        farm.terminate()
        farm.wait(10)
        names = [t for t in await list_topics(kafka) if t.startswith(kafka.topic_prefix)]
        if names:
            await delete_topics(kafka, names)


if __name__ == "__main__":
    asyncio.run(main())
