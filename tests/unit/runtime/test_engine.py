"""The engine's settings reach its Kafka clients: a stage's consumer fetches with the
`KafkaSettings` fetch minimum and wait (Faust has no setting for either)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from newswire.config import KafkaSettings, ServiceSettings
from newswire.runtime.stage import Stage


def test_a_stage_consumer_fetches_with_the_configured_minimum_and_wait(tmp_path: Path) -> None:
    settings = ServiceSettings(
        kafka=KafkaSettings(fetch_min_bytes=1234, fetch_max_wait_ms=56), data_dir=str(tmp_path)
    )
    stage = Stage("normaliser", settings)

    async def created() -> tuple[int, int]:
        # the aiokafka consumer exactly as Faust's consumer thread creates it, not started
        thread: Any = getattr(stage.app.consumer, "_thread")  # noqa: B009 - Faust's private thread
        consumer = thread._create_consumer(loop=asyncio.get_running_loop())
        try:
            return consumer._fetch_min_bytes, consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    assert asyncio.run(created()) == (1234, 56)

