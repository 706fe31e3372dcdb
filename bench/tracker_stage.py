"""Benchmark: the real tracker stage's CPU per message kind, through Kafka: a first-sight article,
and an unchanged re-check cycle (what nearly all of an article's ~24 fetches are in steady state).

The capacity model (`deploy/k8s/capacity.py`, `StageCosts.from_e2e`) takes the tracker's cost per
fetch from an end-to-end run in which nearly every message the tracker sees is a first-sight
article. This measures both kinds on the real stage (`newswire run tracker`, its own process,
CPU from /proc/<pid>/stat) on fresh topics of the dev stack's Kafka. It reports; it asserts
nothing.

Phase A, first sight: `--articles` NormalisedArticles (typical size, ~25 paragraphs / ~820 words
from the seed texts, each with its own URL, 50 outlets, a lexbor fingerprint and validators, as
the normaliser sends them) wait as a backlog before the stage starts. CPU between the stage's
first ArticleVersion and its N-th, over N-1: ms per new article (observe, an ArticleState and
the outlet's counters written, the version published; consume, decode and commit included).

Idle: the stage's CPU per second while nothing is due (the 1 s re-check timer, Faust's commits
and lag timer, the Kafka clients), measured in every gap: after phase A until 2 s before the
first round can start, and after each round until 2 s before the next. Their mean (weighted by
length) times each window's wall is subtracted from it (the gross figures are kept too).

Phase B, unchanged re-checks: the bench plays the fetcher. It reads the re-check FetchRequests
and answers each with the RecheckResult the fetcher sends for the same bytes (outcome ok, 200,
`unchanged` "same_body", the fingerprint's body digest, the request's validators, fetched now)
on the re-checks topic, keyed by article id. One *cycle* is all of the stage's work for one
re-check: the timer's pop, table read, outlet-counter read (the learned factor) and
`plan_recheck` (its move held until the answer's write, `newswire.tracker.planned`; a table
write of its own before 2026-12-07), the FetchRequest produced; the RecheckResult consumed,
decoded and validated, `observe_unchanged`, the state's table write and the outlet counters'
write, the commit; and the changelog records of the table writes produced to Kafka. Each of the
`--cycles` rounds re-checks every article once; its window runs from just before its first
request is due to the moment the stage's consumer group has committed every answer of the round
(Faust commits only handled messages), and its CPU minus idle x wall, over N, is ms per cycle.

The schedule: `NEWSWIRE_RECHECK_TICK_S` 1, growth 1, the interval `--initial` (default
N / rate + idle + 6 s, so that phase A and an idle window fit before the first round, and an
idle window after each round), `NEWSWIRE_RECHECK_BATCH_MAX` = `--rate`: the timer issues at most
`rate` requests per 1 s tick, so a round of N due at once is issued at `rate`/s (the backlog of
phase A is handled in a few seconds, so without it each round would come as one burst), and
each article is due again `--initial` after its own request. The learned outlet factor falls
below 1 as unchanged re-checks accumulate (it would stretch `initial x growth^n / factor`), but
never stretches the caps: the early and late caps are set to `--initial`, so every interval is
exactly `--initial` (`schedule.interval_s`); the factor is still computed as in production. No
jitter is in the schedule. The rate reported is the one achieved: requests over the ticks that
issued them times the tick period the bench saw (a tick's own work lengthens its period).

    .venv/bin/newswire devstack up
    .venv/bin/python bench/tracker_stage.py [--articles 2000] [--rate 200] [--cycles 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from newswire.config import KafkaSettings
from newswire.contracts import FetchRequest, NormalisedArticle, RecheckResult
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import locate_fixtures
from newswire.kafka.admin import ensure_topics, list_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.local.supervisor import free_ports
from newswire.text import content_hash
from newswire.topics import ARTICLES_NORMALISED, ARTICLES_REVISIONS, ARTICLES_VERSIONS, DLQ, FETCH_REQUESTS, RECHECKS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e import LagReader, machine, versions  # bench/e2e.py: its Kafka clients, its machine description
from proc import cpu_seconds, end_stage_run, start_py_spy  # bench/proc.py, beside this file
from runtime import watch  # bench/runtime.py, beside this file
from tracker import seed_paragraphs  # bench/tracker.py: the same seed texts

HOSTS = 50
PARAGRAPHS = 25  # bench/tracker.py's "typical" article
POLL_S = 0.2


# -- the input -----------------------------------------------------------------------------------


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def articles(n: int, pool: list[str]) -> Iterable[NormalisedArticle]:
    """`n` distinct typical articles as the normaliser sends them: the first 25 seed paragraphs
    (~820 words) rotated per article, its own title and URL, 50 outlets, a fingerprint."""
    base = pool[:PARAGRAPHS]
    now = datetime.now(UTC)
    for i in range(n):
        host = f"news{i % HOSTS}.example.com"
        url = f"https://{host}/world/2026/dec/{i}/talks-resume-in-geneva"
        shift = i % len(base)
        paragraphs = tuple(base[shift:] + base[:shift])
        title = f"Talks on Syria resume in Geneva as envoys meet ({i})"
        yield NormalisedArticle(
            article_id=article_id(url), canonical_url=url, url=url, host=host,
            outlet=f"News {i % HOSTS}", title=title, paragraphs=paragraphs, text="\n\n".join(paragraphs),
            authors=("Jane Doe", "John Smith"), published=now - timedelta(minutes=5), language="en",
            section="World", description=paragraphs[0][:200], tags=("Syria", "Diplomacy"),
            content_hash=content_hash(title, paragraphs), word_count=len(" ".join(paragraphs).split()),
            fetched_at=now, http_status=200, etag=f'"{digest(url + "etag")}"',
            last_modified=now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            fingerprint=PageFingerprint(
                body_digest=digest(url + "body"), region=("#main", "article.story:0", "div.story-body:1"),
                region_digest=digest(url + "region"), region_parser="lexbor",
            ),
        )


async def produce_articles(kafka: KafkaSettings, n: int) -> None:
    producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), linger_ms=20, max_batch_size=256 * 1024)
    await producer.start()
    try:
        root = locate_fixtures()
        if root is None:
            raise SystemExit("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
        topic = ARTICLES_NORMALISED.full_name(kafka.topic_prefix)
        for article in articles(n, seed_paragraphs(root)):
            await producer.send(topic, key=article.article_id.encode(), value=article.to_bytes())
        await producer.flush()
    finally:
        await producer.stop()


# -- the bench's fetcher -------------------------------------------------------------------------


@dataclass
class Round:
    """One re-check round as the bench saw it: every article's k-th request."""

    requests: int = 0
    seen: list[float] = field(default_factory=list)  # monotonic, one per request

    @property
    def first_seen(self) -> float:
        return self.seen[0] if self.seen else 0.0

    def ticks(self) -> list[int]:
        """Requests per timer tick, as seen: requests closer than 0.4 s belong to one tick (the
        timer issues its batch at once every 1 s; the bench polls every 0.2 s)."""
        out: list[int] = []
        last = -1e9
        for t in self.seen:
            if t - last > 0.4:
                out.append(0)
            out[-1] += 1
            last = t
        return out

    def tick_period_s(self) -> float | None:
        """Mean time between the first sightings of successive ticks' batches."""
        starts = [t for prev, t in zip([-1e9, *self.seen], self.seen, strict=False) if t - prev > 0.4]
        return (starts[-1] - starts[0]) / (len(starts) - 1) if len(starts) > 1 else None


