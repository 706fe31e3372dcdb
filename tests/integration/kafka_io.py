"""Small helpers to produce to and read from the real Kafka in tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.kafka.clients import aiokafka_kwargs


async def produce(settings: KafkaSettings, topic: str, items: list[tuple[bytes | None, bytes | None]]) -> None:
    """Produce (key, value) pairs and wait for every acknowledgement."""
    producer = AIOKafkaProducer(**aiokafka_kwargs(settings), acks="all", max_request_size=24 * 1024 * 1024)
    await producer.start()
    try:
        for key, value in items:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def read_until(
    settings: KafkaSettings,
    topic: str,
    done: Callable[[list[ConsumerRecord]], bool],
    timeout_s: float = 60.0,
) -> list[ConsumerRecord]:
    """Read a topic from the beginning until `done(records)` holds or the timeout passes."""
    consumer = AIOKafkaConsumer(
        topic, **aiokafka_kwargs(settings), group_id=None, auto_offset_reset="earliest",
        enable_auto_commit=False, max_partition_fetch_bytes=24 * 1024 * 1024, fetch_max_bytes=24 * 1024 * 1024,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not done(records):
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                records.extend(messages)
        return records
    finally:
        await consumer.stop()


async def wait_for(predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Poll a condition until it holds or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.2)
    return predicate()
