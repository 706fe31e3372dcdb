"""The Kafka broker restarted under load: a private broker (its own dev-stack home and port; the
shared one is never touched) is killed mid-run and started again. Every stage must reconnect on
its own (no process exits, so the supervisor restarts nothing) and nothing is lost."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.farm.ledger import Outcome
from tests.chaos.harness import pipeline, private_broker, warm_up


@pytest.mark.chaos
@pytest.mark.parametrize(
    ("sig", "down_s"),
    [(signal.SIGKILL, 15), pytest.param(signal.SIGTERM, 60, marks=pytest.mark.slow, id="sigterm-60s")],
    ids=["sigkill-15s", "sigterm-60s"],
)
@pytest.mark.timeout(900)
async def test_a_broker_restart_loses_nothing(
    sig: int, down_s: float, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path, run_id: str
) -> None:
    with private_broker(tmp_path / "kafka-home") as broker:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap, topic_prefix=f"chaos-{run_id}.")
        prefix = f"{es_settings.index_prefix}-chaos-kafka"
        await warm_up(kafka)
        async with pipeline(kafka, es_client, prefix, tmp_path) as p:

            async def indexing() -> bool:
                return (await p.ledger()).counts[Outcome.INDEXED] > 0

            assert await p.until(indexing, 240), p.logs()
            before = len(p.items())
            broker.kill(sig)
            await p.run_for(down_s)
            published_during = len(p.items()) - before
            broker.start()
            result = await p.settle(timeout=300)
            alive = p.alive()
            p.report(
                f"Kafka broker {signal.Signals(sig).name} and restarted after {down_s:g} s",
                tried=published_during, result=result, stages_alive=sum(alive.values()),
            )
            assert not p.exits, (p.exits, p.logs())
            assert all(alive.values()), alive
            assert result.balanced, (result.summary(), p.logs())
            assert not result.of(Outcome.FETCH_FAILED, Outcome.DEAD_LETTER), result.summary()
