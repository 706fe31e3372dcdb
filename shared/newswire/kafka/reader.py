"""Read a topic up to its current end: the one-shot batch read behind the feed registry and the
dead-letter tools (aiokafka directly, since a Faust app would only add a consumer group and a web
server to a read that ends)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.kafka.clients import aiokafka_kwargs
from newswire.topics import TopicSpec


async def read_to_end(
    settings: KafkaSettings,
    spec: TopicSpec,
    *,
    group: str | None = None,
    tail: int | None = None,
    since: datetime | None = None,
    timeout_s: float = 5.0,
) -> AsyncGenerator[ConsumerRecord[bytes, bytes], None]:
    """Yield every record of `spec`'s topic that exists now, partition by partition in offset
    order, then stop.

    Without `group` it reads from the beginning and commits nothing; with a group it starts from
    that group's committed position (still committing nothing: the caller decides). A missing
    topic yields nothing. With `tail`, only the last `tail` records of each partition; with `since`,
    only records whose timestamp is at or after it. Stops early if no record arrives for
    `timeout_s`.
    """
    topic = spec.full_name(settings.topic_prefix)
    consumer = AIOKafkaConsumer(
        **aiokafka_kwargs(settings),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=spec.max_message_bytes,
        fetch_max_bytes=spec.max_message_bytes,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # the topic may be new
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        if since is not None:
            starts = await consumer.offsets_for_times(
                {tp: int(since.timestamp() * 1000) for tp in tps}
            )
            for tp in tps:
                found = starts.get(tp)
                consumer.seek(tp, found.offset if found is not None else ends[tp])
        elif tail is not None:
            begins = await consumer.beginning_offsets(tps)
            for tp in tps:
                consumer.seek(tp, max(begins[tp], ends[tp] - tail))
        elif group is None:
            await consumer.seek_to_beginning(*tps)
        remaining = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=int(timeout_s * 1000))
            if not batch:
                break
            for tp, messages in batch.items():
                for msg in messages:
                    if msg.offset < ends[tp]:
                        yield msg
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
