"""End to end: the farm, the real dev stack, and all six services as separate processes.

Every farm article must appear in Elasticsearch with title, text and canonical URL; the Guardian
article's edit must appear as exactly one revision whose diff changes exactly paragraphs 5, 6 and
7; no article is indexed twice; and killing (-9) and restarting each service in turn during the
run loses nothing and duplicates nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.contracts.ids import article_id
from newswire.es.setup import alias, setup, teardown
from newswire.farm import FarmConfig, run_farm
from newswire.poller.registry import add_feeds
from newswire.runtime.supervisor import Supervisor, free_ports
from newswire.topics import STAGES

GUARDIAN_CHANGED = [5, 6, 7]




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
        await _run_pipeline(kafka_settings, index_prefix, es_client, tmp_path)
    finally:
        await teardown(es_client, index_prefix)


async def _run_pipeline(kafka_settings: KafkaSettings, index_prefix: str, es_client: Any, tmp_path: Path) -> None:
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
        supervisor = Supervisor(env=env, log_dir=tmp_path / "logs", ports=dict(zip(STAGES, free_ports(len(STAGES)))))
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
        finally:
            supervisor.stop()
        logs = {p.name: p.read_text(errors="replace")[-2000:] for p in (tmp_path / "logs").glob("*.log")}
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
