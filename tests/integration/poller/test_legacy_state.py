"""The poller started over tables the previous release wrote: plain dict records without a
`schema_version`, as they lie in production changelogs. It reads them as they were (a feed not
due is left alone; a due one is polled with its stored state: distrusted validators stay
distrusted, items already seen are not requested again) and writes the polled feed back as a
version 2 record, leaving the other one as it lies."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path

from aiokafka import AIOKafkaProducer

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, utcnow
from newswire.contracts.ids import feed_id
from newswire.farm import FarmConfig, run_farm
from newswire.kafka.clients import aiokafka_kwargs
from newswire.poller.logic import item_identity, seen_key
from newswire.poller.items import seen_digest
from newswire.poller.parsing import parse_feed
from newswire.topics import FEED_STATUS, FETCH_REQUESTS, TABLES
from tests.integration.kafka_io import read_until
from tests.integration.stage_process import StageProcess

PROBLEM = 'same ETag "e1" for changed content'
FAST_POLLING = {
    "NEWSWIRE_POLL_TICK_S": "0.5",
    "NEWSWIRE_POLL_INTERVAL_S": "3",
    "NEWSWIRE_MIN_INTERVAL_S": "1",
    "NEWSWIRE_MAX_INTERVAL_S": "3",
    "NEWSWIRE_MAX_HINT_S": "3",
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_REQUEST_TIMEOUT_S": "5",
}


def legacy_record(url: str, partition: int, **state: object) -> dict[str, object]:
    """A feed record in the previous release's shape (`logic.new_record` + `with_state` then)."""
    config = FeedConfig(feed_id=feed_id(url), url=url, title="legacy", added_at=utcnow())  # type: ignore[arg-type]
    return {
        "config": config.model_dump(mode="json"), "partition": partition, "url": url, "etag": None,
        "last_modified": None, "next_poll_at": 0.0, "consecutive_failures": 0, "disabled": False,
        "disabled_reason": None, **state,
    }


async def produce_to(settings: KafkaSettings, topic: str, partition: int, key: str, value: object) -> None:
    """One table entry as Faust writes it to a changelog (JSON key and value)."""
    producer = AIOKafkaProducer(**aiokafka_kwargs(settings), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, key=json.dumps(key).encode(), value=json.dumps(value).encode(), partition=partition
        )
    finally:
        await producer.stop()


async def test_the_previous_releases_tables_are_read_as_they_were(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    feeds_log, seen_log = (next(t for t in TABLES if t.stage == "poller" and t.table == name).full_name(prefix)
                           for name in ("feeds", "seen"))
    async with run_farm(FarmConfig(outlets=2, port=0, feed_format="rss")) as farm:
        due_url, later_url = farm.feed_urls()
        due_id, later_id = feed_id(due_url), feed_id(later_url)
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(due_url, timeout=10).read())
        identities = [i for i in (item_identity(item) for item in parse_feed(body, due_url).items) if i]
        assert identities
        now = time.time()
        due = legacy_record(
            due_url, 0, polls=7, validators_trusted=False, validator_problem=PROBLEM, content_hash="0" * 32,
            content_etag='"e1"', last_ok_at=now - 600, rate=0.001, interval_s=600.0, kind="feed",
        )
        later = legacy_record(later_url, 1, next_poll_at=now + 86400, polls=3, last_ok_at=now - 60, interval_s=86400.0)
        seen = {seen_digest(seen_key(due_id, i)): now - 600 for i in identities}
        await produce_to(own_topics, feeds_log, 0, due_id, due)
        await produce_to(own_topics, feeds_log, 1, later_id, later)
        await produce_to(own_topics, seen_log, 0, due_id, seen)

        with StageProcess("poller", own_topics, tmp_path, env=FAST_POLLING) as poller:

            def polled(records: list) -> bool:  # type: ignore[type-arg]
                return any(FeedStatus.model_validate_json(r.value).feed_id == due_id for r in records)

            records = await read_until(own_topics, FEED_STATUS.full_name(prefix), polled, timeout_s=60)
            assert polled(records), poller.log()[-3000:]
            await asyncio.sleep(2)  # a misread "later" feed would be polled by now (0.5 s ticks)
            statuses = [FeedStatus.model_validate_json(r.value) for r in
                        await read_until(own_topics, FEED_STATUS.full_name(prefix), lambda _: False, timeout_s=2)]
            requests = await read_until(own_topics, FETCH_REQUESTS.full_name(prefix), lambda _: False, timeout_s=2)
            log = poller.log()

        first = next(s for s in statuses if s.feed_id == due_id)
        assert first.error_class is None and first.status_code == 200, log[-3000:]
        assert first.items_total == len(identities) and first.items_new == 0  # the stored seen set
        assert not first.validators_trusted and first.validator_problem == PROBLEM and first.validator == "none"
        assert all(s.feed_id != later_id for s in statuses)  # not due: its stored next_poll_at
        assert requests == []
        assert "record_unreadable" not in log

        stored = await read_until(own_topics, feeds_log, lambda _: False, timeout_s=2)
        latest = {json.loads(r.key): json.loads(r.value) for r in stored}
        assert latest[later_id] == later  # not polled: never rewritten
        written = latest[due_id]
        assert written["schema_version"] == 2 and written["partition"] == 0
        assert written["poll"]["polls"] >= 8 and written["poll"]["validators_trusted"] is False
        assert written["poll"]["validator_problem"] == PROBLEM and written["config"] == due["config"]
