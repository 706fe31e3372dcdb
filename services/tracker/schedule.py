"""The re-check policy: when to fetch a tracked article again. Pure and configurable.

Evidence behind the default (see bench/recheck.py and the README for the simulation):
- GDELT's Global Difference Graph: 17.85% of articles changed within a week of publication, and
  about 81% of those changed within the first 24 hours.
- NewsSniffer: first re-check after 30 minutes, interval x1.2 after each unchanged check, reset on
  change, stop after 40 days.

So: check often early (a short first interval growing geometrically), never leave more than
`early_max_s` between checks during the first day (where 81% of edits happen), taper after it
(interval up to `max_interval_s`), reset on change (the caller passes `checks=0`), and stop at the
horizon. Outlets that edit more often than the prior get proportionally shorter intervals (the
learned per-outlet factor, `outlet_factor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class RecheckPolicy:
    """The re-check schedule's knobs (all in seconds unless named otherwise)."""

    #: First interval, and the interval right after a change.
    initial_s: float = 600.0
    #: Interval factor after each unchanged check.
    growth: float = 1.5
    #: While the article is younger than `early_window_s`, no interval is longer than this.
    early_max_s: float = 3600.0
    early_window_s: float = 16 * 3600.0
    #: No interval is ever longer than this.
    max_interval_s: float = 3 * DAY_S
    #: No re-check later than this after first seen (the last one lands on it).
    horizon_s: float = 7 * DAY_S
    #: Per-outlet learning: the prior share of articles that get edited (GDELT: 17.85%), its
    #: weight in articles, and the bounds of the factor that divides the interval.
    outlet_prior_rate: float = 0.1785
    outlet_prior_weight: float = 50.0
    outlet_factor_min: float = 0.5
    outlet_factor_max: float = 2.0


def interval_s(age_s: float, checks: int, policy: RecheckPolicy, factor: float = 1.0) -> float:
    """Seconds until the next check of an article `age_s` old after `checks` unchanged checks
    since its last change, for an outlet with learned `factor` (>1: edits more, check sooner)."""
    factor = max(factor, 1e-9)
    cap = policy.early_max_s if age_s < policy.early_window_s else policy.max_interval_s
    # An outlet that edits often shortens every interval, the caps too; one that rarely edits
    # only stretches the growing intervals, never the caps (the caps hold the detection target).
    return min(policy.initial_s * policy.growth ** max(0, checks) / factor, cap / max(1.0, factor))


def next_check_at(
    first_seen: datetime,
    now: datetime,
    checks: int,
    policy: RecheckPolicy,
    factor: float = 1.0,
) -> datetime | None:
    """When to check next, never past the horizon (the last check happens at the horizon);
    None once the horizon has passed."""
    end = first_seen + timedelta(seconds=policy.horizon_s)
    if now >= end:
        return None
    age = (now - first_seen).total_seconds()
    return min(now + timedelta(seconds=interval_s(age, checks, policy, factor)), end)


# -- per-outlet learning -------------------------------------------------------------------------

#: An outlet's counters as stored in the table (JSON-able).
OutletStats = dict[str, Any]


def new_outlet_stats(host: str) -> OutletStats:
    """Empty counters for an outlet."""
    return {"kind": "outlet", "host": host, "articles": 0, "edited": 0}


def count_article(stats: OutletStats | None, host: str, *, new: bool, first_edit: bool) -> OutletStats:
    """The counters after one observation: a new article, and/or its first real edit."""
    out = dict(stats) if stats else new_outlet_stats(host)
    out["articles"] = int(out.get("articles", 0)) + (1 if new else 0)
    out["edited"] = int(out.get("edited", 0)) + (1 if first_edit else 0)
    return out


def outlet_factor(stats: OutletStats | None, policy: RecheckPolicy) -> float:
    """How much more often than the prior this outlet's articles get edited (square root of the
    smoothed rate ratio, so one outlet's noise cannot swing its schedule far), within bounds."""
    if not stats:
        return 1.0
    n = float(stats.get("articles", 0))
    edited = float(stats.get("edited", 0))
    w = policy.outlet_prior_weight
    rate = (edited + policy.outlet_prior_rate * w) / (n + w)
    factor = math.sqrt(rate / policy.outlet_prior_rate)
    return round(min(policy.outlet_factor_max, max(policy.outlet_factor_min, factor)), 4)
