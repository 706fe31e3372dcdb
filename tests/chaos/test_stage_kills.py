"""`kill -9` of each stage in turn under load, each restarted at once: nothing lost, nothing indexed
twice, and the stateful stages pick their state up from Kafka:

- poller: every feed's first poll after the restart still sends its validators (ETag /
  Last-Modified; unconditional polls are switched off for the test), and items are not announced
  again (the sum of `items_new` over all polls stays at the number of articles, give or take the
  poll that was in flight when the process died);
- tracker: no article re-emitted as a new version, and every edit exactly one revision (the
  ledger's revision checks);
- enricher: every version enriched once more is still indexed once (the ledger's checks).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.farm.ledger import Outcome
from newswire.topics import STAGES
from tests.chaos.harness import Pipeline, pipeline


async def _polls(p: Pipeline) -> list[dict[str, Any]]:
    from elasticsearch.helpers import async_scan

    from newswire.es.setup import alias

    index = alias(p.index_prefix, "polls")
    await p.es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    return [h["_source"] async for h in async_scan(p.es, index=index, query={"query": {"match_all": {}}})]


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()


@pytest.mark.chaos
@pytest.mark.slow
@pytest.mark.timeout(1200)
async def test_kill_9_of_each_stage_in_turn_loses_nothing(
    own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    prefix = f"{es_settings.index_prefix}-chaos-kill"
    env = {"NEWSWIRE_UNCONDITIONAL_EVERY": "0"}
    async with pipeline(own_topics, es_client, prefix, tmp_path, env=env) as p:

        async def indexing() -> bool:
            return (await p.ledger()).counts[Outcome.INDEXED] > 0

        assert await p.until(indexing, 240), p.logs()
        killed_at: dict[str, float] = {}
        for stage in STAGES:
            await p.run_for(12)  # the load goes on between kills
            p.supervisor.restart(stage, hard=True)
            killed_at[stage] = time.time()
        result = await p.settle()
        polls = await _polls(p)

    # poller: validators survive the restart
    restart = killed_at["poller"]
    first_after: dict[str, dict[str, Any]] = {}
    for poll in sorted(polls, key=lambda x: _ts(x["polled_at"])):
        if _ts(poll["polled_at"]) > restart + 1 and poll["feed_id"] not in first_after:
            first_after[poll["feed_id"]] = poll
    lost_validators = [f for f, poll in first_after.items() if poll["validator"] == "none"]
    announced = sum(int(poll.get("items_new") or 0) for poll in polls)
    p.report(
        "kill -9 of each stage in turn, then restart", tried=len(STAGES), result=result,
        feeds_polled_after_poller_restart=len(first_after), feeds_that_lost_validators=len(lost_validators),
        items_announced=announced,
    )
    assert result.balanced, (result.summary(), p.logs())
    assert not result.of(Outcome.FETCH_FAILED, Outcome.DEAD_LETTER, Outcome.UNREACHABLE), result.summary()
    assert not p.exits, p.exits
    assert first_after and not lost_validators, (lost_validators, first_after)
    # items announced again after the restart: at most the poll in flight at the kill
    assert announced <= result.total + 10, (announced, result.total)
