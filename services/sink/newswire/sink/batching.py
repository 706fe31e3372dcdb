"""Bulk-request splitting: pure, no I/O.

The runtime cuts a batch by count and time (`newswire.runtime.batches`); the bulk requests sent
for it are split on their serialized size here, so that one request never exceeds the byte bound
whatever the documents weigh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


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
