"""Benchmark: the real normaliser stage's CPU per message through Kafka, for the two kinds of page
it sees: a first fetch (a full extraction) and an unchanged re-check whose bytes changed outside
the article (the fast region check, no extraction), which is most of an article's ~24 fetches in
steady state. The capacity model (`deploy/k8s/capacity.py`) charges each kind its logic's cost
plus what this measures on top: the stage's own work per message (consume, decompress, decode
and validate a page, the worker thread's hop, encode, produce, commit).

Pages: the first `--pages` of each development set (`../shared/eval` or `$NEWSWIRE_EVAL_DIR`)
with `bench/rechecks.py`'s dynamic parts (a clock, an ad slot with a per-request token, a
most-read list) in state A; their re-checks are the same pages with the clock moved, carrying the
fingerprint the first extraction recorded, as the fetcher sends them. Only pages whose first
fetch gives an article and whose re-check the fast check recognises are used, so that every
message gives exactly one output (an article, or an 'unchanged' RecheckResult). In this process,
before the stage starts, `work_on_page` (the handler's logic, nothing else) runs on every page
of both kinds: its CPU is the logic's, and the stage's CPU per message minus it is the overhead.

The stage (`newswire run normaliser`, its own process, CPU from /proc/<pid>/stat) runs on fresh
topics of the dev stack's Kafka. It first handles every first fetch once, unmeasured (libraries
load locales and caches lazily; the logic's CPU in this process is the second of two runs too);
then its idle CPU per second is measured, and each phase produces its pages at `--rate` /
`--recheck-rate` per second (zstd, as the fetcher does) and waits for every output; its CPU from
the first page produced to the last output, less idle x wall, over the pages, is the cost per
message (the re-checks come `--rounds` times: the median round). It reports; it asserts nothing.

    .venv/bin/newswire devstack up
    .venv/bin/python bench/normaliser_stage.py [--pages 150] [--rate 15] [--recheck-rate 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage, NormalisedArticle, RecheckResult
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import locate_eval
from newswire.fetcher.logic import body_digest
from newswire.kafka.admin import ensure_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.local.supervisor import free_ports
from newswire.normaliser.extract import decode_html
from newswire.normaliser.logic import work_on_page
from newswire.topics import ARTICLES_NORMALISED, PAGES, RECHECKS, TopicSpec

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import cpu_seconds, end_stage_run, start_py_spy  # noqa: E402 - bench/proc.py, beside this file
from rechecks import A, VARIANTS, pages, recheck_page, with_dynamic  # noqa: E402 - bench/rechecks.py

DATASETS = ("extraction-dev", "extraction-multi-dev")
POLL_MS = 200


@dataclass(frozen=True)
class Pair:
    """One page's first fetch and its recognised re-check, with the logic's CPU ms for each."""

    first: FetchedPage
    recheck: FetchedPage
    first_ms: float
    recheck_ms: float
    first_key: bytes  # the outputs' keys: the article's id (its canonical URL's) ...
    recheck_key: bytes  # ... and the re-check's (the page's)


def first_page(url: str, html: str) -> FetchedPage:
    """The page as the fetcher sends a first fetch."""
    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, headers={"content-type": "text/html; charset=utf-8"}, fetched_at=datetime.now(UTC),
        html=html, charset="utf-8", content_type="text/html", byte_size=len(html.encode("utf-8")),
        body_digest=body_digest(html.encode("utf-8")),
    )


def cpu_ms(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.process_time()
    out = fn(*args)
    return out, (time.process_time() - start) * 1000.0


def prepare(limit: int) -> tuple[list[Pair], dict[str, int]]:
    """The pages of both sets whose first fetch gives an article and whose re-check is recognised
    unchanged; how many of each set were tried and kept."""
    pairs: list[Pair] = []
    counts: dict[str, int] = {}
    variant = VARIANTS["b1_clock"]
    for name in DATASETS:
        root = locate_eval(name)
        if root is None:
            raise SystemExit(f"{name} not found: put ../shared/eval beside the repository or set NEWSWIRE_EVAL_DIR")
        tried = kept = 0
        for _ident, raw, url in pages(root, limit):
            tried += 1
            html_a = with_dynamic(decode_html(raw), A)
            page_a = first_page(url, html_a)
            work_on_page(page_a)  # warm (as the stage is: see `measure`)
            work_a, ms_a = cpu_ms(work_on_page, page_a)
            if not isinstance(work_a.out, NormalisedArticle):
                continue
            fp = work_a.out.fingerprint  # recorded by the extraction just timed
            if fp is None or not fp.region:
                continue
            html_b = with_dynamic(decode_html(raw), variant)
            page_b = recheck_page(url, html_b, fp, body_digest(html_b.encode("utf-8")))
            page_b = page_b.model_copy(update={"fetched_at": datetime.now(UTC)})
            work_on_page(page_b)
            work_b, ms_b = cpu_ms(work_on_page, page_b)
            if not (isinstance(work_b.out, RecheckResult) and work_b.out.unchanged == "same_region"):
                continue
            kept += 1
            pairs.append(Pair(page_a, page_b, ms_a, ms_b, work_a.out.article_id.encode(),
                              work_b.out.article_id.encode()))
        counts[name] = kept
        counts[f"{name}_tried"] = tried
    return pairs, counts


async def produce(kafka: KafkaSettings, pages_: list[FetchedPage], rate: float) -> None:
    """`pages_` on the pages topic at `rate` per second, zstd-compressed as the fetcher sends them."""
    producer = AIOKafkaProducer(
        **aiokafka_kwargs(kafka), linger_ms=0, compression_type=kafka.compression if kafka.compression != "none" else None,
        max_request_size=PAGES.max_message_bytes,
    )
    await producer.start()
    try:
        topic = PAGES.full_name(kafka.topic_prefix)
        began = time.monotonic()
        for i, p in enumerate(pages_):
            await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            await producer.send(topic, key=p.article_id.encode(), value=p.to_bytes())
        await producer.flush()
    finally:
        await producer.stop()


class Outputs:
    """The outputs on a topic from now on (earlier ones, of a warm-up, are not counted)."""

    def __init__(self, kafka: KafkaSettings, topic: TopicSpec) -> None:
        self.consumer = AIOKafkaConsumer(
            topic.full_name(kafka.topic_prefix), **aiokafka_kwargs(kafka),
            auto_offset_reset="latest", enable_auto_commit=False, group_id=None,
        )
        self.topic = topic

    async def start(self) -> None:
        await self.consumer.start()
        parts = self.consumer.assignment()
        await self.consumer.seek_to_end(*parts)
        for tp in parts:  # resolve the positions before anything is produced
            await self.consumer.position(tp)

    async def wait(self, keys: set[bytes], timeout_s: float) -> float:
        """Until every key has an output; the monotonic time the last came."""
        missing = set(keys)
        last = time.monotonic()
        deadline = last + timeout_s
        try:
            while missing and time.monotonic() < deadline:
                batch = await self.consumer.getmany(timeout_ms=POLL_MS, max_records=5000)
                for records in batch.values():
                    for record in records:
                        if record.key in missing:
                            missing.discard(record.key)
                            last = time.monotonic()
        finally:
            await self.consumer.stop()
        if missing:
            raise TimeoutError(f"{len(missing)} of {len(keys)} outputs on {self.topic.name} did not come in {timeout_s:g} s")
        return last


async def phase(
    kafka: KafkaSettings, pid: int, pages_: list[FetchedPage], keys: set[bytes], rate: float, topic: TopicSpec,
    idle: float, timeout_s: float,
) -> dict[str, float]:
    """One phase: the pages produced at `rate`, their outputs (`keys`) awaited; the stage's CPU per
    page."""
    out = Outputs(kafka, topic)
    await out.start()
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    waiting = asyncio.create_task(out.wait(keys, timeout_s))
    await produce(kafka, pages_, rate)
    t1 = await waiting
    cpu = cpu_seconds(pid) - cpu0
    wall = t1 - t0
    return {
        "pages": len(pages_), "rate_per_s": rate, "wall_s": round(wall, 2), "cpu_s": round(cpu, 3),
        "ms_per_page_gross": round(1000 * cpu / len(pages_), 3),
        "ms_per_page": round(1000 * (cpu - idle * wall) / len(pages_), 3),
    }


async def idle_cpu(pid: int, seconds: float) -> float:
    """The stage's CPU seconds per second while nothing arrives."""
    before = cpu_seconds(pid)
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


