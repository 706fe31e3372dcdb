"""The outlets misbehave for a while under load: slow answers past the timeouts, 5xx, 429 with
Retry-After and a host answering nothing but 503, all inside one time window. Hosts are backed off
(the failing feed's next poll moves out beyond its normal interval), no stage crashes (the
supervisor restarts nothing) and once the window is over the ledger balances: every article that
was published while the hosts were failing is indexed after all."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.contracts.ids import feed_id
from newswire.farm import Assign, OutletBehaviour
from newswire.farm.ledger import Outcome
from tests.chaos.harness import Pipeline, farm_config, pipeline

#: When the window opens, seconds after the farm started (the stages are up and indexing by then).
WINDOW_START_S = 60.0
#: The normal poll interval of the test (NEWSWIRE_MAX_INTERVAL_S in the harness).
NORMAL_INTERVAL_S = 8.0


def behaviours(window: tuple[float, float]) -> tuple[Assign, ...]:
    """Outlet 0 healthy; 1 slow past the timeouts; 2 and 3 flaky 5xx; 4 throttled; 5 all 503."""
    return (
        Assign(OutletBehaviour(latency_ms=4000.0, latency_jitter_ms=1000.0, fault_window=window), indexes=[1]),
        Assign(OutletBehaviour(error_rate=0.6, error_status=503, fault_window=window), indexes=[2]),
        Assign(OutletBehaviour(error_rate=0.6, error_status=500, fault_window=window), indexes=[3]),
        Assign(OutletBehaviour(throttle_window=window, retry_after_s=5), indexes=[4]),
        Assign(OutletBehaviour(error_rate=1.0, error_status=503, fault_window=window), indexes=[5]),
    )


async def _polls_of(p: Pipeline, feed: str) -> list[dict[str, Any]]:
    from elasticsearch.helpers import async_scan

    from newswire.es.setup import alias

    index = alias(p.index_prefix, "polls")
    await p.es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    query = {"query": {"term": {"feed_id": feed}}}
    return [h["_source"] async for h in async_scan(p.es, index=index, query=query)]


def _seconds(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


# Slow only (the window alone is a minute): the default run keeps to the short faults.
@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.parametrize("window_s", [60], ids=lambda s: f"{s}s")
@pytest.mark.timeout(900)
async def test_misbehaving_hosts_are_backed_off_and_nothing_is_lost(
    window_s: float, own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    window = (WINDOW_START_S, WINDOW_START_S + window_s)
    config = farm_config(behaviours=behaviours(window))
    prefix = f"{es_settings.index_prefix}-chaos-farm{int(window_s)}"
    # timeouts well under the slow outlet's latency, so that it times out rather than answers late
    env = {"NEWSWIRE_TOTAL_TIMEOUT_S": "3", "NEWSWIRE_REQUEST_TIMEOUT_S": "3", "NEWSWIRE_READ_TIMEOUT_S": "3"}
    async with pipeline(own_topics, es_client, prefix, tmp_path, config=config, env=env) as p:
        farm = p.farm
        start = farm.started_at
        opens_in = max(0.0, start + window[0] - time.time())  # the farm's clock is time.time
        await p.run_for(opens_in)
        before = len(p.items())
        p.farm.reset_stats()
        await p.run_for(window_s)
        stats = farm.stats()["per_outlet"]
        published_during = len(p.items()) - before
        alive_during = p.alive()
        result = await p.settle(timeout=300)
        outage_feed = feed_id(farm.outlets[5].feed_url)
        polls = await _polls_of(p, outage_feed)

    failing = [x for x in polls if x.get("error_class")]
    waits = [_seconds(x["next_poll_at"], x["polled_at"]) for x in failing if x.get("next_poll_at")]
    answered = {
        o.name: {k: stats[o.host][k] for k in ("requests_total", "throttled", "errors")}
        for o in farm.outlets if o.host in stats
    }
    p.report(
        f"outlets slow, timing out, 429 and 5xx for {window_s:g} s", tried=published_during, result=result,
        faulty_answers=sum(v["throttled"] + v["errors"] for v in answered.values()),
        longest_backoff_s=round(max(waits, default=0.0), 1), stage_exits=len(p.exits),
    )
    assert all(alive_during.values()) and not p.exits, (alive_during, p.exits, p.logs())
    assert sum(v["throttled"] + v["errors"] for v in answered.values()) > 0, answered
    assert failing, "the all-503 feed never failed a poll"
    assert max(waits) > NORMAL_INTERVAL_S, waits  # backed off beyond its normal interval
    assert result.balanced, (result.summary(), p.logs())
    assert not result.of(Outcome.FETCH_FAILED, Outcome.DEAD_LETTER), result.summary()
