"""A message of every contract goes through the real Kafka and comes back valid and equal."""

from __future__ import annotations

import pytest

from newswire.config import KafkaSettings
from newswire.runtime.codec import decode, encode, encode_key
from newswire.topics import PUBLIC_TOPICS
from tests.factories import SAMPLES
from tests.integration.kafka_io import produce, read_until


async def test_every_contract_round_trips_through_kafka(kafka_settings: KafkaSettings, topics: list[str]) -> None:
    for spec in PUBLIC_TOPICS:
        sample = SAMPLES[spec.value]
        name = spec.full_name(kafka_settings.topic_prefix)
        assert name in topics
        key = encode_key(f"roundtrip-{spec.key}")
        await produce(kafka_settings, name, [(key, encode(spec, sample))])
        # other tests share the run's topics: pick ours out by key
        records = await read_until(
            kafka_settings, name, lambda rs: any(r.key == key for r in rs), timeout_s=30
        )
        mine = [r for r in records if r.key == key]
        assert len(mine) == 1, spec.name
        assert decode(spec, mine[0].value) == sample


async def test_topics_are_created_with_registry_configuration(kafka_settings: KafkaSettings, topics: list[str]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    from newswire.kafka.admin import ensure_topics
    from newswire.kafka.clients import aiokafka_kwargs
    from newswire.topics import FEEDS, PAGES

    from newswire.kafka.admin import list_topics
    from newswire.topics import TABLES

    again = await ensure_topics(kafka_settings)
    assert again.created == [] and not again.partition_mismatch  # idempotent
    existing = set(await list_topics(kafka_settings))
    assert {t.full_name(kafka_settings.topic_prefix) for t in TABLES} <= existing  # changelogs made up front
    admin = AIOKafkaAdminClient(**aiokafka_kwargs(kafka_settings))
    await admin.start()
    try:
        described = await admin.describe_topics([PAGES.full_name(kafka_settings.topic_prefix)])
        assert len(described[0]["partitions"]) == PAGES.partitions
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, FEEDS.full_name(kafka_settings.topic_prefix))]
        )
        entries = {c[0]: c[1] for c in configs[0].resources[0][4]}
        assert entries["cleanup.policy"] == "compact"
    finally:
        await admin.close()


async def test_new_topics_are_served_when_ensure_topics_returns(
    kafka_settings: KafkaSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """A topic is in the metadata before its partitions' leaders serve them: a producer then meets
    `NotLeaderForPartition` and retries, a consumer meets it on its first offset lookups. So
    `ensure_topics` returns only once every new partition answers: a first write to each of them
    meets no such error. The wait it uses gives up on a partition nobody serves."""
    import logging
    import uuid

    from aiokafka import AIOKafkaProducer
    from aiokafka.errors import KafkaTimeoutError

    from newswire.kafka.admin import delete_topics, ensure_topics, list_topics, wait_served
    from newswire.kafka.clients import aiokafka_kwargs
    from newswire.topics import TABLES, all_topics

    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}{uuid.uuid4().hex[:6]}-"})
    specs = [*all_topics(), *TABLES]
    try:
        report = await ensure_topics(settings)  # all of them, as a first start does
        assert report.created == sorted(s.full_name(settings.topic_prefix) for s in specs)
        caplog.set_level(logging.DEBUG, logger="aiokafka")
        producer = AIOKafkaProducer(**aiokafka_kwargs(settings), acks="all")
        await producer.start()
        try:
            for spec in specs:
                for partition in range(spec.partitions):
                    await producer.send_and_wait(spec.full_name(settings.topic_prefix), b"x", key=b"k", partition=partition)
        finally:
            await producer.stop()
        errors = [r.getMessage() for r in caplog.records if "NotLeaderForPartition" in r.getMessage()]
        assert errors == []
        with pytest.raises(KafkaTimeoutError):
            await wait_served(settings, {f"{settings.topic_prefix}never-created": 1}, timeout_s=1.5)
    finally:
        await delete_topics(settings, [n for n in await list_topics(settings) if n.startswith(settings.topic_prefix)])