async def measure(args: argparse.Namespace, kafka: KafkaSettings, pid: int, pairs: list[Pair]) -> dict[str, Any]:
    # warm-up: every page once (dateparser's locales, regex caches, the language model load lazily)
    rest = pairs
    await phase(kafka, pid, [p.first for p in rest], {p.first_key for p in rest}, args.rate, ARTICLES_NORMALISED,
                0.0, args.timeout)
    await asyncio.sleep(2.0)
    idle_1 = await idle_cpu(pid, args.idle)
    first = await phase(kafka, pid, [p.first for p in rest], {p.first_key for p in rest}, args.rate,
                        ARTICLES_NORMALISED, idle_1, args.timeout)
    await asyncio.sleep(2.0)
    idle_2 = await idle_cpu(pid, args.idle)
    rounds = []
    for _ in range(args.rounds):  # the phase is short: its median round
        rounds.append(await phase(kafka, pid, [p.recheck for p in rest], {p.recheck_key for p in rest},
                                  args.recheck_rate, RECHECKS, idle_2, args.timeout))
        await asyncio.sleep(1.0)
    recheck: dict[str, Any] = {**sorted(rounds, key=lambda r: r["ms_per_page"])[len(rounds) // 2],
               "rounds_ms_per_page": [r["ms_per_page"] for r in rounds]}
    logic_first = statistics.mean(p.first_ms for p in rest)
    logic_recheck = statistics.mean(p.recheck_ms for p in rest)
    return {
        "first": {**first, "logic_ms_mean": round(logic_first, 3),
                  "overhead_ms": round(first["ms_per_page"] - logic_first, 3)},
        "recheck": {**recheck, "logic_ms_mean": round(logic_recheck, 3),
                    "overhead_ms": round(recheck["ms_per_page"] - logic_recheck, 3)},
        "idle_ms_per_s": [round(1000 * idle_1, 2), round(1000 * idle_2, 2)],
        "page_kb_mean": round(statistics.mean(len(p.first.html or "") for p in rest) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=150, help="pages of each development set tried")
    parser.add_argument("--rate", type=float, default=15.0, help="first fetches per second")
    parser.add_argument("--recheck-rate", type=float, default=60.0, help="re-checks per second")
    parser.add_argument("--rounds", type=int, default=3, help="re-check rounds (their median is reported)")
    parser.add_argument("--idle", type=float, default=8.0, help="idle window before each phase, s")
    parser.add_argument("--timeout", type=float, default=300.0, help="per phase, s")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy raw collapsed stacks here")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "normaliser_stage.json")
    args = parser.parse_args()
    print("preparing pages (the handler's logic on each, in this process) ...", flush=True)
    pairs, counts = prepare(args.pages)
    if len(pairs) < 10:
        raise SystemExit(f"only {len(pairs)} usable pages")
    prefix = f"bench-nrm-{uuid.uuid4().hex[:8]}."
    kafka = KafkaSettings(topic_prefix=prefix)
    work = Path(tempfile.mkdtemp(prefix="normaliser-stage-bench-"))
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": prefix,
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_DATA_DIR": str(work / "data"),
        "NEWSWIRE_WEB_PORT": str(free_ports(1)[0]),
        "NEWSWIRE_LOG_LEVEL": "WARNING",
    }
    proc: subprocess.Popen[bytes] | None = None
    spy: subprocess.Popen[bytes] | None = None
    try:
        asyncio.run(ensure_topics(kafka))
        print(f"{len(pairs)} pages; starting the normaliser ...", flush=True)
        proc = subprocess.Popen([sys.executable, "-m", "newswire.cli.main", "run", "normaliser"], env=env,
                                stdout=(work / "stage.log").open("wb"), stderr=subprocess.STDOUT)
        if args.profile:
            spy = start_py_spy(proc.pid, args.profile)
        figures = asyncio.run(measure(args, kafka, proc.pid, pairs))
    except BaseException:
        print(f"stage log kept: {work / 'stage.log'}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(work, ignore_errors=True)
    finally:
        end_stage_run(proc, spy, kafka)
    result = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "pages": counts, **figures}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
