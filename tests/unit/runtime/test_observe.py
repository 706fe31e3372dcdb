"""Consumer lag as the stages report it: what waits, not a partition's history."""

from __future__ import annotations

from newswire.runtime.observe import lag_of


def test_a_restarted_stage_with_nothing_new_has_no_lag() -> None:
    # 150 messages in the partition, all committed by the previous run, none read since
    assert lag_of(150, None, 150) == 0


def test_lag_counts_from_the_last_read_or_the_committed_offset_whichever_is_further() -> None:
    assert lag_of(150, None, 100) == 50  # restarted, 50 new messages not read yet
    assert lag_of(150, 119, 100) == 30  # read up to 119 since, commit behind it
    assert lag_of(150, None, None) == 150  # a new group: the whole partition waits
    assert lag_of(150, 149, None) == 0
    assert lag_of(10, 20, None) == 0  # never negative (a high-water mark read earlier)