@dataclass
class Fetcher:
    """Answers every article's first `rounds` re-check requests as unchanged (`same_body`)."""

    kafka: KafkaSettings
    rounds: list[Round]
    per_article: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    extra: int = 0  # requests beyond the answered rounds
    other_reason: int = 0
    no_fingerprint: int = 0

    def answer(self, request: FetchRequest) -> RecheckResult:
        fingerprint = request.fingerprint
        return RecheckResult(
            article_id=request.article_id, requested_url=request.url, final_url=request.url,
            outcome="ok", status=200, etag=request.etag, last_modified=request.last_modified,
            fetched_at=datetime.now(UTC), unchanged="same_body",
            body_digest=fingerprint.body_digest if fingerprint is not None else None,
        )

    async def run(self, stop: asyncio.Event) -> None:
        prefix = self.kafka.topic_prefix
        consumer = AIOKafkaConsumer(
            FETCH_REQUESTS.full_name(prefix), **aiokafka_kwargs(self.kafka),
            auto_offset_reset="earliest", enable_auto_commit=False, group_id=None,
        )
        producer = AIOKafkaProducer(**aiokafka_kwargs(self.kafka), linger_ms=5)
        await consumer.start()
        await producer.start()
        out = RECHECKS.full_name(prefix)
        try:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=int(POLL_S * 1000), max_records=2000)
                now = time.monotonic()
                sent = []
                for records in batch.values():
                    for record in records:
                        request = FetchRequest.model_validate_json(record.value or b"")
                        if request.reason != "recheck":
                            self.other_reason += 1
                            continue
                        k = self.per_article.get(request.article_id, 0)
                        self.per_article[request.article_id] = k + 1
                        if k >= len(self.rounds):
                            self.extra += 1
                            continue
                        r = self.rounds[k]
                        r.seen.append(now)
                        r.requests += 1
                        self.no_fingerprint += request.fingerprint is None
                        result = self.answer(request)
                        sent.append(await producer.send(out, key=result.article_id.encode(), value=result.to_bytes()))
                if sent:
                    await asyncio.gather(*sent)
                    self.answered += len(sent)
        finally:
            await producer.stop()
            await consumer.stop()


