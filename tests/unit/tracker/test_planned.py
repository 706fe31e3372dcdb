"""The schedule's move of a re-check in flight, held in memory until the article's next write
(`newswire.tracker.planned`): every read sees it, a write forgets it, and the answer's write
leaves the table exactly as the two writes of before did."""

from __future__ import annotations

from newswire.runtime.state import from_table, to_table
from newswire.tracker.logic import observe_unchanged, plan_recheck
from newswire.tracker.planned import PlannedChecks
from newswire.tracker.state import ArticleState
from tests.factories import AID
from tests.unit.tracker.test_logic import POLICY, minutes
from tests.unit.tracker.test_unchanged import tracked, unchanged


def planned_state(state: ArticleState, at: float = 30) -> ArticleState:
    _, after = plan_recheck(AID, state, now=minutes(at), policy=POLICY)
    return after


def test_a_held_move_is_seen_by_every_read_and_the_answer_writes_it() -> None:
    table = {AID: to_table(tracked())}
    held = PlannedChecks()

    def read() -> ArticleState:
        return held.apply(AID, from_table(ArticleState, table[AID]))

    planned = planned_state(read())
    assert held.hold(AID, 0, planned) and len(held) == 1
    assert from_table(ArticleState, table[AID]).checks == 0  # nothing written at issue
    assert read() == planned  # every read sees the move
    seen = observe_unchanged(read(), unchanged(31), now=minutes(31))
    assert seen.changed and seen.state is not None
    table[AID] = to_table(seen.state)
    held.written(AID)
    assert len(held) == 0
    # the same table as when the timer wrote the move itself and the answer wrote after it
    before = observe_unchanged(planned, unchanged(31), now=minutes(31)).state
    assert before is not None and from_table(ArticleState, table[AID]) == before
    assert before.checks == 1 and before.next_check_at == planned.next_check_at


def test_no_move_is_held_without_a_next_check_or_beyond_the_limit() -> None:
    state = planned_state(tracked())
    held = PlannedChecks(limit=1)
    assert not held.hold(AID, 0, state.model_copy(update={"next_check_at": None}))
    assert held.hold("a" * 32, 0, state)
    assert not held.hold(AID, 0, state)  # full
    assert held.hold("a" * 32, 0, state)  # replacing one held already is fine
    assert held.apply(AID, tracked()) == tracked()  # nothing held: the table's state


def test_moves_of_partitions_lost_are_forgotten() -> None:
    state = planned_state(tracked())
    held = PlannedChecks()
    held.hold("a" * 32, 0, state)
    held.hold("b" * 32, 1, state)
    held.drop_partitions({1})
    assert len(held) == 1 and held.apply("b" * 32, tracked()) == tracked()
    assert held.apply("a" * 32, tracked()).checks == 1
