"""End-to-end benchmark: the whole system as users run it, at increasing offered loads.

For each load level it starts, from nothing, the local news farm (N outlets, a steady arrival
rate of new articles plus edits of some of them), all six stages as separate processes (the
same supervisor `newswire up` uses) on fresh topics and indices of the dev stack, lets the
system warm up, and then measures for a fixed window:

- throughput: articles that became searchable in Elasticsearch per second;
- latency: from the moment an item appears in its feed (the farm's publication time) to the
  moment the harness first finds the article by searching Elasticsearch (polled every 0.25 s, so
  figures include up to 0.25 s of observation delay), plus the part after the fetch;
- consumer lag of every stage over time (from the stages' own /metrics);
- CPU seconds per article of every stage, of Kafka, Elasticsearch and the farm (from
  /proc/<pid>/stat, the processes' own accounting), and peak memory (VmHWM) per process.

Levels rise until the system saturates (indexed rate below 90% of the offered rate, or the
bottleneck's lag still growing at the end of the window); saturation throughput is the rate
indexed while saturated. Then it runs at 50% and 90% of saturation for latency and lag.

    python bench/e2e.py                      # full run (about 20 minutes), report in bench/results/
    python bench/e2e.py --loads 5 --no-search-saturation --duration 60   # one quick level
    python bench/e2e.py --ner lead           # NER on the title and lead only
    python bench/e2e.py --feeds poll         # every feed polled every second, no WebSub

Feeds are realistic by default: the poller polls on its own adaptive schedule with conditional
GETs, and the farm's WebSub hub pushes each feed as it changes (what a low-latency deployment
subscribes to). Pages change between fetches outside the article (the farm's "most read" and
"related" lists follow the newest articles), and 17.85% of articles are edited once (GDELT's
share for a week, compressed to `--edit-after` seconds).

The report opens with issue #20's three goals: stage cores for a million articles a day (the
capacity model, `deploy/k8s/capacity.py`, fed with this run's per-message costs), throughput,
latency and lag, and the whole system's CPU per article against the unavoidable work (one
extraction and one NER pass of the same articles, alone; `bench/unavoidable.py`).

The report (`bench/results/e2e.md`, `e2e.json`) and plots (`e2e-*.png`) are rewritten each run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from e2e_report import reference_level, write_report  # noqa: E402
from proc import cpu_seconds  # noqa: E402

from newswire import devstack  # noqa: E402
from newswire.config import CommonSettings, KafkaSettings  # noqa: E402
from newswire.es.client import make_client, wait_healthy  # noqa: E402
from newswire.es.setup import alias, setup, teardown  # noqa: E402
from newswire.kafka.admin import ensure_topics  # noqa: E402
from newswire.poller.registry import add_feeds  # noqa: E402
from newswire.local.supervisor import Supervisor, free_ports, parse_processes  # noqa: E402
from newswire.topics import STAGES  # noqa: E402

#: How long a new level may take to show its first searchable article.
START_TIMEOUT_S = 180.0


@dataclass
class Sample:
    """One second of a level: counts so far, lag per stage and CPU seconds per process."""

    t: float
    indexed: int
    lag: dict[str, float]
    cpu: dict[str, float]


@dataclass
class LevelResult:
    """What one load level measured (times relative to the start of the measuring window)."""

    name: str
    offered: float
    duration: float
    published: int = 0
    indexed: int = 0
    indexed_rate: float = 0.0
    revisions: int = 0
    latency_s: list[float] = field(default_factory=list)
    after_fetch_s: list[float] = field(default_factory=list)
    unseen_published: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_article: dict[str, float] = field(default_factory=dict)
    messages_per_article: dict[str, float] = field(default_factory=dict)
    """Messages each stage consumed per indexed article (the fetcher's include re-checks)."""
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    lag_start: dict[str, float] = field(default_factory=dict)
    lag_end: dict[str, float] = field(default_factory=dict)
    saturated: bool = False
    lag_growth: float = 0.0
    restarts: int = 0
    idle_ms_per_s: dict[str, float] = field(default_factory=dict)
    """Each stage's CPU ms per second after the farm stopped and the backlog drained."""
    es_idle_ms_per_s: float | None = None
    """Elasticsearch's CPU ms per second with the stages stopped and the harness still searching
    as it does in the window: its idle work plus the harness's own polling, not the system's."""

    def pct(self, p: float, values: list[float] | None = None) -> float | None:
        """The p-th percentile of end-to-end latency (None without data)."""
        data = sorted(self.latency_s if values is None else values)
        if not data:
            return None
        k = min(len(data) - 1, max(0, round(p / 100 * len(data)) - 1))
        return data[k]


# --- process accounting ----------------------------------------------------------------------


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def tree_pids(pid: int) -> list[int]:
    """A process and all its live descendants (Elasticsearch runs under a wrapper process)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(int(rest[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree."""
    return sum(cpu_seconds(p, children=True) for p in tree_pids(pid))


def process_tree_peak_rss_mb(pid: int) -> float:
    """Sum of the peak resident memory of a process tree's members (MB)."""
    return sum(peak_rss_mb(p) for p in tree_pids(pid))


async def cpu_per_second(
    processes: dict[str, list[int]], seconds: float, step: Callable[[], Awaitable[None]]
) -> dict[str, float]:
    """CPU ms per second of each named group of processes (and their children) over `seconds`,
    running `step` over and over meanwhile."""
    before = {name: sum(map(process_tree_cpu, ps)) for name, ps in processes.items()}
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        await step()
    elapsed = time.monotonic() - start
    return {
        name: round(1000 * (sum(map(process_tree_cpu, ps)) - before[name]) / elapsed, 2)
        for name, ps in processes.items()
    }


class LagReader:
    """Committed consumer lag per stage, as an operator (or KEDA) sees it: end offsets minus the
    group's committed offsets over every partition the group has committed."""

    def __init__(self, kafka: KafkaSettings):
        from aiokafka import AIOKafkaConsumer
        from aiokafka.admin import AIOKafkaAdminClient

        from newswire.kafka.clients import aiokafka_kwargs

        self.kafka = kafka
        self.admin = AIOKafkaAdminClient(**aiokafka_kwargs(kafka))
        self.consumer = AIOKafkaConsumer(**aiokafka_kwargs(kafka))

    async def start(self) -> None:
        await self.admin.start()
        await self.consumer.start()

    async def close(self) -> None:
        await self.admin.close()
        await self.consumer.stop()

    async def lags(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for stage in STAGES:
            group = f"{self.kafka.topic_prefix}newswire-{stage}"
            try:
                committed = await self.admin.list_consumer_group_offsets(group)
                committed = {tp: om.offset for tp, om in committed.items() if om.offset >= 0}
                ends = await self.consumer.end_offsets(list(committed)) if committed else {}
            except Exception:  # a group that is rebalancing answers later
                continue
            out[stage] = float(sum(max(0, ends[tp] - off) for tp, off in committed.items()))
        return out


def stage_counts(text: str) -> dict[str, int]:
    try:
        return parse_processes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


# --- one level -------------------------------------------------------------------------------

class Level:
    """Runs one load level from nothing: farm, topics, indices, six stages; then tears down."""

    def __init__(self, args: argparse.Namespace, name: str, offered: float, seed: int, work: Path):
        self.args = args
        self.name = name
        self.offered = offered
        self.seed = seed
        self.work = work / name
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        stamp = f"{int(time.time())}{seed}"
        common = CommonSettings()
        self.kafka: KafkaSettings = common.kafka.model_copy(update={"topic_prefix": f"bench{stamp}"})
        self.es_settings = common.elasticsearch
        self.index_prefix = f"bench{stamp}"
        self.farm: subprocess.Popen[bytes] | None = None
        self.supervisor: Supervisor | None = None
        self.control = ""
        self.published: dict[str, float] = {}  # canonical URL -> publication time (unix)
        self.seen: dict[str, float] = {}  # article id -> first time found by a search
        self.fetched: dict[str, float] = {}  # article id -> fetched_at (unix)
        self.url_of: dict[str, str] = {}  # article id -> canonical URL
        self.pages: list[tuple[str, str]] = []  # (url, html) of articles served in the window
        self.lag_reader: LagReader
        self.max_indexed = 0.0  # newest indexed_at seen (unix)

    # -- start and stop ---------------------------------------------------------------------
    def start_farm(self) -> list[str]:
        port = free_ports(1)[0]
        feeds_file = self.work / "feeds.txt"
        feeds_file.unlink(missing_ok=True)
        cmd = [
            sys.executable, "-m", "newswire.cli.main", "farm", "--outlets", str(self.args.outlets),
            "--port", str(port), "--seed", str(self.seed), "--articles-per-outlet", "0",
            "--arrival-rate", str(self.offered), "--edit-rate", str(self.args.edit_rate),
            "--edit-after", str(self.args.edit_after), "--no-fixtures", "--feeds-out", str(feeds_file),
            "--feed-format", self.args.feed_format or ("rss" if self.args.feeds == "push" else "alternate"),
            *(["--hub"] if self.args.feeds == "push" else []),
        ]
        self.farm = subprocess.Popen(
            cmd, stdout=open(self.work / "farm.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while not feeds_file.exists() and time.monotonic() < deadline:
            if self.farm.poll() is not None:
                raise RuntimeError(f"the farm exited; see {self.work / 'farm.log'}")
            time.sleep(0.2)
        self.control = f"http://127.0.0.1:{port}"
        return [line.strip() for line in feeds_file.read_text().splitlines() if line.strip()]

    def stage_env(self, ports: dict[str, int]) -> dict[str, str]:
        env = {
            **os.environ,
            "NEWSWIRE_KAFKA__TOPIC_PREFIX": self.kafka.topic_prefix,
            "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": self.index_prefix,
            "NEWSWIRE_DATA_DIR": str(self.work / "state"),
            "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
            "NEWSWIRE_POLL_TICK_S": "0.25",
            "NEWSWIRE_MIN_HOST_DELAY_S": "0",
            "NEWSWIRE_RECHECK_INITIAL_S": str(self.args.recheck_initial),
            "NEWSWIRE_RECHECK_TICK_S": "1",
            "NEWSWIRE_LOG_LEVEL": "WARNING",
        }
        if self.args.feeds == "push":
            # The poller's own schedule (adaptive, conditional GETs, at least 2 minutes apart)
            # and WebSub: the farm's hub pushes each feed as it changes to the poller's callback.
            env["NEWSWIRE_WEBSUB_CALLBACK_URL"] = f"http://127.0.0.1:{ports['poller']}"
        else:
            # Feeds polled every second: the latency of a low-latency deployment, at the poller's
            # (and the polls index's) cost of one poll per feed per second.
            env |= {
                "NEWSWIRE_POLL_INTERVAL_S": str(self.args.poll_interval),
                "NEWSWIRE_MIN_INTERVAL_S": str(self.args.poll_interval),
                "NEWSWIRE_MAX_HINT_S": str(self.args.poll_interval),
                "NEWSWIRE_MAX_INTERVAL_S": str(self.args.poll_interval),  # not one poll per expected item
            }
        if self.args.ner == "lead":
            env["NEWSWIRE_NER_MAX_CHARS"] = str(self.args.lead_chars)
        env.update(dict(kv.split("=", 1) for kv in self.args.env))
        return env

    async def setup_servers(self) -> None:
        await ensure_topics(self.kafka)
        client = make_client(self.es_settings)
        try:
            await wait_healthy(client)
            await setup(client, self.index_prefix)
        finally:
            await client.close()

    async def teardown_servers(self) -> None:
        from newswire.kafka.admin import delete_topics, list_topics

        client = make_client(self.es_settings)
        try:
            await teardown(client, self.index_prefix)
        finally:
            await client.close()
        prefix = self.kafka.topic_prefix
        await delete_topics(self.kafka, [t for t in await list_topics(self.kafka) if t.startswith(prefix)])

    def stop(self) -> None:
        if self.supervisor is not None:
            self.supervisor.stop(grace_s=15)
        if self.farm is not None and self.farm.poll() is None:
            self.farm.terminate()
            try:
                self.farm.wait(15)
            except subprocess.TimeoutExpired:
                self.farm.kill()

    # -- observation ------------------------------------------------------------------------
    def processes(self) -> dict[str, list[int]]:
        """pids of every process whose CPU we account: the six stages (every instance of each),
        Kafka, ES, the farm."""
        pids: dict[str, list[int]] = {}
        if self.supervisor is not None:
            for child in self.supervisor.children.values():
                if child.process is not None:
                    pids.setdefault(child.stage, []).append(child.process.pid)
        for name, status in devstack.status().items():
            if status.pid:
                pids[name] = [status.pid]
        if self.farm is not None:
            pids["farm"] = [self.farm.pid]
        return pids

    def refresh_published(self) -> None:
        for rec in get_json(f"{self.control}/_farm/articles"):
            self.published.setdefault(rec["url"], float(rec["published_ts"]))

    async def poll_search(self, es: Any, index: str) -> None:
        """Record the first time each article is found by a search (what users see). Only the
        documents the sink built in the last 10 s are asked for (ES makes them searchable within
        its 1 s refresh), so that the harness's own searches stay a small load on ES."""
        now = time.time()
        since = self.max_indexed - 10 if self.max_indexed else 0
        result = await es.search(
            index=index, size=5000, source=["canonical_url", "fetched_at", "indexed_at"],
            query={"range": {"indexed_at": {"gte": datetime.fromtimestamp(since, UTC).isoformat()}}},
            ignore_unavailable=True, allow_no_indices=True,
        )
        for hit in result["hits"]["hits"]:
            src = hit["_source"]
            self.max_indexed = max(self.max_indexed, datetime.fromisoformat(src["indexed_at"]).timestamp())
            doc_id = hit["_id"]
            if doc_id in self.seen:
                continue
            self.seen[doc_id] = now
            self.url_of[doc_id] = src["canonical_url"]
            self.fetched[doc_id] = datetime.fromisoformat(src["fetched_at"]).timestamp()

    # -- the run ------------------------------------------------------------------------------
    async def run(self) -> LevelResult:
        args = self.args
        result = LevelResult(self.name, self.offered, args.duration)
        await self.setup_servers()
        feeds = self.start_farm()
        await add_feeds(self.kafka, [{"url": u} for u in feeds])
        ports = dict(zip(STAGES, free_ports(len(STAGES))))
        self.supervisor = Supervisor(
            env=self.stage_env(ports), log_dir=self.work / "logs", ports=ports, processes=self.args.processes
        )
        self.supervisor.start()
        es = make_client(self.es_settings)
        self.lag_reader = LagReader(self.kafka)
        await self.lag_reader.start()
        articles = alias(self.index_prefix, "articles")
        try:
            started = time.monotonic()
            while not self.seen:  # the first article searchable: every stage is up and joined
                if time.monotonic() - started > START_TIMEOUT_S:
                    raise RuntimeError(f"no article indexed after {START_TIMEOUT_S:.0f} s; logs in {self.work}")
                await asyncio.sleep(1)
                self.supervisor.watch()
                await self.poll_search(es, articles)
            print(f"  [{self.name}] first article after {time.monotonic() - started:.0f} s; warming up {args.warmup:.0f} s")
            await self._observe(es, articles, args.warmup, None)
            # The arrivals of the start-up seconds are a backlog: wait until the total lag stops
            # falling (committed lag never reaches 0: commits are periodic and the sink's batched),
            # for up to 2 minutes.
            drain_until = time.monotonic() + 120
            history = [sum((await self.lag_reader.lags()).values())]
            while len(history) < 4 or min(history[-3:]) < min(history[:-3]):
                if time.monotonic() > drain_until:
                    print(f"  [{self.name}] start-up backlog still falling after 2 min; measuring anyway")
                    break
                await self._observe(es, articles, 2.0, None)
                history.append(sum((await self.lag_reader.lags()).values()))
            result.lag_start = await self.lag_reader.lags()
            pids = self.processes()
            cpu0 = {name: sum(map(process_tree_cpu, ps)) for name, ps in pids.items()}
            profilers = self.start_profilers(pids)
            counts0 = {stage: p.messages_in for stage, p in self.supervisor.progress().items()}
            t0 = time.time()
            seen0 = set(self.seen)
            await self._observe(es, articles, args.duration, (result, pids, t0))
            t1 = time.time()
            cpu1 = {name: sum(map(process_tree_cpu, ps)) for name, ps in pids.items()}
            counts1 = {stage: p.messages_in for stage, p in self.supervisor.progress().items()}
            for proc in profilers:
                proc.wait(30)
            result.lag_end = await self.lag_reader.lags()
            result.peak_rss_mb = {name: round(sum(map(process_tree_peak_rss_mb, ps)), 1) for name, ps in pids.items()}
            # a grace period so that items published late in the window can still be seen
            await self._observe(es, articles, args.grace, None)
            self.refresh_published()
            result.restarts = sum(c.restarts for c in self.supervisor.children.values())
            revisions_index = alias(self.index_prefix, "revisions")
            await es.indices.refresh(index=revisions_index, ignore_unavailable=True, allow_no_indices=True)
            count = await es.count(index=revisions_index, ignore_unavailable=True, allow_no_indices=True)
            result.revisions = int(count["count"])
            self.pages = await asyncio.to_thread(self.sample_pages, args.unavoidable_pages, t0, t1)
            result.idle_ms_per_s = await self.idle_stage_cost(pids)
            # The stages stop; what Elasticsearch spends now is its idle work and our searches.
            assert self.supervisor is not None
            self.supervisor.stop(grace_s=15)
            result.es_idle_ms_per_s = await self.idle_search_cost(es, articles, pids.get("elasticsearch", []))
        finally:
            await es.close()
            await self.lag_reader.close()
            self.stop()
        new_in_window = [d for d, ts in self.seen.items() if d not in seen0 and t0 <= ts <= t1]
        result.indexed = len(new_in_window)
        result.indexed_rate = len(new_in_window) / (t1 - t0)
        published_in_window = {u: ts for u, ts in self.published.items() if t0 <= ts <= t1}
        result.published = len(published_in_window)
        by_url = {self.url_of[d]: d for d in self.seen}
        for url, ts in published_in_window.items():
            doc = by_url.get(url)
            if doc is None:
                result.unseen_published += 1
                continue
            result.latency_s.append(self.seen[doc] - ts)
            result.after_fetch_s.append(self.seen[doc] - self.fetched[doc])
        if result.indexed:
            result.messages_per_article = {
                stage: round((counts1[stage] - counts0.get(stage, 0.0)) / result.indexed, 2)
                for stage in counts1 if stage in counts0
            }
        for name in cpu1:
            result.cpu_s[name] = round(cpu1[name] - cpu0.get(name, 0.0), 2)
            if result.indexed:
                result.cpu_ms_per_article[name] = round(1000 * result.cpu_s[name] / result.indexed, 2)
        # Saturated: the indexed rate falls short of the offered one, or items published in the
        # window are still not searchable after the grace period, or one stage's lag clearly grows
        # (means of the first and last 10 samples; committed lag is noisy, commits are periodic).
        def lag_mean(samples: list[Sample], stage: str) -> float:
            return sum(x.lag.get(stage, 0.0) for x in samples) / max(1, len(samples))

        growth = max(
            (lag_mean(result.samples[-10:], s) - lag_mean(result.samples[:10], s) for s in STAGES), default=0.0
        )
        result.lag_growth = round(growth, 1)
        result.saturated = (
            result.indexed_rate < 0.9 * self.offered
            or result.unseen_published > 0.1 * max(1, result.published)
            or growth > max(100.0, 0.25 * self.offered * args.duration)
        )
        if not self.args.keep:
            await self.teardown_servers()
        else:
            print(f"  kept topics {self.kafka.topic_prefix}* and indices {self.index_prefix}-*")
        return result

    def sample_pages(self, limit: int, t0: float, t1: float) -> list[tuple[str, str]]:
        """The pages of up to `limit` articles published in the window, as the farm serves them
        now (for the unavoidable work of the same articles, measured after the levels)."""
        urls = sorted(u for u, ts in self.published.items() if t0 <= ts <= t1)
        step = max(1, len(urls) // max(1, limit))
        pages = []
        for url in urls[::step][:limit]:
            try:
                with urllib.request.urlopen(url, timeout=10) as resp:  # the farm, on localhost
                    pages.append((url, resp.read().decode("utf-8", "replace")))
            except OSError:
                continue  # a fault the farm was told to make; the sample is smaller
        return pages

    async def idle_stage_cost(self, pids: dict[str, list[int]], seconds: float = 10.0) -> dict[str, float]:
        """Each stage's CPU ms per second once nothing new arrives: the farm pauses (it still
        serves what it published), the backlog drains (at most 30 s), then 10 s are measured.
        What is left is the stages' fixed work (timers, consumer polls, metrics, the re-check
        tick, the odd re-check of a page that no longer changes), which a busier instance spreads
        over more articles."""
        assert self.supervisor is not None
        request = urllib.request.Request(f"{self.control}/_farm/pause", method="POST")
        with urllib.request.urlopen(request, timeout=10):  # the farm, on localhost
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sum((await self.lag_reader.lags()).values()) > 0:
            await asyncio.sleep(2)
        stages = {name: ps for name, ps in pids.items() if name in STAGES}
        return await cpu_per_second(stages, seconds, lambda: asyncio.sleep(0.25))

    async def idle_search_cost(self, es: Any, index: str, es_pids: list[int], seconds: float = 10.0) -> float:
        """Elasticsearch's CPU ms per second while only the harness searches (as in the window)."""

        async def search() -> None:
            await self.poll_search(es, index)
            await asyncio.sleep(0.25)

        return (await cpu_per_second({"elasticsearch": es_pids}, seconds, search))["elasticsearch"]

    def start_profilers(self, pids: dict[str, list[int]]) -> list[subprocess.Popen[bytes]]:
        """py-spy on the stages named by --profile, for the measuring window (collapsed stacks)."""
        procs = []
        for stage in self.args.profile:
            out = self.args.out / f"profile-{self.name}-{stage}.txt"
            procs.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pids[stage][0]), "--duration", str(int(self.args.duration)),
                 "--rate", "50", "--format", "raw", "--output", str(out), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        return procs

    async def _observe(self, es: Any, index: str, seconds: float, record: tuple[LevelResult, dict[str, list[int]], float] | None) -> None:
        assert self.supervisor is not None
        end = time.monotonic() + seconds
        next_sample = 0.0
        next_farm = 0.0
        while time.monotonic() < end:
            await self.poll_search(es, index)
            now = time.monotonic()
            if now >= next_farm:
                await asyncio.to_thread(self.refresh_published)
                next_farm = now + 2.0
            if record is not None and now >= next_sample:
                result, pids, t0 = record
                self.supervisor.watch()
                lag = await self.lag_reader.lags()
                cpu = {name: sum(map(process_tree_cpu, ps)) for name, ps in pids.items()}
                result.samples.append(Sample(time.time() - t0, len(self.seen), lag, cpu))
                next_sample = now + 1.0
            await asyncio.sleep(0.25)


# --- the campaign ------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version(), "kafka": devstack.config.KAFKA_VERSION,
           "elasticsearch": devstack.config.ES_VERSION}
    for pkg in ("newswire", "faust-streaming", "aiokafka", "elasticsearch", "trafilatura", "spacy"):
        out[pkg] = version(pkg)
    try:
        out["git"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["git"] = "unknown"
    return out


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cores": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "load_before": os.getloadavg()[0], "calibration_ms": calibration_ms()}


def calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload (a JSON round trip of 20,000 records,
    median of 7): the speed of this shared machine at the time of the run. The same code has
    measured 40% slower an hour later here, so runs are compared at equal calibration only."""
    data = [{"id": i, "text": f"paragraph {i} " * 8, "tags": [i % 7, i % 11]} for i in range(20_000)]
    times = []
    for _ in range(7):
        start = time.process_time()
        json.loads(json.dumps(data))
        times.append(time.process_time() - start)
    return round(1000 * statistics.median(times), 1)


async def run_level(
    args: argparse.Namespace, name: str, offered: float, seed: int, work: Path
) -> tuple[LevelResult, list[tuple[str, str]]]:
    """One level's result, and a sample of the pages it served."""
    print(f"level {name}: offered {offered:.1f} articles/s for {args.duration:.0f} s")
    level = Level(args, name, offered, seed, work)
    result = await level.run()
    p95 = result.pct(95)
    print(f"  indexed {result.indexed_rate:.1f}/s, p50 {result.pct(50) or 0:.2f} s, p95 {p95 or 0:.2f} s, "
          f"saturated={result.saturated}, lag end {result.lag_end}")
    return result, level.pages


async def campaign(args: argparse.Namespace) -> dict[str, Any]:
    devstack.up()
    work = ROOT / "var" / "bench-e2e"
    work.mkdir(parents=True, exist_ok=True)
    info: dict[str, Any] = {"machine": machine(), "versions": versions(), "args": dict(vars(args)),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}
    levels: list[LevelResult] = []
    pages: dict[str, list[tuple[str, str]]] = {}
    seed = 1
    saturation: float | None = None
    for offered in args.loads:
        result, pages[f"load-{offered:g}"] = await run_level(args, f"load-{offered:g}", offered, seed, work)
        seed += 1
        levels.append(result)
        if result.saturated:
            saturation = result.indexed_rate
            break
    if saturation is not None and args.search_saturation:
        for share in (0.5, 0.9):
            offered = round(share * saturation, 1)
            name = f"at-{int(share * 100)}pct"
            result, pages[name] = await run_level(args, name, offered, seed, work)
            seed += 1
            levels.append(result)
    info["saturation_rate"] = saturation
    info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    info["levels"] = [asdict(level) | {"p50": level.pct(50), "p95": level.pct(95), "p99": level.pct(99),
                                       "after_fetch_p50": level.pct(50, level.after_fetch_s),
                                       "after_fetch_p95": level.pct(95, level.after_fetch_s)}
                      for level in levels]
    info["unavoidable"] = unavoidable_work(args, info["levels"], pages)
    info["goals"] = goals(info)
    return info


def unavoidable_work(
    args: argparse.Namespace, levels: list[dict[str, Any]], pages: dict[str, list[tuple[str, str]]]
) -> dict[str, Any]:
    """One extraction and one NER pass per article, alone in this process (the stages have
    stopped): on the pages the reference level served, and on real development pages (which the
    capacity model needs: the farm's generated pages are smaller than real ones)."""
    from unavoidable import dev_pages, measure

    ref = reference_level(levels)
    sample = pages.get(ref["name"], [])
    out: dict[str, Any] = {"level": ref["name"], "farm": measure(sample) if sample else {"pages": 0}}
    if args.ner == "lead":
        out["note"] = "NER ran on the lead in the stages; the unavoidable pass reads the full text"
    real = dev_pages(args.unavoidable_pages)
    out["real"] = measure(real) if real else {"pages": 0}
    return out


def capacity_from_e2e(info: dict[str, Any], level: dict[str, Any]) -> dict[str, Any]:
    """The capacity model (`deploy/k8s/capacity.py`) at one million articles a day, fed with this
    run's per-stage costs and the measured re-check mix (`bench/results/rechecks.json`)."""
    sys.path.insert(0, str(ROOT / "deploy" / "k8s"))
    import capacity

    try:
        stage = capacity.StageCosts.from_e2e(info, level)
    except (KeyError, ZeroDivisionError) as exc:  # a level without the counts (nothing indexed)
        return {"cores": None, "inputs": {"error": f"missing {exc}"}, "instances": {}}
    costs = capacity.current_costs()
    rows, _ = capacity.plan(1e6, costs, stage)
    readme_rows, _ = capacity.plan(1e6, costs)
    mix = (
        f"{capacity.RECHECKS_PER_ARTICLE:g} re-checks per article, {capacity.EDITED_SHARE:.2%} of articles edited "
        f"({capacity.EDITS_PER_EDITED:g} edits each), {capacity.UNCHANGED_SAME_BYTES_SHARE:.0%} of unchanged "
        f"re-checks the same bytes, the rest with changed bytes outside the article: fingerprint coverage "
        f"{costs.coverage:.0%}, recognised {costs.hit_rate:.0%}, a check {costs.hit_ratio:.3f} of an extraction "
        f"(`bench/results/rechecks.json`); {capacity.normaliser_pages(costs):.2f} extractions per article; "
        f"the normaliser stage's own work {stage.normaliser_overhead_ms_page:.1f} ms per page extracted, a "
        f"recognised re-check page {stage.normaliser_ms_per_recheck or 0.0:.1f} ms in all "
        f"(`bench/results/normaliser_stage.json`); the fetcher {stage.fetcher_extra_ms_per_page:.2f} ms more per "
        f"real page it passes on than per farm page (`bench/results/page_codec.json`)"
    )
    return {
        "mix": mix,
        "cores": sum(r.instances for r in rows),
        "cores_readme_costs": sum(r.instances for r in readme_rows),
        "inputs": asdict(stage),
        "instances": {r.stage: r.instances for r in rows},
    }


def goals(info: dict[str, Any]) -> dict[str, Any]:
    """Issue #20's three goals from this run's figures: the capacity model fed with them (goal 1),
    throughput, latency and lag (goal 2), and CPU per article against the unavoidable work (3)."""
    levels = {lv["name"]: lv for lv in info["levels"]}
    ref = reference_level(info["levels"])
    cpu = ref["cpu_ms_per_article"]
    es_total = cpu.get("elasticsearch", 0.0)
    idle = ref.get("es_idle_ms_per_s") or 0.0
    es_system = max(0.0, es_total - idle * ref["duration"] / max(1, ref["indexed"]))
    stages = sum(cpu.get(s, 0.0) for s in STAGES)
    system = stages + cpu.get("kafka", 0.0) + es_system
    farm = info["unavoidable"]["farm"]
    at50, at90 = levels.get("at-50pct"), levels.get("at-90pct")
    capacity = capacity_from_e2e(info, ref)
    stage_cpu = {s: cpu[s] for s in STAGES if s in cpu}
    return {
        "reference_level": ref["name"],
        "bottleneck": max(stage_cpu, key=lambda s: stage_cpu[s]) if stage_cpu else None,
        "goal1_cores_1m_per_day": capacity["cores"],
        "goal1_target": 15,
        "goal1_inputs": capacity["inputs"],
        "goal1_mix": capacity.get("mix"),
        "goal1_instances": capacity["instances"],
        "goal1_cores_readme_costs": capacity.get("cores_readme_costs"),
        "goal2_saturation_per_s": info["saturation_rate"],
        "goal2_target_per_s": 25.0,
        "goal2_p95_at_50pct_s": at50["p95"] if at50 else None,
        "goal2_lag_growing_at_90pct": bool(at90["saturated"]) if at90 else None,
        "goal3_system_ms_per_article": round(system, 1),
        "goal3_stages_ms": round(stages, 1),
        "goal3_kafka_ms": cpu.get("kafka"),
        "goal3_es_ms": round(es_system, 1),
        "goal3_es_idle_and_harness_ms": round(es_total - es_system, 1),
        "goal3_unavoidable_ms": farm.get("total_ms_mean"),
        "goal3_ratio": round(system / farm["total_ms_mean"], 2) if farm.get("total_ms_mean") else None,
        "goal3_target_ratio": 1.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=lambda s: [float(x) for x in s.split(",")],
                        default=[2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0],
                        help="Offered loads (articles/s), ascending; stops at the first saturated one.")
    parser.add_argument("--duration", type=float, default=90.0, help="Measuring window per level (s).")
    parser.add_argument("--warmup", type=float, default=20.0, help="Warm-up after the first article (s).")
    parser.add_argument("--grace", type=float, default=10.0, help="Observation after the window (s).")
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--edit-rate", type=float, default=0.1785,
                        help="Share of articles edited once (GDELT: 17.85%% change within a week).")
    parser.add_argument("--edit-after", type=float, default=40.0, help="Seconds from publication to edit.")
    parser.add_argument("--recheck-initial", type=float, default=30.0, help="Tracker's first recheck (s).")
    parser.add_argument("--feeds", choices=("poll", "push"), default="push",
                        help="push (default): the poller's natural schedule (conditional GETs, at least "
                             "2 min apart) plus WebSub (the farm runs a hub; RSS feeds by default); "
                             "poll: every feed every --poll-interval s.")
    parser.add_argument("--feed-format", choices=("alternate", "rss", "atom", "sitemap", "news-sitemap"),
                        default=None, help="The farm's feed formats (default: alternate; rss with --feeds push).")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="Feed poll interval (s), with --feeds poll.")
    parser.add_argument("--ner", choices=("full", "lead"), default="full")
    parser.add_argument("--lead-chars", type=int, default=600, help="With --ner lead: characters NER reads.")
    parser.add_argument("--no-search-saturation", dest="search_saturation", action="store_false",
                        help="Skip the 50%%/90%% runs.")
    parser.add_argument("--processes", type=stage_counts, default={},
                        help="Processes per stage, e.g. enricher=2,normaliser=2 (default 1 each).")
    parser.add_argument("--env", action="append", default=[], help="Extra KEY=VALUE for the stages.")
    parser.add_argument("--profile", type=lambda s: [x for x in s.split(",") if x], default=[],
                        help="Stages to sample with py-spy during the window (collapsed stacks in --out). "
                             "py-spy counts a thread that is runnable but waiting for a core as busy, so on a "
                             "saturated box the event loop's frames (epoll, socket writes, its self-pipe) take "
                             "a share that is not CPU; the stages' CPU is the report's, from /proc.")
    parser.add_argument("--keep", action="store_true", help="Keep the topics and indices (to inspect).")
    parser.add_argument("--unavoidable-pages", type=int, default=100,
                        help="Pages for the unavoidable work (extraction + NER alone), farm and real each.")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--tag", default="", help="Suffix of the report's file names.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    info = asyncio.run(campaign(args))
    path = write_report(info, args.out, tag=args.tag)
    print(f"report: {path}")


if __name__ == "__main__":
    main()