# -- observing the stage -------------------------------------------------------------------------


@dataclass
class Window:
    """CPU and wall time of the stage over a stretch of the run."""

    cpu_s: float
    wall_s: float


class Probe(LagReader):
    """The stage's CPU, and what Kafka says it has done (committed offsets, topic ends): the
    admin and consumer clients of bench/e2e.py's LagReader."""

    def __init__(self, kafka: KafkaSettings, pid: int):
        super().__init__(kafka)
        self.pid = pid
        self.group = f"{kafka.topic_prefix}newswire-tracker"

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    async def committed(self, topic: str) -> int:
        offsets = await self.admin.list_consumer_group_offsets(self.group)
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)

    async def ends(self, topics: list[str]) -> int:
        """Messages ever written to `topics` (fresh topics: the sum of their end offsets)."""
        await self.consumer._client.force_metadata_update()
        tps = [TopicPartition(t, p) for t in topics for p in sorted(self.consumer.partitions_for_topic(t) or ())]
        return sum((await self.consumer.end_offsets(tps)).values()) if tps else 0

    async def changelogs(self) -> int:
        names = [t for t in await list_topics(self.kafka) if t.startswith(self.kafka.topic_prefix) and "changelog" in t]
        return await self.ends(names)

    async def idle(self, until: float) -> Window:
        """The stage's CPU from now until `until` (monotonic)."""
        began, cpu = time.monotonic(), self.cpu()
        await asyncio.sleep(max(0.0, until - began))
        return Window(self.cpu() - cpu, time.monotonic() - began)


async def first_sight(probe: Probe, n: int, timeout_s: float) -> tuple[Window, float, int]:
    """Phase A: the stage's CPU and wall between its first ArticleVersion and its n-th; the
    monotonic time the first was seen; versions seen."""
    _, cpu, wall, seen = await watch(probe.kafka, n, probe.pid, timeout_s, topic=ARTICLES_VERSIONS)
    return Window(cpu, wall), time.monotonic() - wall, seen


async def wait_committed(probe: Probe, count: int, deadline: float) -> None:
    topic = RECHECKS.full_name(probe.kafka.topic_prefix)
    while await probe.committed(topic) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the stage did not commit {count} re-check results in time")
        await asyncio.sleep(POLL_S)


# -- the run -------------------------------------------------------------------------------------


def stage_env(args: argparse.Namespace, kafka: KafkaSettings, data: Path) -> dict[str, str]:
    """The tracker's settings for the run (see the module's docstring for the schedule)."""
    initial = f"{args.initial:g}"
    return {
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_DATA_DIR": str(data),
        "NEWSWIRE_WEB_PORT": str(free_ports(1)[0]),
        "NEWSWIRE_LOG_LEVEL": "WARNING",
        "NEWSWIRE_RECHECK_TICK_S": "1",
        "NEWSWIRE_RECHECK_BATCH_MAX": str(max(1, round(args.rate))),
        "NEWSWIRE_RECHECK_GROWTH": "1.0",
        "NEWSWIRE_RECHECK_INITIAL_S": initial,
        "NEWSWIRE_RECHECK_EARLY_MAX_S": initial,
        "NEWSWIRE_RECHECK_MAX_INTERVAL_S": initial,
        "NEWSWIRE_RECHECK_HORIZON_S": str(30 * 86400),
    }


