"""Dead-letter inspection and replay (aiokafka directly: these are one-shot batch reads and
writes outside any stage, where a Faust app would only add a consumer group and a web server)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter
from newswire.kafka.clients import aiokafka_kwargs
from newswire.kafka.reader import read_to_end
from newswire.runtime.codec import decode_as
from newswire.runtime.errors import ContractViolation
from newswire.topics import DLQ

REPLAY_GROUP = "newswire-dlq-replay"
HEADER_REPLAYED_FROM = "newswire-replayed-from"

#: stdlib logging (stderr), not structlog: `newswire dlq list --json` writes its records to stdout.
log = logging.getLogger("newswire.dlq")


@dataclass(frozen=True)
class DeadLetterRecord:
    """A dead letter with its own position on the dead-letter topic."""

    partition: int
    offset: int
    letter: DeadLetter


async def read_dead_letters(
    settings: KafkaSettings,
    *,
    stage: str | None = None,
    limit: int | None = None,
    group: str | None = None,
    timeout_s: float = 5.0,
) -> list[DeadLetterRecord]:
    """Read dead letters up to the current end of the topic.

    Without `group` it reads everything from the beginning and commits nothing (inspection);
    with a group it starts from that group's committed position.
    """
    records: list[DeadLetterRecord] = []
    async with aclosing(read_to_end(settings, DLQ, group=group, timeout_s=timeout_s)) as messages:
        async for msg in messages:
            try:
                letter = decode_as(DeadLetter, msg.value)
            except ContractViolation as exc:
                # Not a dead letter (damaged, or written by something else): it stays on the
                # topic for inspection, and listing and replay go on past it.
                log.warning(
                    "dead_letter_unreadable partition=%s offset=%s error=%s",
                    msg.partition, msg.offset, str(exc)[:300],
                )
                continue
            if stage is None or letter.stage == stage:
                records.append(DeadLetterRecord(msg.partition, msg.offset, letter))
                if limit is not None and len(records) >= limit:
                    break
    return records


async def replay(
    settings: KafkaSettings,
    *,
    stage: str | None = None,
    ids: set[str] | None = None,
    dry_run: bool = False,
    select: Callable[[DeadLetter], bool] | None = None,
) -> list[DeadLetter]:
    """Re-inject dead letters into their source topics, with their original key and bytes.

    Without `ids`, replay reads with a consumer group of its own per stage filter and commits
    after producing, so each dead letter is replayed once; with `ids`, the named dead letters are
    replayed whatever was replayed before. A replayed message that fails again becomes a new dead
    letter. Downstream writes are idempotent, so a replay never duplicates an article.
    """
    group = None if ids else replay_group(settings.topic_prefix, stage)
    records = await read_dead_letters(settings, stage=None, group=group)
    chosen = [
        r.letter
        for r in records
        if (stage is None or r.letter.stage == stage)
        and (ids is None or r.letter.dead_letter_id in ids)
        and (select is None or select(r.letter))
    ]
    if dry_run or not records:
        return chosen
    producer = AIOKafkaProducer(
        **aiokafka_kwargs(settings), acks="all", max_request_size=DLQ.max_message_bytes
    )
    await producer.start()
    try:
        for letter in chosen:
            headers = [(k, v.encode("utf-8")) for k, v in letter.headers.items()]
            headers.append((HEADER_REPLAYED_FROM, letter.dead_letter_id.encode()))
            await producer.send_and_wait(
                letter.source_topic, value=letter.value, key=letter.key, headers=headers
            )
    finally:
        await producer.stop()
    if group is not None:
        await _commit_to_end(settings, group, {(r.partition, r.offset) for r in records})
    return chosen


def replay_group(prefix: str, stage: str | None) -> str:
    """The consumer group that remembers how far replay has got, per stage filter."""
    return f"{prefix}{REPLAY_GROUP}.{stage or 'all'}"


async def _commit_to_end(settings: KafkaSettings, group: str, positions: set[tuple[int, int]]) -> None:
    """Commit the replay group past every dead letter it has read (replayed or filtered out)."""
    topic = DLQ.full_name(settings.topic_prefix)
    last: dict[int, int] = {}
    for partition, offset in positions:
        last[partition] = max(last.get(partition, -1), offset)
    consumer = AIOKafkaConsumer(
        **aiokafka_kwargs(settings), group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = {TopicPartition(topic, p): o + 1 for p, o in last.items()}
        consumer.assign(list(tps))
        await consumer.commit(tps)
    finally:
        await consumer.stop()
