"""The partition model, locally: several instances of every stage share the work of multi-partition
topics, and nothing is lost or duplicated when instances leave and join again.

Every registry topic is created with its declared partitions (`own_topics`); N instances of each
stage (`NEWSWIRE_SCALE_INSTANCES`, default 2) run as separate processes, each with its own web
port and data dir (RocksDB for the stateful poller and tracker, as in a StatefulSet). Once they
are all up, the farm starts: it publishes at a steady rate and edits a share of its articles
(each edit well after the article appeared, so that the pipeline saw the version before). Then:

1. every instance has done work (its own /metrics counters): the partitions were shared;
2. instance 0 of every stage leaves cleanly (SIGTERM) and later joins again;
3. (the `crash` variant, slow) instance 1 of every stage is killed (-9) and restarted: its
   partitions wait for the group's session timeout before they move, about a minute;
4. arrivals stop; once the pipeline drained, every farm article is indexed exactly once at its
   latest version, every edit is exactly one revision, and no version number was published with
   two ids; the ledger (`newswire.farm.ledger`) accounts the same run independently.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.contracts.ids import article_id
from newswire.es.setup import alias, setup, teardown
from newswire.farm import FarmConfig, run_farm
from newswire.farm.trace import trace
from newswire.poller.registry import add_feeds
from newswire.topics import STAGES
from tests.e2e.helpers import (
    pages_of,
    progress,
    rss_mib,
    search_all,
    stage_env,
    versions_on_kafka,
)
from tests.integration.stage_process import StageProcess

INSTANCES = int(os.environ.get("NEWSWIRE_SCALE_INSTANCES", "2"))
STATEFUL = ("poller", "tracker")
#: The poller's input is a compacted registry read once; its work shows as what it produces.
WORK_COUNTER = {stage: ("messages_out" if stage == "poller" else "messages_in") for stage in STAGES}
#: Edits go live this long after an article appears (after the farm starts for the first ones).
EDIT_AFTER_S = 40.0


def _work(instance: StageProcess) -> float:
    return float(getattr(progress(instance.port), WORK_COUNTER[instance.stage]))


def _logs(instances: dict[str, list[StageProcess]]) -> dict[str, str]:
    return {p.name: p.log()[-1500:] for group in instances.values() for p in group}


def _stop_all(processes: list[StageProcess]) -> None:
    """SIGTERM every process first, then wait for each (they shut down side by side)."""
    for p in processes:
        if p.proc is not None and p.proc.poll() is None:
            p.proc.terminate()
    for p in processes:
        p.stop(timeout=30)


@pytest.mark.e2e
@pytest.mark.timeout(900)
@pytest.mark.parametrize("crash", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["leave-join", "crash"])
async def test_instances_share_the_partitions_and_lose_nothing(
    crash: bool, own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    assert INSTANCES >= 2
    index_prefix = f"{es_settings.index_prefix}-scale"
    await setup(es_client, index_prefix)
    try:
        await _run(own_topics, index_prefix, es_client, tmp_path, crash)
    finally:
        await teardown(es_client, index_prefix)


async def _run(kafka: KafkaSettings, index_prefix: str, es: Any, tmp_path: Path, crash: bool) -> None:
    instances = {
        stage: [
            StageProcess(
                stage, kafka, tmp_path, name=f"{stage}-{i}",
                env=stage_env(
                    kafka, index_prefix, NEWSWIRE_STORE="rocksdb://" if stage in STATEFUL else "memory://"
                ),
            )
            for i in range(INSTANCES)
        ]
        for stage in STAGES
    }
    everyone = [p for group in instances.values() for p in group]
    peak_rss: Counter[str] = Counter()

    def sample_memory() -> None:
        for p in everyone:
            peak_rss[p.stage] = max(peak_rss[p.stage], rss_mib(p.proc.pid if p.proc else None))

    started = time.monotonic()
    try:
        for p in everyone:
            p.start()
        # every instance serves /metrics before the farm publishes anything
        while time.monotonic() - started < 240 and not all(progress(p.port).up for p in everyone):
            await asyncio.sleep(2)
        assert all(progress(p.port).up for p in everyone), _logs(instances)
        up_s = time.monotonic() - started

        config = FarmConfig(
            outlets=12, port=0, articles_per_outlet=1, arrival_rate=0.3, edit_rate=0.3,
            generated_edit_after_s=EDIT_AFTER_S, edit_after_s=EDIT_AFTER_S,
        )
        async with run_farm(config) as farm:
            await add_feeds(kafka, [{"url": u} for u in farm.feed_urls(include_dead=False)])

            # 1. the work is shared: every instance of every stage processes messages
            shares: dict[str, list[float]] = {}
            farm_started = time.monotonic()
            while time.monotonic() - farm_started < 180:
                await asyncio.sleep(3)
                sample_memory()
                shares = {s: [_work(p) for p in group] for s, group in instances.items()}
                if all(all(v > 0 for v in values) for values in shares.values()):
                    break
            shared_s = time.monotonic() - farm_started
            assert all(all(v > 0 for v in values) for values in shares.values()), (shares, _logs(instances))

            # 2. instance 0 of each stage leaves cleanly, the others carry on, then it joins again
            _stop_all([group[0] for group in instances.values()])
            await asyncio.sleep(10)
            for group in instances.values():
                group[0].start()
            await asyncio.sleep(15)

            # 3. instance 1 of each stage crashes (no shutdown, no final commit) and comes back
            if crash:
                for group in instances.values():
                    group[1].kill()
                await asyncio.sleep(5)
                for group in instances.values():
                    group[1].start()

            # 4. arrivals stop (scheduled edits still go live); wait for the pipeline to drain
            farm.catalogue.config.arrival_rate = 0.0
            docs: list[dict[str, Any]] = []
            revisions: list[dict[str, Any]] = []
            expected: dict[str, Any] = {}
            history: list[str] = []  # "t: articles current/expected, revisions", printed at the end
            drain_started = time.monotonic()
            while time.monotonic() - drain_started < 300:
                await asyncio.sleep(3)
                sample_memory()
                expected = {r.url: r for r in farm.articles()}
                docs = await search_all(es, alias(index_prefix, "articles"))
                revisions = await search_all(es, alias(index_prefix, "revisions"))
                current = {d["canonical_url"]: d.get("version") for d in docs}
                done = sum(current.get(u) == r.versions for u, r in expected.items())
                history.append(f"{time.monotonic() - started:.0f} s: {done}/{len(expected)}, {len(revisions)}")
                edits = sum(r.versions - 1 for r in expected.values())
                if done == len(expected) and len(revisions) >= edits and time.monotonic() - drain_started > EDIT_AFTER_S:
                    await asyncio.sleep(10)  # anything duplicated or late would show now
                    docs = await search_all(es, alias(index_prefix, "articles"))
                    revisions = await search_all(es, alias(index_prefix, "revisions"))
                    break
            final_work = {s: [_work(p) for p in group] for s, group in instances.items()}
    finally:
        _stop_all(everyone)
    total_s = time.monotonic() - started
    logs = _logs(instances)
    # one line, first in the captured output (a CI excerpt shows its head)
    print("drain (articles current, revisions): " + "; ".join(history))

    # every farm article exactly once, at its latest version
    by_url: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        by_url.setdefault(d["canonical_url"], []).append(d)
    missing = sorted(set(expected) - set(by_url))
    if missing:
        where = await trace(kafka, {article_id(u) for u in missing})
        print(f"{len(missing)} of {len(expected)} articles not indexed: {where}")
        pytest.fail(f"{len(missing)} of {len(expected)} articles not indexed: {where}\n{logs}")
    assert not {u: len(v) for u, v in by_url.items() if len(v) > 1}, "indexed twice"
    assert set(by_url) == set(expected), sorted(set(by_url) - set(expected))[:5]
    wrong = {u: (by_url[u][0]["version"], r.versions) for u, r in expected.items() if by_url[u][0]["version"] != r.versions}
    if wrong:
        sample = {article_id(u) for u in list(wrong)[:3]}
        print(f"{len(wrong)} articles at another version: {list(wrong.items())[:5]}")
        pytest.fail(
            f"{len(wrong)} articles at another version than the farm's (indexed, farm): {list(wrong.items())[:5]}; "
            f"their revisions {[r['kinds'] for r in revisions if r['article_id'] in sample]}; "
            f"their pages {await pages_of(kafka, sample)}"
        )
    for url in expected:
        assert by_url[url][0]["_id"] == article_id(url)

    # every edit exactly one revision, no revision twice
    edits = sum(r.versions - 1 for r in expected.values())
    assert edits >= 2, "the run must include edits"
    per_version = Counter((r["article_id"], r["version"]) for r in revisions)
    assert not [k for k, n in per_version.items() if n > 1], "a revision indexed twice"
    assert len(revisions) == edits, ([r["canonical_url"] for r in revisions], edits)

    # no duplicate versions: each article's versions are 1..n, each published with one id
    published = await versions_on_kafka(kafka)
    for url, record in expected.items():
        numbers = published.get(article_id(url), {})
        assert sorted(numbers) == list(range(1, record.versions + 1)), (url, sorted(numbers))
        assert all(len(ids) == 1 for ids in numbers.values()), (url, numbers)

    # the ledger (devtools/newswire/farm/ledger.py) accounts the same run independently
    from newswire.farm.ledger import Outcome, PublishedItem, run_ledger

    items = [PublishedItem.from_record(r) for r in expected.values()]
    ledger = await run_ledger(kafka, es, index_prefix, items, failed_fetches=False)
    assert ledger.balanced, ledger.summary()
    # near-duplicates (the seed texts report one event) are indexed too, marked `duplicate_of`
    assert ledger.counts[Outcome.INDEXED] + ledger.counts[Outcome.DUPLICATE] == len(expected), ledger.summary()

    print(
        f"scale-out ({'leave, join, crash' if crash else 'leave, join'}): {INSTANCES} instances per stage, "
        f"{len(expected)} articles, {edits} edits; all up after {up_s:.0f} s, all working {shared_s:.0f} s "
        f"after the farm started, whole run {total_s:.0f} s"
    )
    for stage in STAGES:
        print(
            f"  {stage:<10} work per instance before the restarts {shares[stage]}, at the end "
            f"{final_work[stage]}; peak RSS {peak_rss[stage]:.0f} MiB"
        )
