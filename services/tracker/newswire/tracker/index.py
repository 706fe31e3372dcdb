"""The due-time index: which articles the re-check timer must look at, without scanning the table.

An in-memory min-heap of (due time, article id) per instance, over the partitions it owns. The
table stays the truth: the index is rebuilt from it once when a partition is assigned (one pass
over the table after a restart or a rebalance, not one per tick) and kept current on every write.
Stale heap entries (a key rescheduled since) are skipped lazily when popped.

Hand-written over `heapq` because no library offers a keyed heap with lazy invalidation that is
simpler than these few lines.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime


class DueIndex:
    """Due times of the articles of the partitions this instance owns."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []
        self._due: dict[str, tuple[float, int]] = {}  # key -> (due timestamp, partition)
        self.partitions: set[int] = set()

    def __len__(self) -> int:
        return len(self._due)

    def put(self, key: str, partition: int, due: datetime | None) -> None:
        """Record (or clear, with None) a key's due time."""
        if due is None:
            self._due.pop(key, None)
            return
        ts = due.timestamp()
        if self._due.get(key) == (ts, partition):
            return
        self._due[key] = (ts, partition)
        heapq.heappush(self._heap, (ts, key))
        if len(self._heap) > 4 * len(self._due) + 1024:  # too many stale entries: compact
            self._heap = [(t, k) for k, (t, _) in self._due.items()]
            heapq.heapify(self._heap)

    def add_partitions(self, entries: Iterable[tuple[str, int, datetime | None]], partitions: set[int]) -> None:
        """Index newly owned partitions from their (key, partition, due) entries."""
        self.partitions |= partitions
        for key, partition, due in entries:
            if partition in partitions:
                self.put(key, partition, due)

    def drop_partitions(self, partitions: set[int]) -> None:
        """Forget partitions no longer owned."""
        self.partitions -= partitions
        self._due = {k: v for k, v in self._due.items() if v[1] not in partitions}
        self._heap = [(ts, k) for ts, k in self._heap if self._due.get(k, (None,))[0] == ts]
        heapq.heapify(self._heap)

    def pop_due(self, now: datetime, limit: int) -> list[tuple[str, int]]:
        """Up to `limit` (key, partition) pairs due at `now`, earliest first; they leave the index
        (the caller sets their next due time after handling them)."""
        out: list[tuple[str, int]] = []
        cutoff = now.timestamp()
        while self._heap and len(out) < limit and self._heap[0][0] <= cutoff:
            ts, key = heapq.heappop(self._heap)
            current = self._due.get(key)
            if current is None or current[0] != ts:
                continue  # rescheduled or cleared since this entry was pushed
            del self._due[key]
            out.append((key, current[1]))
        return out
