"""Politeness policy, pure: what a robots.txt response means (RFC 9309), how long it is cached,
how long a host is backed off after 429/503, and whether a request should go now, wait a little
in the process, or be deferred through the retry topic so its partition moves on.

The adapter keeps the per-host state (robots cache, back-off) and asks these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from newswire.net.errors import UNREACHABLE_ERRORS, TransportError

RobotsVerdict = Literal["parse", "allow_all", "try_later"]
#: Statuses that make a host back off (RFC 6585 / 9110: the server asks us to slow down).
BACKOFF_STATUSES = frozenset({429, 503})


def robots_verdict(status: int | None, error: TransportError | None) -> RobotsVerdict:
    """What a robots.txt fetch means for the host's pages.

    2xx: parse it. 4xx: "unavailable", everything is allowed (RFC 9309 2.3.1.3), except 429,
    which asks us to slow down and counts as unreachable. 5xx, timeouts and connection errors:
    "unreachable", crawl nothing for now (2.3.1.4). Too many redirects are "unavailable" (2.3.1.2).
    Other transport failures (refused address, TLS, bad URL, oversized file) allow the fetch, so
    that the page fetch itself fails and reports the real reason.
    """
    if error is not None:
        # robots.txt "unreachable" (RFC 9309 2.3.1.4): try later
        return "try_later" if error in UNREACHABLE_ERRORS else "allow_all"
    if status is None:
        return "try_later"
    if 200 <= status < 300:
        return "parse"
    if status == 429:
        return "try_later"
    if 400 <= status < 500:
        return "allow_all"
    return "try_later"


_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


def robots_ttl(cache_control: str | None, default_s: float, min_s: float, max_s: float) -> float:
    """How long a robots.txt stays cached: its Cache-Control max-age within [min_s, max_s]
    (RFC 9309 2.4: no longer than 24 hours), else `default_s`."""
    match = _MAX_AGE.search(cache_control or "")
    ttl = float(match.group(1)) if match else default_s
    return max(min_s, min(max_s, ttl))


def crawl_delay_s(declared: float | None, floor_s: float, cap_s: float) -> float | None:
    """The delay between two requests to a host from its Crawl-delay: at least our own floor,
    at most `cap_s` (a site asking for an hour between pages would never be read)."""
    if declared is None or declared <= 0:
        return None
    return max(floor_s, min(cap_s, float(declared)))


def host_backoff_s(
    consecutive: int, retry_after_s: float | None, base_s: float, cap_s: float, rand: float
) -> float:
    """How long to leave a host alone after its `consecutive`-th 429/503 in a row: exponential
    from `base_s` with +-20 % jitter (`rand` in [0, 1)), at least what Retry-After asked for,
    at most `cap_s`."""
    exp = base_s * 2.0 ** max(0, consecutive - 1)
    jittered = exp * (0.8 + 0.4 * rand)
    return min(cap_s, max(jittered, retry_after_s or 0.0))


@dataclass(frozen=True)
class Gate:
    """Go now; wait `seconds` in the process (cheap, a few coroutines); or defer the request
    through the retry topic by `seconds` (the host is busy or backed off for long)."""

    action: Literal["go", "wait", "defer"]
    seconds: float = 0.0


def gate(
    blocked_for_s: float, queued: int, per_host: int, delay_s: float, max_wait_s: float
) -> Gate:
    """Whether a request to a host may proceed: `blocked_for_s` of back-off left, `queued`
    requests already holding or waiting for the host's slots, each start `delay_s` apart.

    Waits up to `max_wait_s` are done in the process (the limiter queues them); longer ones are
    deferred so that hundreds of coroutines are not parked on one slow host."""
    backlog_s = (queued // max(1, per_host)) * delay_s
    expected = max(0.0, blocked_for_s) + backlog_s
    if expected <= 0:
        return Gate("go")
    if expected <= max_wait_s:
        return Gate("wait", max(0.0, blocked_for_s))
    return Gate("defer", expected)
