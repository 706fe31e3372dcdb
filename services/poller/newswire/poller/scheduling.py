"""When to poll a feed next: an adaptive interval from the observed rate of new items, clamped to
bounds, never sooner than the feed (or its server) asks, with jitter. Pure: numbers in, numbers
out (the caller supplies the clock and the random draw)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from newswire.contracts import FeedConfig

#: Weight of the newest observation in the moving average of the item rate.
RATE_ALPHA = 0.3


@dataclass(frozen=True)
class Bounds:
    """The clamp of every computed interval (seconds)."""

    min_s: float
    max_s: float


def bounds_for(default: Bounds, config: FeedConfig) -> Bounds:
    """The poller's bounds, overridden by the feed's own `min_interval_s` / `max_interval_s`."""
    lo, hi = default.min_s, default.max_s
    if config.min_interval_s is not None:
        lo = float(config.min_interval_s)
    if config.max_interval_s is not None:
        hi = float(config.max_interval_s)
    return Bounds(lo, max(lo, hi))


def poll_interval(default_s: float, config: FeedConfig) -> float:
    """The starting interval of a feed: the poller's, raised to the feed's minimum, capped by its
    maximum."""
    interval = default_s
    if config.max_interval_s is not None:
        interval = min(interval, float(config.max_interval_s))
    if config.min_interval_s is not None:
        interval = max(interval, float(config.min_interval_s))
    return interval


def hint_cap(default_s: float, config: FeedConfig) -> float:
    """The longest delay a feed may ask for (`ttl`, Cache-Control) before it is polled anyway: the
    poller's cap, lowered to the feed's own `max_interval_s`. An operator who sets a feed's
    maximum has decided how stale it may get; the feed's ask does not override that."""
    if config.max_interval_s is None:
        return default_s
    return min(default_s, float(config.max_interval_s))


def rate_from_dates(dates: Sequence[datetime]) -> float | None:
    """Items per second implied by the publication dates of one document (None if fewer than
    three dated items or they span no time): the first estimate of a new feed's rate."""
    stamps = sorted(d.timestamp() for d in dates)
    if len(stamps) < 3 or stamps[-1] - stamps[0] <= 0:
        return None
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def update_rate(
    previous: float | None, new_items: int, elapsed_s: float, alpha: float = RATE_ALPHA
) -> float | None:
    """The moving average of new items per second after observing `new_items` in `elapsed_s`."""
    if elapsed_s <= 0:
        return previous
    observed = new_items / elapsed_s
    if previous is None:
        # One quiet poll says nothing about a feed's rate yet (a new feed, a 304): an estimate of
        # 0 would send it straight to the longest interval. Stay unknown (the default interval)
        # until items come; from then on, quiet polls lower the average and the interval grows.
        return observed if new_items > 0 else None
    return alpha * observed + (1 - alpha) * previous
    return alpha * observed + (1 - alpha) * previous


def adaptive_interval(rate: float | None, default_s: float, bounds: Bounds) -> float:
    """About one poll per expected new item (1 / rate), clamped; `default_s` while unknown."""
    if rate is None:
        interval = default_s
    elif rate <= 0:
        interval = bounds.max_s
    else:
        interval = 1.0 / rate
    return min(bounds.max_s, max(bounds.min_s, interval))


def _max_age(cache_control: str | None) -> float | None:
    if not cache_control:
        return None
    directives = {
        part.split("=", 1)[0].strip().lower(): part.split("=", 1)[1].strip().strip('"')
        for part in cache_control.split(",")
        if "=" in part
    }
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                return max(0.0, float(directives[name]))
            except ValueError:
                continue
    return None


def _expires_in(expires: str | None, now: float) -> float | None:
    if not expires:
        return None
    try:
        when = parsedate_to_datetime(expires)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def asked_delay(
    headers: Mapping[str, str],
    now: float,
    *,
    ttl_s: float | None = None,
    update_period_s: float | None = None,
) -> float | None:
    """The longest delay before the next poll that the feed or its server asks for: RSS `ttl`,
    `sy:updatePeriod`/`updateFrequency`, `Cache-Control: max-age` (else `Expires`). Headers are
    lower-cased. None if nothing is asked."""
    asks = [a for a in (ttl_s, update_period_s) if a]
    max_age = _max_age(headers.get("cache-control"))
    if max_age is not None:
        asks.append(max_age)
    else:
        expires = _expires_in(headers.get("expires"), now)
        if expires is not None:
            asks.append(expires)
    return max(asks) if asks else None


def next_delay(
    interval_s: float, *, asked_s: float | None, hint_cap_s: float, jitter: float, draw: float
) -> float:
    """The delay to the next poll: the interval with relative `jitter` (draw in [0, 1)), never
    below what the feed asked (capped at `hint_cap_s`, so a feed cannot ask to be forgotten)."""
    jittered = interval_s * (1.0 + jitter * (2.0 * draw - 1.0))
    floor = min(asked_s, hint_cap_s) if asked_s else 0.0
    return max(jittered, floor, 1.0)


def backoff_s(interval_s: float, failures: int, cap_s: float) -> float:
    """Delay after `failures` failures in a row: interval * 2**failures, capped (never below
    the normal interval)."""
    if failures <= 0:
        return interval_s
    return max(interval_s, min(cap_s, interval_s * 2.0 ** min(failures, 32)))


def host_deferred(deferred: Mapping[str, float], host: str, now: float) -> bool:
    """True while a host's Retry-After holds (it applies to every feed of that host)."""
    until = deferred.get(host)
    return until is not None and until > now
