"""The re-check policy as pure rules, and the due-time index."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from newswire.tracker.index import DueIndex
from newswire.tracker.schedule import (
    DAY_S,
    RecheckPolicy,
    count_article,
    interval_s,
    next_check_at,
    outlet_factor,
)

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
P = RecheckPolicy()


def series(policy: RecheckPolicy, factor: float = 1.0) -> list[datetime]:
    now, checks, times = T0, 0, []
    while (at := next_check_at(T0, now, checks, policy, factor)) is not None:
        times.append(at)
        now, checks = at, checks + 1
    return times


def test_grows_from_the_first_interval() -> None:
    assert interval_s(0, 0, P) == P.initial_s
    assert interval_s(0, 1, P) == P.initial_s * P.growth
    assert interval_s(0, 2, P) == P.initial_s * P.growth**2


def test_early_cap_then_taper_then_cap() -> None:
    # while young, never more than early_max between checks
    assert interval_s(3600, 30, P) == P.early_max_s
    # after the early window the interval grows on, up to max_interval
    assert interval_s(P.early_window_s, 30, P) == P.max_interval_s
    assert interval_s(P.early_window_s, 0, P) == P.initial_s  # a change resets it


def test_horizon_ends_the_series() -> None:
    times = series(P)
    end = T0 + timedelta(seconds=P.horizon_s)
    assert times[-1] == end and next_check_at(T0, end, 0, P) is None
    gaps = [(b - a).total_seconds() for a, b in zip([T0, *times], times, strict=False)]
    assert all(g <= P.max_interval_s for g in gaps)
    young = [g for t, g in zip(times, gaps, strict=True) if (t - T0).total_seconds() <= P.early_window_s]
    assert max(young) <= P.early_max_s
    assert len(times) <= 25  # the fetch budget of an unchanged article
    short = replace(P, horizon_s=2 * DAY_S)
    assert series(short)[-1] == T0 + timedelta(days=2)


def test_outlet_factor_is_learned_and_bounded() -> None:
    assert outlet_factor(None, P) == 1.0
    stats = None
    for i in range(200):
        stats = count_article(stats, "example.com", new=True, first_edit=i % 2 == 0)  # edits half
    assert stats is not None and stats.articles == 200 and stats.edited == 100
    busy = outlet_factor(stats, P)
    assert 1.5 < busy <= P.outlet_factor_max
    quiet = outlet_factor({"articles": 1000, "edited": 0}, P)
    assert quiet == P.outlet_factor_min
    assert outlet_factor({"articles": 3, "edited": 3}, P) < busy  # few articles: the prior dominates
    # a busy outlet is checked sooner everywhere; a quiet one only stretches the growing part
    assert interval_s(0, 0, P, busy) < interval_s(0, 0, P)
    assert interval_s(3600, 30, P, quiet) == P.early_max_s
    assert len(series(P, busy)) > len(series(P)) > len(series(P, quiet)) - 1


def test_due_index() -> None:
    index = DueIndex()
    index.add_partitions([("a", 0, T0), ("b", 1, T0 + timedelta(minutes=5)), ("c", 2, T0)], {0, 1})
    assert len(index) == 2 and index.partitions == {0, 1}
    index.put("a", 0, T0 + timedelta(minutes=10))  # rescheduled: the old entry is stale
    index.put("d", 0, None)
    assert index.pop_due(T0, 10) == []
    assert index.pop_due(T0 + timedelta(minutes=6), 10) == [("b", 1)]
    index.put("e", 1, T0)
    index.drop_partitions({1})
    assert index.pop_due(T0 + timedelta(hours=1), 10) == [("a", 0)]
    assert len(index) == 0
    for i in range(5):
        index.put(f"k{i}", 0, T0 + timedelta(seconds=i))
    assert [k for k, _ in index.pop_due(T0 + timedelta(minutes=1), 3)] == ["k0", "k1", "k2"]
