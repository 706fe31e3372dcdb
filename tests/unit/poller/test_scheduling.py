"""Scheduling: adaptive interval, feed- and server-asked delays, jitter, host Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswire.contracts import FeedConfig
from newswire.contracts.ids import feed_id
from newswire.poller.scheduling import (
    Bounds,
    adaptive_interval,
    asked_delay,
    bounds_for,
    host_deferred,
    next_delay,
    rate_from_dates,
    update_rate,
)

B = Bounds(120, 86400)


def test_adaptive_interval_follows_the_item_rate() -> None:
    assert adaptive_interval(None, 900, B) == 900
    assert adaptive_interval(1 / 600, 900, B) == 600  # one item every 10 min: poll every 10 min
    assert adaptive_interval(1.0, 900, B) == 120  # clamped below
    assert adaptive_interval(0.0, 900, B) == 86400  # silent feed: the upper bound
    assert adaptive_interval(1 / 10**7, 900, B) == 86400


def test_rate_estimates() -> None:
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    dates = [t0 + timedelta(hours=h) for h in range(5)]
    assert rate_from_dates(dates) == 4 / (4 * 3600)
    assert rate_from_dates(dates[:2]) is None and rate_from_dates([t0, t0, t0]) is None
    assert update_rate(None, 3, 300) == 0.01
    assert update_rate(0.01, 0, 300, alpha=0.5) == 0.005
    assert update_rate(0.01, 5, 0) == 0.01
    # a first quiet poll (a new feed with no dated items yet, a 304) leaves the rate unknown, so
    # the feed keeps its default interval instead of jumping to the longest one
    assert update_rate(None, 0, 300) is None
    assert adaptive_interval(update_rate(None, 0, 300), 900, B) == 900
    # a quiet feed slows down poll after poll, a busy one speeds up
    rate: float | None = 1 / 600
    intervals = []
    for _ in range(10):
        interval = adaptive_interval(rate, 900, B)
        intervals.append(interval)
        rate = update_rate(rate, 0, interval)
    assert intervals == sorted(intervals) and intervals[-1] > 5 * intervals[0]


def test_feed_bounds_override() -> None:
    config = FeedConfig(
        feed_id=feed_id("http://x.example/f"), url="http://x.example/f",
        added_at=datetime(2024, 1, 1, tzinfo=UTC), min_interval_s=600, max_interval_s=3600,
    )
    assert bounds_for(B, config) == Bounds(600, 3600)


def test_asked_delays() -> None:
    now = 1_700_000_000.0
    assert asked_delay({}, now) is None
    assert asked_delay({"cache-control": "public, max-age=600"}, now) == 600
    assert asked_delay({"cache-control": "s-maxage=60, max-age=600"}, now) == 60
    expires = "Tue, 14 Nov 2023 22:43:20 GMT"  # now + 1800
    assert asked_delay({"expires": expires}, now) == 1800
    assert asked_delay({"expires": "garbage"}, now) is None
    assert asked_delay({}, now, ttl_s=3600, update_period_s=1800) == 3600
    assert asked_delay({"cache-control": "max-age=60"}, now, ttl_s=300) == 300


def test_next_delay_jitter_and_floor() -> None:
    assert next_delay(600, asked_s=None, hint_cap_s=86400, jitter=0.1, draw=0.5) == 600
    assert next_delay(600, asked_s=None, hint_cap_s=86400, jitter=0.1, draw=0.0) == 540
    assert next_delay(600, asked_s=None, hint_cap_s=86400, jitter=0.1, draw=0.999) < 660
    # never sooner than asked, and the ask capped
    assert next_delay(600, asked_s=3600, hint_cap_s=86400, jitter=0.1, draw=0.0) == 3600
    assert next_delay(600, asked_s=10**9, hint_cap_s=86400, jitter=0.1, draw=0.0) == 86400
    # jitter spreads feeds that start together
    spread = {round(next_delay(600, asked_s=None, hint_cap_s=1, jitter=0.1, draw=d / 10)) for d in range(10)}
    assert len(spread) == 10


def test_host_deferral() -> None:
    deferred = {"a.example": 100.0}
    assert host_deferred(deferred, "a.example", 50.0)
    assert not host_deferred(deferred, "a.example", 100.0)
    assert not host_deferred(deferred, "b.example", 50.0)
