"""Fetcher throughput against the local news farm: pages per second and CPU milliseconds per page
on one process, with per-host limits checked by the farm itself.

The farm runs in a child process (its CPU is not counted). Two modes:

* default: this process runs the fetcher's client, its decision and the encoding of every
  FetchedPage, with as many fetches in flight as the stage's agent concurrency. Requests come
  grouped by host (a feed's new items arrive together) or interleaved (`--order interleaved`).
* `--kafka`: the real stage (`newswire run fetcher`, one process) consumes the requests from the
  dev stack's Kafka and produces the pages; pages/s from the pages' Kafka timestamps, CPU from
  /proc for that process while it works.

Either way the farm counts concurrent requests per host, and the run fails if any host saw more
than the per-host limit.

    .venv/bin/python bench/fetcher.py                      # 1,000 hosts x 5 pages of 50 KB
    .venv/bin/python bench/fetcher.py --kafka              # the same through Kafka
    .venv/bin/python bench/fetcher.py --hosts 100 --pages-per-host 3   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import uuid
import urllib.request
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from newswire.contracts import FetchedPage, FetchRequest, utcnow
from newswire.contracts.ids import article_id, host_of
from newswire.farm import FarmConfig, OutletBehaviour, run_farm
from newswire.fetcher.adapters import AiohttpPageClient
from newswire.fetcher.logic import Retry, decide
from newswire.fetcher.settings import FetcherSettings
from newswire.runtime.codec import encode
from newswire.topics import PAGES


def _farm_main(hosts: int, pages: int, page_bytes: int, latency_ms: float, conn: Connection) -> None:
    async def serve() -> None:
        config = FarmConfig(
            outlets=hosts, port=0, articles_per_outlet=pages, use_fixtures=False,
            default_behaviour=OutletBehaviour(
                huge_page_bytes=page_bytes, huge_page_declare_length=True,
                # Server think time, so that requests to one host overlap and the farm's
                # concurrency count can catch a limit being exceeded.
                latency_ms=latency_ms,
            ),
        )
        async with run_farm(config) as farm:
            links = [a.link for a in farm.articles()]
            conn.send((farm.control_url, links))
            cpu0 = time.process_time()
            while not conn.poll():
                await asyncio.sleep(0.2)
            conn.recv()
            conn.send(time.process_time() - cpu0)

    asyncio.run(serve())


def _stats(control_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control_url}/_farm/stats?only_active=1", timeout=30) as r:
        data: dict[str, Any] = json.load(r)
    return data


def order(links: list[str], how: str) -> list[str]:
    """Requests grouped by host (as a poller emits a feed's new items), or interleaved."""
    by_host: dict[str, list[str]] = {}
    for link in links:
        by_host.setdefault(host_of(link), []).append(link)
    if how == "grouped":
        return [link for host_links in by_host.values() for link in host_links]
    out: list[str] = []
    for i in range(max(len(v) for v in by_host.values())):
        out.extend(v[i] for v in by_host.values() if i < len(v))
    return out


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_kafka(args: argparse.Namespace, links: list[str]) -> dict[str, Any]:
    """The real stage process, through the dev stack's Kafka."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from newswire.config import KafkaSettings
    from newswire.kafka.admin import delete_topics, ensure_topics
    from newswire.kafka.clients import aiokafka_kwargs
    from newswire.topics import FETCH_REQUESTS, all_topics

    logging.getLogger("aiokafka").setLevel(logging.ERROR)  # leader elections of fresh topics
    kafka = KafkaSettings(topic_prefix=f"bench-fetcher-{uuid.uuid4().hex[:6]}.")
    await ensure_topics(kafka, all_topics())
    producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), linger_ms=20)
    await producer.start()
    for url in order(links, args.order):
        r = FetchRequest(url=url, host=host_of(url), article_id=article_id(url), reason="new", requested_at=utcnow())
        await producer.send(FETCH_REQUESTS.full_name(kafka.topic_prefix), key=r.host.encode(), value=encode(FETCH_REQUESTS, r))
    await producer.stop()
    data = Path(f"/tmp/bench-fetcher-{os.getpid()}")
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_STORE": "memory://",
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_WEB_PORT": "0",
        "NEWSWIRE_LOG_LEVEL": "WARNING",
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NEWSWIRE_PER_HOST_CONCURRENCY": str(args.per_host),
        "NEWSWIRE_MIN_HOST_DELAY_S": str(args.min_delay),
        "NEWSWIRE_CONCURRENCY": str(args.concurrency),
        "NEWSWIRE_MAX_HOST_WAIT_S": "3600",
    }
    log = open(data.with_suffix(".log"), "wb")
    proc = subprocess.Popen([sys.executable, "-m", "newswire.cli.main", "run", "fetcher"], env=env, stdout=log, stderr=subprocess.STDOUT)
    consumer = AIOKafkaConsumer(
        PAGES.full_name(kafka.topic_prefix), **aiokafka_kwargs(kafka), group_id=None,
        auto_offset_reset="earliest", fetch_max_bytes=64 * 1024 * 1024,
    )
    await consumer.start()
    seen: set[str] = set()
    outcomes: dict[str, int] = {}
    stamps: list[int] = []
    cpu_first = cpu_last = 0.0
    try:
        deadline = time.monotonic() + 600
        while len(seen) < len(links) and time.monotonic() < deadline and proc.poll() is None:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for rec in records:
                    if not seen:
                        cpu_first = _cpu_s(proc.pid)
                    page = FetchedPage.model_validate_json(rec.value)
                    seen.add(page.article_id)
                    stamps.append(rec.timestamp)
                    key = page.outcome if page.outcome != "failed" else f"failed:{page.failure}"
                    outcomes[key] = outcomes.get(key, 0) + 1
        cpu_last = _cpu_s(proc.pid)
    finally:
        await consumer.stop()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        await delete_topics(kafka, [t.full_name(kafka.topic_prefix) for t in all_topics()])
    span = max(1e-3, (max(stamps) - min(stamps)) / 1000) if stamps else 0.0
    return {
        "mode": "kafka",
        "pages": len(links),
        "ok": outcomes.get("ok", 0),
        "outcomes": outcomes,
        "pages_seen": len(seen),
        "span_s": round(span, 2),
        "pages_per_s": round(len(stamps) / span, 1) if span else 0,
        "cpu_ms_per_page": round((cpu_last - cpu_first) * 1000 / max(1, len(stamps)), 2),
        "cpu_share": round((cpu_last - cpu_first) / span, 2) if span else 0,
    }


async def run(args: argparse.Namespace, links: list[str]) -> dict[str, Any]:
    settings = FetcherSettings(
        allow_private_networks=[ipaddress.ip_network("127.0.0.0/8")],
        per_host_concurrency=args.per_host,
        min_host_delay_s=args.min_delay,
        concurrency=args.concurrency,
        max_host_wait_s=3600,
    )
    client = AiohttpPageClient(settings)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for link in order(links, args.order):
        queue.put_nowait(link)
    outcomes: dict[str, int] = {}
    latencies: list[float] = []
    in_flight = peak = 0

    async def worker() -> None:
        nonlocal in_flight, peak
        while not queue.empty():
            url = queue.get_nowait()
            request = FetchRequest(
                url=url, host=host_of(url), article_id=article_id(url), reason="new",
                requested_at=utcnow(),
            )
            in_flight += 1
            peak = max(peak, in_flight)
            started = time.perf_counter()
            result = await client.fetch(url)
            in_flight -= 1
            latencies.append(time.perf_counter() - started)
            page = decide(request, result, utcnow(), last_attempt=True)
            assert not isinstance(page, Retry)
            encode(PAGES, page)  # what the stage produces
            key = page.outcome if page.outcome != "failed" else f"failed:{page.failure}"
            outcomes[key] = outcomes.get(key, 0) + 1
            if isinstance(page, FetchedPage) and page.outcome == "ok":
                outcomes["bytes"] = outcomes.get("bytes", 0) + page.byte_size

    # robots.txt of every host is fetched (once) during the run, as a fresh process would.
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    robots_fetches = client.robots.fetches
    await client.close()
    pages = len(links)
    ok = outcomes.get("ok", 0)
    return {
        "mode": "in-process",
        "pages": pages,
        "ok": ok,
        "outcomes": outcomes,
        "wall_s": round(wall, 2),
        "pages_per_s": round(pages / wall, 1),
        "cpu_ms_per_page": round(cpu * 1000 / pages, 2),
        "cpu_share": round(cpu / wall, 2),
        "mean_ok_bytes": round(outcomes.get("bytes", 0) / max(1, ok)),
        "latency_ms_median": round(statistics.median(latencies) * 1000, 1),
        "latency_ms_p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "peak_in_flight": peak,
        "robots_fetches": robots_fetches,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--pages-per-host", type=int, default=5)
    parser.add_argument("--page-bytes", type=int, default=50 * 1024)
    parser.add_argument("--per-host", type=int, default=2, help="per-host concurrency limit")
    parser.add_argument("--min-delay", type=float, default=0.0, help="min delay between starts per host")
    parser.add_argument("--concurrency", type=int, default=256, help="fetches in flight")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="farm think time per request")
    parser.add_argument("--order", choices=("grouped", "interleaved"), default="grouped")
    parser.add_argument("--kafka", action="store_true", help="through Kafka and the real stage process")
    args = parser.parse_args()

    parent, child = mp.Pipe()
    farm = mp.get_context("spawn").Process(
        target=_farm_main,
        args=(args.hosts, args.pages_per_host, args.page_bytes, args.latency_ms, child),
        daemon=True,
    )
    farm.start()
    try:
        control_url, links = parent.recv()
        result = asyncio.run(run_kafka(args, links) if args.kafka else run(args, links))
        stats = _stats(control_url)
        worst = stats["totals"]["max_concurrent_per_host"]
        hosts_hit = len(stats["per_outlet"])
        result.update(
            order=args.order,
            hosts=hosts_hit, per_host_limit=args.per_host, max_concurrent_per_host_seen=worst,
            requests_served=stats["totals"]["requests"],
        )
        parent.send("stop")
        farm_cpu = parent.recv() if parent.poll(30) else None
        if farm_cpu is not None:
            result["farm_cpu_ms_per_page"] = round(farm_cpu * 1000 / len(links), 2)
        print(json.dumps(result, indent=1))
        assert worst <= args.per_host, f"a host saw {worst} concurrent requests > {args.per_host}"
        assert result["ok"] == len(links), result["outcomes"]
    finally:
        farm.join(10)
        if farm.is_alive():
            farm.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
