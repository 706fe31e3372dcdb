"""Elasticsearch unavailable under load: the sink reaches the shared cluster through a TCP proxy
that the test closes (connections refused, open ones cut) and reopens; the shared cluster itself is
never touched. The sink must hold back (nothing committed that was not stored), keep running, and
catch up: the ledger balances afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.farm.ledger import Outcome
from newswire.topics import ARTICLES_ENRICHED
from tests.chaos.harness import committed_lag, pipeline
from tests.integration.sink.proxy import TcpProxy
from tests.integration.stage_process import free_port


@pytest.mark.chaos
@pytest.mark.parametrize(
    "outage_s",
    [30, pytest.param(300, marks=pytest.mark.slow, id="5min")],
    ids=lambda s: f"{s}s",
)
@pytest.mark.timeout(900)
async def test_an_elasticsearch_outage_loses_nothing(
    outage_s: float, own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    upstream = urlsplit(es_settings.hosts[0])
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 9200, free_port())
    await proxy.open()
    prefix = f"{es_settings.index_prefix}-chaos-es{int(outage_s)}"
    sink_group = f"{own_topics.topic_prefix}newswire-sink"
    env = {"NEWSWIRE_ELASTICSEARCH__HOSTS": json.dumps([f"http://127.0.0.1:{proxy.port}"])}
    try:
        async with pipeline(own_topics, es_client, prefix, tmp_path, env=env) as p:

            async def indexing() -> bool:
                return (await p.ledger()).counts[Outcome.INDEXED] > 0

            assert await p.until(indexing, 240), p.logs()
            before = len(p.items())
            await proxy.close()  # the cluster is gone for the sink
            await p.run_for(outage_s)
            published_during = len(p.items()) - before
            # back-pressure: the sink commits nothing it has not stored, so what arrived during
            # the outage waits uncommitted in Kafka (not in memory, not lost)
            held_back = await committed_lag(own_topics, sink_group, ARTICLES_ENRICHED)
            alive_during = p.alive()
            await proxy.open()  # and back
            result = await p.settle()
            left = -1

            async def caught_up() -> bool:
                nonlocal left
                left = await committed_lag(own_topics, sink_group, ARTICLES_ENRICHED)
                return left == 0

            await p.until(caught_up, 60)
            p.report(
                f"Elasticsearch unavailable {outage_s:g} s", tried=published_during, result=result,
                sink_held_back_at_end_of_outage=held_back, sink_left_after=left,
            )
            assert all(alive_during.values()), (alive_during, p.logs())
            assert not p.exits, (p.exits, p.logs())
            assert published_during > 0
            assert held_back > 0 and left == 0, (held_back, left)
            assert result.balanced, (result.summary(), p.logs())
            assert not result.of(Outcome.FETCH_FAILED, Outcome.DEAD_LETTER), result.summary()
    finally:
        await proxy.close()
