"""Table access outside a stream event.

Faust finds the partition of a table read or write (its changelog partition and local store) from
the event being processed, and refuses writes without one. A timer has no event, and a retried
message's event belongs to the stage's retry topic, so stages that write tables from timers or
retries name the source partition explicitly with `partition_scope`. Faust has no public API for
this, so it lends Faust the minimal event it reads (topic and partition) through its context
variable; this one module is the only place that touches Faust's internals for it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from faust.streams import _current_event


@dataclass(frozen=True)
class _Message:
    topic: str
    partition: int


class _PartitionEvent:
    """All of a Faust event that a table access reads: the source topic and partition."""

    def __init__(self, topic: str, partition: int) -> None:
        self.message = _Message(topic, partition)


@contextmanager
def partition_scope(topic: str, partition: int) -> Iterator[None]:
    """Make table reads and writes inside the block use `partition` of the (full-named) source
    topic, whatever event is current."""
    event: Any = _PartitionEvent(topic, partition)
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)
