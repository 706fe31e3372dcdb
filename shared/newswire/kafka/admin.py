"""Topic administration from the registry (aiokafka's admin client: Faust has no public API for
creating topics with per-topic configuration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import TopicPartition

from newswire.config import KafkaSettings
from newswire.kafka.clients import aiokafka_kwargs
from newswire.topics import TABLES, TableSpec, TopicSpec, all_topics


@dataclass
class TopicsReport:
    """What `ensure_topics` did."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    partition_mismatch: dict[str, tuple[int, int]] = field(default_factory=dict)


async def ensure_topics(
    settings: KafkaSettings,
    specs: Iterable[TopicSpec] | None = None,
    replication_factor: int = 1,
) -> TopicsReport:
    """Create every topic that does not exist yet, with its registry configuration, and return once
    every partition of the new topics has a leader that serves it. Idempotent: existing topics are
    left alone and reported (with their partition count if it differs)."""
    # By default the table changelogs too, so that they exist before any stage's first metadata.
    wanted_specs: list[TopicSpec | TableSpec] = list(specs) if specs is not None else [*all_topics(), *TABLES]
    report = TopicsReport()
    admin = AIOKafkaAdminClient(**aiokafka_kwargs(settings), request_timeout_ms=30000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = {spec.full_name(settings.topic_prefix): spec for spec in wanted_specs}
        missing = [
            NewTopic(
                name=name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=spec.kafka_config(),
            )
            for name, spec in wanted.items()
            if name not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another process: that is the goal anyway
            report.created = sorted(t.name for t in missing)
        present = [name for name in wanted if name in existing]
        report.existing = sorted(present)
        if present:
            for meta in await admin.describe_topics(present):
                name = meta["topic"]
                count = len(meta.get("partitions", []))
                if count != wanted[name].partitions:
                    report.partition_mismatch[name] = (count, wanted[name].partitions)
    finally:
        await admin.close()
    if missing:
        await wait_served(settings, {t.name: t.num_partitions for t in missing})
    return report


async def wait_served(settings: KafkaSettings, partitions: dict[str, int], timeout_s: float = 60.0) -> None:
    """Return once every partition answers a list-offsets request from its leader.

    A topic exists in the metadata before its partitions' leaders serve them: a producer then
    meets `NotLeaderForPartition` and retries, and a consumer that starts in that moment meets it
    on its first offset lookups and fetches. A stage started right after `ensure_topics` should
    find its topics whole. aiokafka's offset lookup retries retriable errors itself until the
    timeout."""
    consumer = AIOKafkaConsumer(**aiokafka_kwargs(settings), group_id=None, enable_auto_commit=False,
                                request_timeout_ms=int(timeout_s * 1000))
    await consumer.start()
    try:
        tps = [TopicPartition(name, p) for name, count in partitions.items() for p in range(count)]
        # assigned, so that the client fetches these topics' metadata now; positioned and paused,
        # so that its fetcher stays idle and only the lookup below asks the leaders
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, 0)
        consumer.pause(*tps)
        await consumer.beginning_offsets(tps)  # KafkaTimeoutError after timeout_s
    finally:
        await consumer.stop()


async def list_topics(settings: KafkaSettings) -> list[str]:
    """Names of the topics in the cluster."""
    admin = AIOKafkaAdminClient(**aiokafka_kwargs(settings))
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def delete_topics(settings: KafkaSettings, names: list[str]) -> None:
    """Delete topics (used by tests to clean up their prefixed topics)."""
    if not names:
        return
    admin = AIOKafkaAdminClient(**aiokafka_kwargs(settings))
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


async def committed_offsets(settings: KafkaSettings, stage: str, topic: TopicSpec) -> int:
    """How far a stage's consumer group has committed on a topic, summed over its partitions (a
    stage's group is `<prefix>newswire-<stage>`): what the stage is done with."""
    admin = AIOKafkaAdminClient(**aiokafka_kwargs(settings))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(f"{settings.topic_prefix}newswire-{stage}")
    finally:
        await admin.close()
    name = topic.full_name(settings.topic_prefix)
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == name and meta.offset > 0)
