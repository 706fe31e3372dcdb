"""Batch bounds and bulk-request splitting: pure, no I/O.

A batch of Kafka records closes when it holds `max_docs` records, `max_bytes` of message bytes, or
when `max_wait_s` have passed since its first record, whichever comes first. The bulk requests
sent for a batch are split again on their serialized size, so that one request never exceeds the
byte bound whatever the documents weigh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BatchLimits:
    """When a batch is full or due."""

    max_docs: int
    max_bytes: int
    max_wait_s: float


@dataclass
class BatchBuffer:
    """Counts what a batch holds and says when it must be flushed."""

    limits: BatchLimits
    count: int = 0
    size: int = 0
    opened_at: float | None = None

    def add(self, size: int, now: float) -> None:
        """One more record of `size` bytes, arrived at `now` (a monotonic clock)."""
        if self.opened_at is None:
            self.opened_at = now
        self.count += 1
        self.size += size

    @property
    def full(self) -> bool:
        """The count or byte bound is reached."""
        return self.count >= self.limits.max_docs or self.size >= self.limits.max_bytes

    def remaining_s(self, now: float) -> float:
        """Seconds left before the batch is due (the whole wait while it is empty)."""
        if self.opened_at is None:
            return self.limits.max_wait_s
        return max(0.0, self.opened_at + self.limits.max_wait_s - now)

    def due(self, now: float) -> bool:
        """Full, or holding records for `max_wait_s` already."""
        return self.count > 0 and (self.full or self.remaining_s(now) <= 0.0)

    @property
    def room(self) -> int:
        """Records that still fit by count."""
        return max(0, self.limits.max_docs - self.count)


@dataclass
class _Chunk:
    indices: list[int] = field(default_factory=list)
    size: int = 0


def split_by_size(sizes: Sequence[int], max_bytes: int, max_items: int) -> list[list[int]]:
    """Split items (by their serialized sizes) into consecutive groups of at most `max_bytes` and
    `max_items`; returns the item indices of each group. An item larger than `max_bytes` travels
    alone (Elasticsearch then answers for it, and the caller dead-letters a 413 or 400).
    Order is kept: the bulk API applies items in request order, which versioning relies on only
    for equal versions, and which makes logs readable."""
    chunks: list[_Chunk] = []
    current = _Chunk()
    for index, size in enumerate(sizes):
        if current.indices and (current.size + size > max_bytes or len(current.indices) >= max_items):
            chunks.append(current)
            current = _Chunk()
        current.indices.append(index)
        current.size += size
    if current.indices:
        chunks.append(current)
    return [c.indices for c in chunks]
