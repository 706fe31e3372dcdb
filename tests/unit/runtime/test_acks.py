"""The commit guard: Faust's acks of messages our handlers did not finish (a message its stream
skipped around a rebalance or a shutdown) must not count towards the committed offset."""

from __future__ import annotations

from dataclasses import dataclass

import faust.streams
from faust.transport.consumer import Consumer

from newswire.runtime import acks


@dataclass(eq=False)
class _Message:
    topic: str
    offset: int = 0


def test_only_finished_messages_of_hand_acked_topics_may_be_acked() -> None:
    acks.manual("unit-acks.articles")
    skipped, done, other = _Message("unit-acks.articles"), _Message("unit-acks.articles", 1), _Message("unit-acks.x")
    acks.finished(done)
    assert not acks.may_ack(skipped)
    assert acks.may_ack(done)
    assert acks.may_ack(other)  # topics the stages do not ack by hand keep Faust's behaviour


def test_the_consumer_refuses_the_ack_of_a_skipped_message() -> None:
    acks.manual("unit-acks.pages")
    assert faust.streams._CStreamIterator is None  # the Cython iterator would ack inline
    skipped = _Message("unit-acks.pages", 7)
    # refused before the consumer's bookkeeping is touched: no consumer state is needed
    assert Consumer.ack(object(), skipped) is False  # type: ignore[arg-type]


def test_partitions_without_a_committed_offset_are_read_from_their_beginning() -> None:
    from aiokafka import TopicPartition
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    acks.manual("unit-acks.versions")
    committed = {
        TopicPartition("unit-acks.versions", 0): None,
        TopicPartition("unit-acks.versions", 1): 0,
        TopicPartition("unit-acks.versions", 2): 17,
        TopicPartition("unit-acks.changelog", 0): None,  # not read by a stage's agent: left to Faust
    }
    assert acks.uncommitted(committed) == [
        TopicPartition("unit-acks.versions", 0), TopicPartition("unit-acks.versions", 1)
    ]
    assert AIOKafkaConsumerThread.seek_to_committed.__name__ == "seek_to_committed_or_beginning"


def test_a_message_still_in_flight_at_the_head_holds_the_commit_back() -> None:
    from collections import defaultdict

    from intervaltree import IntervalTree

    acks.manual("unit-acks.fetch", compacted=False)
    acks.manual("unit-acks.feeds", compacted=True)

    class _Consumer:
        def __init__(self, topic: str, acked: list[int], committed: int) -> None:
            self.tp = _Message(topic)
            self._acked = defaultdict(list, {self.tp: list(acked)})
            self._acked_index = defaultdict(set, {self.tp: set(acked)})
            self._committed_offset = defaultdict(lambda: None, {self.tp: committed})
            self._gap = defaultdict(IntervalTree)

    assert acks.head_missing([11, 12], 10) and not acks.head_missing([10, 11], 10)
    assert not acks.head_missing([11], None)  # nothing committed yet: no head to compare with
    # offset 10 is still being fetched while 11 and 12 are done: nothing may be committed yet
    busy = _Consumer("unit-acks.fetch", [11, 12], 10)
    assert Consumer._new_offset(busy, busy.tp) is None  # type: ignore[arg-type]
    done = _Consumer("unit-acks.fetch", [10, 11, 12], 10)
    assert Consumer._new_offset(done, done.tp) == 13  # type: ignore[arg-type]
    # records deleted by retention: Faust registered the hole it read past, which may be committed
    reset = _Consumer("unit-acks.fetch", [13], 10)
    reset._gap[reset.tp].addi(11, 13)
    assert Consumer._new_offset(reset, reset.tp) == 14  # type: ignore[arg-type]
    # a compacted topic may have no message at the committed offset: Faust's tolerance stays
    compacted = _Consumer("unit-acks.feeds", [11, 12], 10)
    assert Consumer._new_offset(compacted, compacted.tp) == 13  # type: ignore[arg-type]


def test_before_the_first_commit_the_head_is_the_partition_s_first_offset() -> None:
    """Faust checks no head on a partition the group never committed: with offset 0 still being
    fetched and 1 and 2 done, it would commit 3 (and offset 0 would be lost if the partition moved
    before the fetch ended)."""
    from collections import defaultdict

    from aiokafka import TopicPartition
    from intervaltree import IntervalTree

    acks.manual("unit-acks.requests", compacted=False)
    tp = TopicPartition("unit-acks.requests", 3)

    class _Consumer:
        def __init__(self, acked: list[int]) -> None:
            self._acked = defaultdict(list, {tp: list(acked)})
            self._acked_index = defaultdict(set, {tp: set(acked)})
            self._committed_offset: defaultdict[TopicPartition, int | None] = defaultdict(lambda: None)
            self._gap = defaultdict(IntervalTree)

    acks.first_offsets({tp: 0})
    assert acks.commit_head(tp, None) == 0 and acks.commit_head(tp, 12) == 12
    busy = _Consumer([1, 2])
    assert Consumer._new_offset(busy, tp) is None  # type: ignore[arg-type]
    assert busy._acked[tp] == [1, 2]  # kept for the commit once offset 0 is done
    busy._acked[tp].append(0)
    busy._acked_index[tp].add(0)
    assert Consumer._new_offset(busy, tp) == 3  # type: ignore[arg-type]
    # retention deleted the log's first records: the head is where the log now starts
    acks.first_offsets({tp: 40})
    assert Consumer._new_offset(_Consumer([40, 41]), tp) == 42  # type: ignore[arg-type]
    assert Consumer._new_offset(_Consumer([41]), tp) is None  # type: ignore[arg-type]
