"""Through the real Kafka: a message still being handled is never committed over, also on a
partition the group has not committed yet.

Two pages after a slow one finish first; Faust alone would commit past the slow page (it checks
no head before a partition's first commit), and a stop before the slow page is done would lose
it. The group must commit nothing until the slow page is done, and a restarted stage must handle
it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage, NormalisedArticle
from newswire.kafka.clients import aiokafka_kwargs
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, PAGES
from tests.e2e.helpers import progress
from tests.factories import fetched_page
from tests.integration.kafka_io import produce, read_until, wait_for
from tests.integration.stage_process import StageProcess


def _page(html: str) -> bytes:
    page = fetched_page().model_dump() | {"html": html, "final_url": f"https://www.example.com/{html.lower()}"}
    return encode(PAGES, FetchedPage.model_validate(page))


async def _committed(kafka: KafkaSettings, group: str, topic: str) -> dict[int, int | None]:
    """The group's committed offset of every partition of `topic` (None where it has none)."""
    consumer = AIOKafkaConsumer(**aiokafka_kwargs(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in range(PAGES.partitions)}
    finally:
        await consumer.stop()


def _texts(records: list) -> set[str]:  # type: ignore[type-arg]
    return {NormalisedArticle.model_validate_json(r.value).text for r in records}


async def test_a_message_in_flight_is_not_committed_over(own_topics: KafkaSettings, tmp_path: Path) -> None:
    release = tmp_path / "release"
    env = {"PROBE_RELEASE": str(release), "NEWSWIRE_PROCESSING_TIMEOUT_S": "600"}
    probe = StageProcess(
        "probe", own_topics, tmp_path, env, module="tests.integration.stages.slow_head_stage"
    )
    pages = PAGES.full_name(own_topics.topic_prefix)
    articles = ARTICLES_NORMALISED.full_name(own_topics.topic_prefix)
    group = f"{own_topics.topic_prefix}newswire-normaliser"
    with probe:
        assert await wait_for(lambda: progress(probe.port).up, 120), probe.log()[-3000:]
        # one key: one partition, never committed, pages at offsets 0, 1, 2
        await produce(own_topics, pages, [(b"k", _page(t)) for t in ("SLOW", "FAST-1", "FAST-2")])
        done = await read_until(own_topics, articles, lambda rs: len(_texts(rs)) >= 2, timeout_s=90)
        assert _texts(done) == {"FAST-1", "FAST-2"}, probe.log()[-3000:]
        await asyncio.sleep(8)  # several of Faust's commit intervals (2.8 s)
        committed = await _committed(own_topics, group, pages)
        assert all(offset in (None, 0) for offset in committed.values()), committed
        probe.stop()  # the slow page is abandoned unfinished: its offset must not be committed
    committed = await _committed(own_topics, group, pages)
    assert all(offset in (None, 0) for offset in committed.values()), committed
    release.touch()
    with StageProcess("probe", own_topics, tmp_path, env, module="tests.integration.stages.slow_head_stage"):
        records = await read_until(own_topics, articles, lambda rs: "SLOW" in _texts(rs), timeout_s=120)
    assert _texts(records) == {"SLOW", "FAST-1", "FAST-2"}
