"""Acks only for what a handler finished: the commit guard behind at-least-once delivery.

Faust acks, and so lets the consumer commit, a message that its stream *skipped*: one fetched
before a rebalance and taken from the buffer after it, or taken while flow control was suspended
for a rebalance or a shutdown (`faust.streams.Stream._py_aiter`, "skipped_value"; faust-streaming
issues #221/#527). A periodic commit that lands before the partition is revoked, or before the
consumer seeks back to the committed offset, then moves the group past a message nobody
processed: the next owner never sees it. The multi-instance test lost tracker inputs that way.

Our agents read by hand (`stream.noack()`) and call `finished(message)` before acking. This
module refuses every other ack of a message from those topics, so a skipped message stays
uncommitted and is read again after the seek, by this instance or the partition's next owner.

That seek has a hole of its own: after a rebalance Faust seeks every partition to the group's
committed offset, but aiokafka seeks only where one exists. On a partition the group has not
committed yet (a new topic, a new deployment), the messages a rebalance dropped from the
buffers are then never fetched again: the multi-instance test lost a feed of the registry
that way. Such partitions are sought to their beginning instead (what `auto_offset_reset=
earliest` means for a group with no offsets); what is read twice is handled idempotently.

And Faust's commit tolerates one missing offset at the head of a partition's acked offsets
(its gap bookkeeping after a seek is off by one, which the tolerance hides on compacted topics),
and on a partition the group never committed it checks no head at all (it reads a committed
offset of 0 as none): with several messages in flight at once (the fetcher, the retry agents),
the offset still being handled is then committed over, and lost if the partition moves before it
is done. On topics that are not compacted, where offsets have no holes, the head must be the
committed offset or, before the first commit, the partition's first offset.

Faust offers no hook for any of these, hence the patches of `Consumer.ack`, `_new_offset` and
of the consumer thread's `seek_to_committed`; the Cython stream iterator acks inline (without
`Consumer.ack`), so the pure-Python one is used instead (its cost is microseconds per message,
against milliseconds of handling).
"""

from __future__ import annotations

import weakref
from typing import Any

from newswire.runtime.logging import get_logger

log = get_logger("newswire.runtime")

_finished: weakref.WeakSet[Any] = weakref.WeakSet()
_manual_topics: set[str] = set()
_contiguous_topics: set[str] = set()
#: (topic, partition) -> first offset of a hand-acked partition the group never committed: the
#: head its first commit must start from
_first_offsets: dict[tuple[str, int], int] = {}
_installed = False


def manual(topic: str, *, compacted: bool = False) -> None:
    """Messages of `topic` are acked only once `finished` was called for them (and, unless the
    topic is compacted, committed only without a hole before them)."""
    install()
    _manual_topics.add(topic)
    if not compacted:
        _contiguous_topics.add(topic)


def head_missing(acked: list[int], committed: int | None) -> bool:
    """Whether the lowest acked offset lies past the committed one (the next to handle): the
    message at the committed offset is still in flight."""
    return bool(acked) and committed is not None and min(acked) > committed


def commit_head(tp: Any, committed: int | None) -> int | None:
    """The offset a partition's next commit must start from: the committed one or, before the
    group's first commit, the partition's first offset (None when unknown)."""
    return committed if committed is not None else _first_offsets.get((tp.topic, tp.partition))


def first_offsets(starts: Any) -> None:
    """Record the first offsets of never-committed partitions ({partition: offset})."""
    _first_offsets.update({(tp.topic, tp.partition): offset for tp, offset in starts.items()})


def finished(message: Any) -> None:
    """The handler is done with `message` (outputs produced, or failure routed): it may be acked."""
    _finished.add(message)


def may_ack(message: Any) -> bool:
    """Whether an ack of `message` may count towards the committed offset."""
    return message.topic not in _manual_topics or message in _finished


def install() -> None:
    """Patch Faust once per process (idempotent)."""
    global _installed
    if _installed:
        return
    import faust.streams
    from faust.transport.consumer import Consumer

    original = Consumer.ack

    def ack(self: Any, message: Any) -> bool:
        if not may_ack(message):
            return False
        _finished.discard(message)
        return original(self, message)

    Consumer.ack = ack  # type: ignore[method-assign]

    new_offset = Consumer._new_offset

    def strict_new_offset(self: Any, tp: Any) -> int | None:
        head = commit_head(tp, self._committed_offset[tp])
        if (
            tp.topic in _contiguous_topics
            and head is not None
            and head_missing(self._acked[tp], head)
            # a hole Faust saw in the log (records deleted by retention before a reset to the
            # earliest offset) starts one past the committed offset: Faust's tolerance holds there
            and not self._gap[tp].overlaps(head + 1)
        ):
            return None
        return new_offset(self, tp)  # type: ignore[no-any-return]

    Consumer._new_offset = strict_new_offset  # type: ignore[method-assign]
    faust.streams._CStreamIterator = None  # type: ignore[attr-defined]

    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    seek_to_committed = AIOKafkaConsumerThread.seek_to_committed

    async def seek_to_committed_or_beginning(self: Any) -> Any:
        committed = await seek_to_committed(self)
        fresh = uncommitted(committed)
        for tp in committed:
            _first_offsets.pop((tp.topic, tp.partition), None)
        if fresh:
            await self.seek_to_beginning(*fresh)
            try:
                first_offsets(await self.earliest_offsets(*fresh))
            except Exception as exc:  # unknown heads: Faust's own rule until the first commit
                log.warning("first_offsets_unknown", error=str(exc)[:300])
        return committed

    AIOKafkaConsumerThread.seek_to_committed = seek_to_committed_or_beginning  # type: ignore[method-assign]
    _installed = True


def uncommitted(committed: Any) -> list[Any]:
    """The partitions of hand-acked topics in a {partition: committed offset} mapping where the
    group has committed nothing yet (None, or no offset past 0)."""
    return [tp for tp, offset in committed.items() if tp.topic in _manual_topics and not (offset and offset > 0)]
