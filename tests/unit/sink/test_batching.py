"""Bulk-request splitting by serialized size."""

from __future__ import annotations

from newswire.sink.batching import split_by_size


def test_split_by_size_keeps_order_and_bounds() -> None:
    assert split_by_size([40, 40, 40, 40], max_bytes=100, max_items=10) == [[0, 1], [2, 3]]
    assert split_by_size([10] * 5, max_bytes=1000, max_items=2) == [[0, 1], [2, 3], [4]]
    # an item larger than the bound travels alone rather than being dropped
    assert split_by_size([10, 500, 10], max_bytes=100, max_items=10) == [[0], [1], [2]]
    assert split_by_size([], max_bytes=100, max_items=10) == []