async def measure(args: argparse.Namespace, kafka: KafkaSettings, pid: int, deadline: float) -> dict[str, Any]:
    """Phases A and B on the running stage; the figures."""
    n, initial = args.articles, args.initial
    probe = Probe(kafka, pid)
    await probe.start()
    fetcher = Fetcher(kafka, [Round() for _ in range(args.cycles)])
    stop = asyncio.Event()
    answering = asyncio.create_task(fetcher.run(stop))
    try:
        a, first_version, versions = await first_sight(probe, n, deadline - time.monotonic())
        if versions < n:
            raise TimeoutError(f"only {versions} of {n} versions in time")
        a_end = time.monotonic()
        changelog_a = await probe.changelogs()
        # Idle windows fill the gaps, each ending 2 s before the next round can start: an article
        # is due `initial` after it was handled (a little before its version was seen), then
        # `initial` after each of its requests (a little before the bench saw it).
        idles: list[tuple[str, Window]] = []
        await asyncio.sleep(max(0.0, a_end + 1.0 - time.monotonic()))
        idles.append(("before round 1", await probe.idle(first_version + initial - 2.0)))
        windows: list[Window] = []
        at_end: list[int] = []
        for k, r in enumerate(fetcher.rounds):
            name, gap = idles[-1]
            if gap.wall_s < 3.0:
                raise SystemExit(f"no room for the idle window {name} ({gap.wall_s:.1f} s; phase A took "
                                 f"{a.wall_s:.1f} s): raise --initial")
            if r.requests:
                raise SystemExit(f"round {k + 1}'s requests came during the idle window {name}: raise --initial")
            began, cpu = time.monotonic(), probe.cpu()
            await wait_committed(probe, (k + 1) * n, deadline)
            windows.append(Window(probe.cpu() - cpu, time.monotonic() - began))
            # requests of the next round (or beyond) already issued inside this window: none expected
            at_end.append(fetcher.rounds[k + 1].requests if k + 1 < len(fetcher.rounds) else fetcher.extra)
            if r.requests != n:
                raise SystemExit(f"round {k + 1}: {r.requests} requests for {n} articles")
            await asyncio.sleep(0.5)
            until = r.first_seen + initial - 2.0
            idles.append((f"after round {k + 1}", await probe.idle(until)))
        if fetcher.extra:
            raise SystemExit("requests beyond the last round came during the last idle window: raise --initial")
        changelog_b = await probe.changelogs()
        prefix = kafka.topic_prefix
        outputs = {
            "versions": await probe.ends([ARTICLES_VERSIONS.full_name(prefix)]),
            "revisions": await probe.ends([ARTICLES_REVISIONS.full_name(prefix)]),
            "dead_letters": await probe.ends([DLQ.full_name(prefix)]),
        }
    finally:
        stop.set()
        await answering
        await probe.close()

    idle_cpu = sum(w.cpu_s for _, w in idles)
    idle_wall = sum(w.wall_s for _, w in idles)
    idle = idle_cpu / idle_wall
    net = [w.cpu_s - idle * w.wall_s for w in windows]
    b_wall = sum(w.wall_s for w in windows)
    total = n * args.cycles
    periods = [p for r in fetcher.rounds if (p := r.tick_period_s()) is not None]
    # a round issued in t ticks takes t tick periods at the timer's rate
    spans = [len(r.ticks()) * (statistics.mean(periods) if periods else 1.0) for r in fetcher.rounds]
    return {
        "ms_per_new_article": round(1000 * (a.cpu_s - idle * a.wall_s) / max(n - 1, 1), 4),
        "ms_per_new_article_gross": round(1000 * a.cpu_s / max(n - 1, 1), 4),
        "ms_per_recheck_cycle": round(1000 * sum(net) / total, 4),
        "ms_per_recheck_cycle_gross": round(1000 * sum(w.cpu_s for w in windows) / total, 4),
        "idle_ms_per_s": round(1000 * idle, 3),
        "phase_a": {"articles": n, "cpu_s": round(a.cpu_s, 3), "wall_s": round(a.wall_s, 3),
                    "articles_per_s": round((n - 1) / a.wall_s, 1) if a.wall_s else None},
        "phase_b": {
            "cycles": total,
            "rounds": [
                {"requests": r.requests, "ticks": len(r.ticks()), "most_per_tick": max(r.ticks()),
                 "tick_period_s": round(r.tick_period_s() or 0.0, 3), "issue_rate_per_s": round(r.requests / s, 1),
                 "cpu_s": round(w.cpu_s, 3), "wall_s": round(w.wall_s, 3),
                 "ms_per_cycle": round(1000 * x / n, 4), "next_round_requests_in_window": e}
                for r, s, w, x, e in zip(fetcher.rounds, spans, windows, net, at_end, strict=True)
            ],
            "issue_rate_per_s": round(total / sum(spans), 1),
            "mean_rate_over_windows_per_s": round(total / b_wall, 1),
            "answered": fetcher.answered,
        },
        "idle_windows": [{"when": name, "cpu_s": round(w.cpu_s, 3), "wall_s": round(w.wall_s, 2),
                          "ms_per_s": round(1000 * w.cpu_s / w.wall_s, 3)} for name, w in idles],
        "checks": {
            **outputs,
            "changelog_records_phase_a": changelog_a,
            "changelog_records_phase_b": changelog_b - changelog_a,
            "requests_without_fingerprint": fetcher.no_fingerprint,
            "requests_not_recheck": fetcher.other_reason,
            "requests_beyond_rounds": fetcher.extra,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="re-check requests per second (per 1 s tick)")
    parser.add_argument("--cycles", type=int, default=3, help="re-check rounds (each re-checks every article once)")
    parser.add_argument("--idle", type=float, default=10.0,
                        help="about this many seconds of idle between rounds (sets the default --initial)")
    parser.add_argument("--initial", type=float, default=None,
                        help="re-check interval, s (default: articles / rate + idle + 6)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "tracker_stage.json")
    parser.add_argument("--timeout", type=float, default=300.0, help="for the whole run, s")
    parser.add_argument("--profile", type=Path, default=None,
                        help="sample the stage with py-spy for the whole run (raw collapsed stacks here)")
    args = parser.parse_args()
    if args.initial is None:
        args.initial = args.articles / args.rate + args.idle + 6.0
    if args.initial < args.articles / args.rate + 8.0:
        raise SystemExit("--initial must leave a round (articles / rate) and an idle window between rounds")
    info = {"machine": machine(), "versions": versions()}
    prefix = f"bench-trk-{uuid.uuid4().hex[:8]}."
    kafka = KafkaSettings(topic_prefix=prefix)
    work = Path(tempfile.mkdtemp(prefix="tracker-stage-bench-"))
    data = work / "data"
    env = stage_env(args, kafka, data)
    began = time.monotonic()
    proc: subprocess.Popen[bytes] | None = None
    spy: subprocess.Popen[bytes] | None = None
    try:
        asyncio.run(ensure_topics(kafka))
        print(f"producing {args.articles} articles on {ARTICLES_NORMALISED.full_name(prefix)} ...", flush=True)
        asyncio.run(produce_articles(kafka, args.articles))
        print(f"starting the tracker (re-checks every {args.initial:g} s, at most {env['NEWSWIRE_RECHECK_BATCH_MAX']}"
              f" per 1 s tick); about {int(args.initial * (args.cycles + 1) + 20)} s ...", flush=True)
        proc = subprocess.Popen([sys.executable, "-m", "newswire.cli.main", "run", "tracker"],
                                env={**os.environ, **env}, stdout=(work / "stage.log").open("wb"),
                                stderr=subprocess.STDOUT)
        if args.profile:
            spy = start_py_spy(proc.pid, args.profile)
        figures = asyncio.run(measure(args, kafka, proc.pid, began + args.timeout))
        if proc.poll() is not None:
            raise SystemExit(f"the tracker exited ({proc.returncode}); see {work / 'stage.log'}")
    except BaseException:
        print(f"stage log kept: {work / 'stage.log'}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(work, ignore_errors=True)
    finally:
        end_stage_run(proc, spy, kafka)
        shutil.rmtree(data, ignore_errors=True)
    result = {
        "command": " ".join(["bench/tracker_stage.py", *sys.argv[1:]]),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.monotonic() - began, 1),
        **info,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "stage_env": {k: v for k, v in env.items() if k.startswith("NEWSWIRE_RECHECK")},
        **figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    b = figures["phase_b"]
    print(f"first sight: {figures['ms_per_new_article']:.3f} ms per new article "
          f"({args.articles} at {figures['phase_a']['articles_per_s']:.0f}/s, a backlog)")
    print(f"unchanged re-check cycle: {figures['ms_per_recheck_cycle']:.3f} ms "
          f"({b['cycles']} cycles issued at {b['issue_rate_per_s']:.0f}/s)")
    rounds = ", ".join(f"{r['ms_per_cycle']:.3f}" for r in b["rounds"])
    print(f"idle: {figures['idle_ms_per_s']:.1f} ms per s (subtracted); per round: {rounds} ms")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
