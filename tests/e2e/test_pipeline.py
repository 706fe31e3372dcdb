"""End to end: the farm, the real dev stack, and all seven services as separate processes.

Every farm article must appear in Elasticsearch with title, text and canonical URL; the Guardian
article's edit must appear as exactly one revision whose diff changes exactly paragraphs 5, 6 and
7; no article is indexed twice; and killing (-9) and restarting each service in turn during the
run loses nothing and duplicates nothing.

Then issue #23's goal: the archive holds every page fetched in the run, its body byte for byte
(the fetcher's digest of the raw body), and replaying the archive (`newswire reprocess`) through
the normaliser, tracker, enricher and sink on fresh topics and fresh indices gives the same
articles.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from newswire.archiver.logic import body_of, record_id
from newswire.archiver.reprocess_cmd import replay_pages
from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.es.setup import alias, setup, teardown
from newswire.farm import FarmConfig, run_farm
from newswire.kafka.admin import delete_topics, ensure_topics, list_topics
from newswire.kafka.reader import read_to_end
from newswire.poller.registry import add_feeds
from newswire.runtime.codec import decode_as
from newswire.local.supervisor import Supervisor, free_ports
from newswire.topics import PAGES, STAGES

from tests.chaos.harness import committed_lag
from tests.e2e.helpers import (
    Archive,
    read_archive,
    search_all,
    stage_env,
)

GUARDIAN_CHANGED = [5, 6, 7]
#: The stages a replay of the archive runs through (`newswire reprocess` stands for the fetcher).
REPLAY_STAGES = ("normaliser", "tracker", "enricher", "sink")
#: The archiver's settings in the run: files finished after a few seconds (not 60), so that the
#: pages fetched last are committed soon after the fetcher stops (a stop deletes the open file).
ARCHIVER_ENV = {"NEWSWIRE_ARCHIVE_MAX_FILE_AGE_S": "3", "NEWSWIRE_ARCHIVE_INSTANCE": "e2e"}




async def _search_all(es: Any, index: str) -> list[dict[str, Any]]:
    # the revisions alias exists only once its first monthly index does
    await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    result = await es.search(
        index=index, size=1000, query={"match_all": {}}, ignore_unavailable=True, allow_no_indices=True
    )
    return [hit["_source"] | {"_id": hit["_id"]} for hit in result["hits"]["hits"]]


# The run's own wait (below) ends before pytest's timeout, so that a slow run (a cold dev stack
# on a fresh CI machine) fails with the missing articles and the stage logs, not a bare timeout.
@pytest.mark.timeout(600)
async def test_the_whole_pipeline(
    own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    kafka_settings = own_topics
    index_prefix = f"{es_settings.index_prefix}-e2e"  # other tiers count documents under the run's prefix
    await setup(es_client, index_prefix)
    try:
        run = await _run_pipeline(kafka_settings, index_prefix, es_client, tmp_path)
    finally:
        await teardown(es_client, index_prefix)
    archive = await _check_archive(kafka_settings, run)
    await _check_replay(kafka_settings, es_settings, es_client, tmp_path, run, archive)


@dataclass(frozen=True)
class Run:
    """What the run left for the archive and replay checks."""

    archive_dir: Path
    expected: dict[str, Any]
    guardian: list[Any]
    docs: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    logs: dict[str, str]


async def _run_pipeline(kafka_settings: KafkaSettings, index_prefix: str, es_client: Any, tmp_path: Path) -> Run:
    config = FarmConfig(outlets=6, port=0, articles_per_outlet=3, edit_after_s=25.0)
    async with run_farm(config) as farm:
        expected = {r.url: r for r in farm.articles()}
        guardian = [r for r in expected.values() if r.source.startswith("revision:")]
        # Without the shared fixtures (NEWSWIRE_FIXTURES_DIR) the farm has only generated
        # articles: the run still checks every article and every restart, with no revision.
        assert len(guardian) <= 1 and len(expected) >= 15
        await add_feeds(kafka_settings, [{"url": u} for u in farm.feed_urls(include_dead=False)])
        env = {
            **os.environ,
            "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka_settings.topic_prefix,
            "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": index_prefix,
            "NEWSWIRE_STORE": "rocksdb://",  # the store production runs: recovery is tested on it
            "NEWSWIRE_DATA_DIR": str(tmp_path / "state"),
            "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
            "NEWSWIRE_POLL_INTERVAL_S": "10",
            "NEWSWIRE_MIN_INTERVAL_S": "5",  # the test wants quick re-polls
            "NEWSWIRE_MAX_HINT_S": "10",  # and the farm feeds ask for 5 min (ttl)
            "NEWSWIRE_POLL_TICK_S": "1",
            "NEWSWIRE_RECHECK_INITIAL_S": "8",
            "NEWSWIRE_RECHECK_TICK_S": "2",
            "NEWSWIRE_MIN_HOST_DELAY_S": "0",
            "NEWSWIRE_RETRY__BASE_DELAY_S": "0.5",
        }
        archive_dir = tmp_path / "archive"
        supervisor = Supervisor(
            env=env, log_dir=tmp_path / "logs", ports=dict(zip(STAGES, free_ports(len(STAGES)))),
            stage_env={"archiver": {**ARCHIVER_ENV, "NEWSWIRE_ARCHIVE_DIR": str(archive_dir)}},
        )
        supervisor.start()
        started = time.monotonic()
        articles_index = alias(index_prefix, "articles")
        revisions_index = alias(index_prefix, "revisions")
        try:
            # kill -9 and restart each service in turn while the run is under way
            restarted: list[str] = []
            docs: list[dict[str, Any]] = []
            revisions: list[dict[str, Any]] = []
            while time.monotonic() - started < 420:
                await asyncio.sleep(3)
                supervisor.watch()
                docs = await _search_all(es_client, articles_index)
                revisions = await _search_all(es_client, revisions_index)
                if docs and len(restarted) < len(STAGES):
                    stage = STAGES[len(restarted)]
                    supervisor.restart(stage, hard=True)
                    restarted.append(stage)
                if len(restarted) == len(STAGES) and len({d["canonical_url"] for d in docs}) >= len(expected) and len(revisions) >= len(guardian):
                    await asyncio.sleep(10)  # anything duplicated or late would show now
                    docs = await _search_all(es_client, articles_index)
                    revisions = await _search_all(es_client, revisions_index)
                    break
            # Nothing is fetched once the others stop: the pages topic ends there. The archiver
            # then commits the rest (only ever after its file is finished: a stop would delete
            # the open file, and its pages would wait for a next start).
            supervisor.stop(keep=("archiver",))
            archiver_lag = await _archiver_drained(kafka_settings)
        finally:
            supervisor.stop()
        logs = {p.name: p.read_text(errors="replace")[-2000:] for p in (tmp_path / "logs").glob("*.log")}
        assert archiver_lag == 0, (f"the archiver left {archiver_lag} pages uncommitted", logs.get("archiver.log"))
        by_url = {d["canonical_url"]: d for d in docs}
        missing = sorted(set(expected) - set(by_url))
        assert not missing, (missing[:5], logs)
        assert len(docs) == len(by_url) == len(expected), "an article was indexed twice or unexpected ones appeared"
        for url, record in expected.items():
            doc = by_url[url]
            assert doc["_id"] == article_id(url)
            assert doc["title"] and doc["text"]
            if record.source == "generated":  # seeds may open with an aggregator header, which
                assert record.title.split(" ")[0] in doc["title"]  # the normaliser rightly drops
        if guardian:
            g = by_url[guardian[0].url]
            assert g["version"] == 2, g
            g_revisions = [r for r in revisions if r["article_id"] == g["article_id"]]
            assert len(g_revisions) == 1, g_revisions
            assert g_revisions[0]["changed_paragraphs"] == GUARDIAN_CHANGED
        assert len(revisions) == len(guardian), [r["canonical_url"] for r in revisions]
        assert restarted == list(STAGES)
        return Run(archive_dir, expected, guardian, docs, revisions, logs)


async def _archiver_drained(kafka: KafkaSettings, timeout_s: float = 60.0) -> int:
    """Wait until the archiver's group has committed the whole pages topic; the pages left.
    (No `supervisor.watch()` here: it would start the stopped stages again.)"""
    group = f"{kafka.topic_prefix}newswire-archiver"
    deadline = time.monotonic() + timeout_s
    while (lag := await committed_lag(kafka, group, PAGES)) and time.monotonic() < deadline:
        await asyncio.sleep(1)
    return lag


async def _check_archive(kafka: KafkaSettings, run: Run) -> Archive:
    """Every page on the run's pages topic is in the archive, its body byte for byte; every farm
    article has a response; nothing else is archived; no file is left open."""
    on_topic: list[FetchedPage] = []
    async with aclosing(read_to_end(kafka, PAGES)) as records:
        async for record in records:
            on_topic.append(decode_as(FetchedPage, record.value))
    topic_ids = {record_id("metadata", p): p for p in on_topic}
    left_open = sorted(p.name for p in run.archive_dir.rglob("*.open"))
    assert not left_open, ("files left open after the stop", left_open, run.logs.get("archiver.log"))
    archive = read_archive(run.archive_dir)
    archived = archive.first_copies()
    duplicates = len(archive.pages) - len(archived)
    print(
        f"\narchive: {len(on_topic)} pages on the topic ({len(topic_ids)} distinct), {len(archived)} distinct pages "
        f"archived in {len(archive.files)} files, {duplicates} archived twice"
    )
    # A page may be archived twice (the run kills the archiver with -9: a file it left open is
    # recovered and its uncommitted pages are read and written again), always as the same records.
    for copy in archive.pages:
        first = archived[copy.record_id]
        assert (copy.page, copy.body) == (first.page, first.body), f"{copy.record_id} archived twice, differently"
    missing = sorted(set(topic_ids) - set(archived))
    assert not missing, (f"{len(missing)} of {len(topic_ids)} fetched pages are not in the archive",
                         [topic_ids[m].article_id for m in missing[:5]], run.logs.get("archiver.log"))
    assert set(archived) == set(topic_ids), "pages in the archive that were never on the pages topic"
    for rid, page in topic_ids.items():
        copy = archived[rid]
        assert copy.page == page.model_dump(mode="json", exclude={"html"}), f"{rid}: the archived page differs"
        if page.html is None:
            assert copy.body is None, f"{rid}: a response record for a page without HTML"
            continue
        assert copy.body is not None, f"{rid}: no response record"
        # byte for byte: what the fetcher received (its digest of the raw body), and the HTML
        # the message carries, encoded back as it was decoded (every farm page decodes losslessly;
        # a page that did not would be archived in UTF-8, its metadata saying so, and fail here)
        assert copy.body == body_of(page)[0], (rid, copy.charset, page.charset)
        assert page.body_digest is not None and hashlib.blake2b(copy.body, digest_size=16).hexdigest() == page.body_digest, (
            f"{rid}: archived body is not the fetched body", copy.charset, page.charset
        )
    with_body = {c.page["article_id"] for c in archived.values() if c.body is not None}
    unarchived = sorted(url for url in run.expected if article_id(url) not in with_body)
    assert not unarchived, ("farm articles without an archived response", unarchived[:5])
    if run.guardian:
        # The replay below expects the edit: the archive must hold both fetches of the Guardian
        # article, the original first in replay order.
        g_id = article_id(run.guardian[0].url)
        bodies = [c for c in archived.values() if c.page["article_id"] == g_id and c.body is not None]
        assert len({c.body for c in bodies}) >= 2, [(c.file, c.page["fetched_at"], c.page["reason"]) for c in bodies]
        times = [c.page["fetched_at"] for c in bodies]
        assert times == sorted(times), ("the Guardian's fetches are out of order in the archive", times)
    return archive


async def _check_replay(
    kafka: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path, run: Run, archive: Archive
) -> None:
    """`newswire reprocess` of the archive, on fresh topics, through the normaliser onward into
    fresh indices: the same articles."""
    fresh = kafka.model_copy(update={"topic_prefix": f"{kafka.topic_prefix}replay{uuid.uuid4().hex[:6]}-"})
    fresh_index = f"{es_settings.index_prefix}-replay{uuid.uuid4().hex[:6]}"
    supervisor = Supervisor(
        env=stage_env(fresh, fresh_index, NEWSWIRE_STORE="rocksdb://", NEWSWIRE_DATA_DIR=str(tmp_path / "replay-state")),
        log_dir=tmp_path / "replay-logs",
        stages=REPLAY_STAGES,
        ports=dict(zip(REPLAY_STAGES, free_ports(len(REPLAY_STAGES)))),
    )
    await ensure_topics(fresh)
    await setup(es_client, fresh_index)
    try:
        replay = await replay_pages(fresh, [run.archive_dir])
        distinct = len(archive.first_copies())
        assert not replay.problems, replay.problems[:5]
        assert (replay.pages, replay.duplicates) == (distinct, len(archive.pages) - distinct), replay.summary()
        supervisor.start()
        articles_index = alias(fresh_index, "articles")
        before = {d["_id"]: d for d in run.docs}
        want = len(before)
        docs: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        started = time.monotonic()
        while time.monotonic() - started < 180:
            await asyncio.sleep(2)
            supervisor.watch()
            docs = await search_all(es_client, articles_index)
            revisions = await search_all(es_client, alias(fresh_index, "revisions"))
            versions = {d["_id"]: d.get("version") or 0 for d in docs}
            if (
                len(docs) >= want and len(revisions) >= len(run.revisions)
                and all(versions.get(i, 0) >= (d.get("version") or 0) for i, d in before.items())
            ):
                break
        logs = {p.name: p.read_text(errors="replace")[-2000:] for p in (tmp_path / "replay-logs").glob("*.log")}
        print(f"replay: {replay.summary()}; {len(docs)} articles indexed again of {want}")
        assert len(docs) >= want, (f"{len(docs)} of {want} articles after the replay", logs)
        after = {d["_id"]: d for d in docs}
        assert set(after) == set(before), (sorted(set(before) ^ set(after))[:5], logs)
        fields = ("canonical_url", "title", "text", "version")
        # The versions come out the same because the replay gives each article's pages in the
        # order they were fetched: files in name (= opening time) order, pages in the order their
        # batches were appended, one copy of each (the first). The archiver stores batches
        # concurrently, so two pages of one article in batches built at the same moment could
        # swap places; an article's fetches here are seconds apart (the re-check interval, far
        # above the 2 s batch window), and the archive check asserts the Guardian's are in order.
        differ = {i: [f for f in fields if before[i].get(f) != after[i].get(f)] for i in before}
        differ = {i: f for i, f in differ.items() if f}
        assert not differ, (differ, logs)
        assert sorted((r["article_id"], r["changed_paragraphs"]) for r in revisions) == sorted(
            (r["article_id"], r["changed_paragraphs"]) for r in run.revisions
        ), (revisions, logs)
        if run.guardian:
            g = after[article_id(run.guardian[0].url)]
            assert g["version"] == 2, g
        print(f"replay: {len(after)} articles matched (canonical_url, title, text, version), {len(revisions)} revisions")
    finally:
        supervisor.stop()
        await teardown(es_client, fresh_index)
        await delete_topics(fresh, [t for t in await list_topics(fresh) if t.startswith(fresh.topic_prefix)])
