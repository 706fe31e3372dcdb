"""Batch bounds (count, bytes, time) and bulk-request splitting."""

from __future__ import annotations

from newswire.sink.batching import BatchBuffer, BatchLimits, split_by_size


def test_a_batch_closes_on_count() -> None:
    buffer = BatchBuffer(BatchLimits(max_docs=3, max_bytes=10_000, max_wait_s=5))
    for _ in range(2):
        buffer.add(10, now=0.0)
    assert not buffer.due(0.1) and buffer.room == 1
    buffer.add(10, now=0.1)
    assert buffer.full and buffer.due(0.1) and buffer.room == 0


def test_a_batch_closes_on_bytes() -> None:
    buffer = BatchBuffer(BatchLimits(max_docs=100, max_bytes=100, max_wait_s=5))
    buffer.add(60, now=0.0)
    assert not buffer.due(0.0)
    buffer.add(60, now=0.0)
    assert buffer.due(0.0)


def test_a_batch_closes_on_time_counted_from_its_first_record() -> None:
    buffer = BatchBuffer(BatchLimits(max_docs=100, max_bytes=10_000, max_wait_s=1.0))
    assert buffer.remaining_s(50.0) == 1.0 and not buffer.due(50.0)  # empty: never due
    buffer.add(1, now=10.0)
    buffer.add(1, now=10.8)
    assert abs(buffer.remaining_s(10.8) - 0.2) < 1e-9
    assert not buffer.due(10.9)
    assert buffer.due(11.0)


def test_split_by_size_keeps_order_and_bounds() -> None:
    assert split_by_size([40, 40, 40, 40], max_bytes=100, max_items=10) == [[0, 1], [2, 3]]
    assert split_by_size([10] * 5, max_bytes=1000, max_items=2) == [[0, 1], [2, 3], [4]]
    # an item larger than the bound travels alone rather than being dropped
    assert split_by_size([10, 500, 10], max_bytes=100, max_items=10) == [[0], [1], [2]]
    assert split_by_size([], max_bytes=100, max_items=10) == []
