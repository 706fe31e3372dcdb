"""A full dead-letter round trip under load.

Poison: one invalid message on every public topic a stage consumes (the feed registry, fetch
requests, pages, normalised articles, versions, enriched articles, revisions, stories, feed status
and the dead-letter topic itself). Recoverable: the normaliser starts with a deliberately tiny
extraction time limit, so the pages it gets are dead-lettered; then it is "fixed" (restarted with
the normal limit) and `newswire dlq replay --stage normaliser` re-injects them. At the end the
ledger balances: the recovered articles are indexed, the poison messages are dead letters of no
article, each with its stage and reason, and no stage crashed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.farm.ledger import Outcome
from newswire.kafka.reader import read_to_end
from newswire.runtime.dlq import read_dead_letters
from newswire.topics import DLQ, PUBLIC_TOPICS, STAGES
from tests.chaos.harness import pipeline
from tests.conftest import REPO
from tests.integration.kafka_io import produce

POISON = b'{"schema_version": 1, "poison": "not a valid message of this topic"}'
#: A time limit no extraction meets: every page is refused (a recoverable misconfiguration).
TINY_EXTRACT_TIMEOUT_S = "0.0001"


@pytest.mark.chaos
@pytest.mark.timeout(900)
async def test_poison_and_a_replayed_fix_leave_the_ledger_balanced(
    own_topics: KafkaSettings, es_settings: ElasticsearchSettings, es_client: Any, tmp_path: Path
) -> None:
    kafka = own_topics
    prefix = f"{es_settings.index_prefix}-chaos-dlq"
    consumed = [s for s in PUBLIC_TOPICS if any(c in STAGES for c in s.consumers)]
    capped = {"normaliser": {"NEWSWIRE_EXTRACT_TIMEOUT_S": TINY_EXTRACT_TIMEOUT_S}}
    async with pipeline(kafka, es_client, prefix, tmp_path, stage_env=capped) as p:

        async def refused() -> bool:
            letters = await read_dead_letters(kafka, stage="normaliser")
            return len(letters) >= 10

        assert await p.until(refused, 240), p.logs()
        for spec in consumed:
            await produce(kafka, spec.full_name(kafka.topic_prefix), [(b"poison", POISON)])
        await p.run_for(10)
        # the fix: the normal limit, then the replay of what the normaliser refused
        p.supervisor.stage_env.clear()
        p.supervisor.restart("normaliser")
        refused_letters = [
            r.letter for r in await read_dead_letters(kafka, stage="normaliser")
            if "extraction took longer" in r.letter.error_message
        ]
        replay = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "newswire.cli.main", "dlq", "replay", "--stage", "normaliser"],
            env=p.supervisor.env, cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert replay.returncode == 0, replay.stdout + replay.stderr
        result = await p.settle(timeout=300)
        letters = [r.letter for r in await read_dead_letters(kafka)]
        async with aclosing(read_to_end(kafka, DLQ)) as records:
            poison_kept_on_dlq = [r.offset async for r in records if r.value == POISON]
        sink_log = (tmp_path / "logs" / "sink.log").read_text(errors="replace")

    poisoned = {
        (letter.stage, letter.source_topic)
        for letter in letters
        if letter.value == POISON and letter.error_type == "ContractViolation"
    }
    # A poison message on the dead-letter topic itself is not dead-lettered again (that could
    # loop): the sink logs it and it stays on the topic, where `dlq list` skips it with a warning.
    expected = {
        (stage, spec.full_name(kafka.topic_prefix))
        for spec in consumed
        for stage in spec.consumers
        if stage in STAGES and spec is not DLQ
    }
    unmatched = {(x.stage, x.source_topic) for x in result.unmatched_dead_letters}
    recovered = [a for a in result.of(Outcome.INDEXED, Outcome.DUPLICATE, Outcome.FLAGGED)]
    p.report(
        "dead-letter round trip: poison on every consumed topic, a refused page replayed after the fix",
        tried=len(consumed) + len(refused_letters), result=result,
        poison_messages=len(consumed), poison_dead_lettered=len(poisoned & expected),
        poison_kept_on_dlq_topic=len(poison_kept_on_dlq),
        refused_then_replayed=len(refused_letters), replay_output=replay.stdout.strip().splitlines()[-1:],
    )
    assert not p.exits, (p.exits, p.logs())
    assert refused_letters, "the capped normaliser refused nothing"
    assert poisoned >= expected, sorted(expected - poisoned)
    assert len(poison_kept_on_dlq) == 1
    dlq_topic = DLQ.full_name(kafka.topic_prefix)
    assert any(f'"topic": "{dlq_topic}"' in line and "dead_letter_not_stored" in line for line in sink_log.splitlines())
    assert unmatched >= expected, sorted(expected - unmatched)  # none of them is an article
    assert result.balanced, (result.summary(), p.logs())
    assert not result.of(Outcome.DEAD_LETTER, Outcome.FETCH_FAILED, Outcome.UNACCOUNTED), result.summary()
    assert len(recovered) == result.total
    assert DLQ in consumed
