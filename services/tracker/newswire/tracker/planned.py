"""Re-checks issued and not yet answered: the schedule's move that `plan_recheck` makes (its
`checks`, `last_requested` and `next_check_at`) held in memory until the article's state is next
written, instead of a table write of its own.

Why: an unchanged re-check used to write the article's whole state twice, once when the timer
issued it and once when its result came back, each write a RocksDB put and a changelog record
of the article's text. Holding the first one saves a sixth of the tracker's CPU per re-check
(`bench/tracker_stage.py`: 1.31 ms per cycle against 1.54-1.60 in the same hour). The result's
write carries the move with it, since every read of the article's state sees the held move
(`apply`).

What a crash or a rebalance costs: the held moves of the partitions lost are not in the table,
so their articles are due again at once for whoever owns them next. A re-check in flight is
then issued twice (the fetch is polite and idempotent; the second answer finds the article as
the first left it), and `checks` counts one re-check fewer, so the next interval is one step
shorter. Nothing is lost: the table still says when each article is due, only a little early.

A move is written through instead of held when no re-check follows it (`next_check_at` None:
an answer that never comes would keep it forever) or when `limit` moves are held already (a
bound on memory while many re-checks wait in the fetcher's per-host queues).

Pure: the state records and the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from newswire.tracker.state import ArticleState

__all__ = ["HELD_MAX", "PlannedChecks"]

#: Most moves held at once (~200 bytes each); beyond it a move is written as before.
HELD_MAX = 200_000


@dataclass(frozen=True, slots=True)
class _Move:
    partition: int
    checks: int
    last_requested: datetime | None
    next_check_at: datetime | None


class PlannedChecks:
    """The moves held, by article id (see the module docstring)."""

    def __init__(self, limit: int = HELD_MAX) -> None:
        self._held: dict[str, _Move] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, key: str, partition: int, planned: ArticleState) -> bool:
        """Hold `planned`'s schedule (the state `plan_recheck` returned) instead of writing it;
        False when it must be written now (no re-check follows, or the limit is reached)."""
        if planned.next_check_at is None or (key not in self._held and len(self._held) >= self._limit):
            return False
        self._held[key] = _Move(partition, planned.checks, planned.last_requested, planned.next_check_at)
        return True

    def apply(self, key: str, state: ArticleState) -> ArticleState:
        """The article's state as the table has it, with the move held for it (if any)."""
        move = self._held.get(key)
        if move is None:
            return state
        return state.model_copy(update={
            "checks": move.checks, "last_requested": move.last_requested, "next_check_at": move.next_check_at,
        })

    def written(self, key: str) -> None:
        """The article's state was written (read through `apply`, so with the move): forget it."""
        self._held.pop(key, None)

    def drop_partitions(self, partitions: Iterable[int]) -> None:
        """Forget the moves of partitions this instance no longer owns."""
        gone = set(partitions)
        self._held = {k: m for k, m in self._held.items() if m.partition not in gone}
