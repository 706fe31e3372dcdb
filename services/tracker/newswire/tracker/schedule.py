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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newswire.runtime.state import from_table
from newswire.tracker.state import OutletCounters

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
    #: Per-check evidence: the prior share of re-checks that find a change (GDELT's 17.85% of
    #: articles edited, 1.5 edits each, over the default policy's 23.3 re-checks per article:
    #: 0.1785 * 1.5 / 23.3), and its weight in re-checks (about 43 articles' worth).
    outlet_prior_check_rate: float = 0.0115
    outlet_prior_check_weight: float = 1000.0


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


def count_article(stats: OutletCounters | None, host: str, *, new: bool, first_edit: bool) -> OutletCounters:
    """The counters after one observation: a new article, and/or its first real edit."""
    out = stats if stats is not None else OutletCounters(host=host)
    return out.model_copy(update={"articles": out.articles + new, "edited": out.edited + first_edit})


def count_check(stats: OutletCounters | None, host: str, *, changed: bool) -> OutletCounters:
    """The counters after one re-check with a verdict: the article unchanged (an 'unchanged'
    re-check result, or the same text extracted again) or changed (a new version's edit)."""
    out = stats if stats is not None else OutletCounters(host=host)
    return out.model_copy(update={"checks": out.checks + 1, "changed_checks": out.changed_checks + changed})


def outlet_factor(stats: OutletCounters | Mapping[str, Any] | None, policy: RecheckPolicy) -> float:
    """How much more often than the prior this outlet's articles get edited (square root of the
    smoothed rate ratio, so one outlet's noise cannot swing its schedule far), within bounds.

    Two kinds of evidence: articles (the share that got edited, smoothed towards the prior
    `outlet_prior_rate`), then re-checks (the share that found a change, smoothed towards the
    per-check rate the article evidence implies). Every unchanged re-check is evidence that the
    outlet's articles do not change: an outlet whose re-checks keep finding nothing is checked
    less, down to `outlet_factor_min`, sooner than its article count alone would tell. With no
    re-checks counted the factor is the article evidence's alone. A plain mapping (the
    benchmark's counts) reads as a stored record does."""
    if not stats:
        return 1.0
    counters = from_table(OutletCounters, stats)
    n = float(counters.articles)
    edited = float(counters.edited)
    w = policy.outlet_prior_weight
    rate = (edited + policy.outlet_prior_rate * w) / (n + w)
    ratio = rate / policy.outlet_prior_rate
    checks = float(counters.checks)
    if checks > 0:
        prior = policy.outlet_prior_check_rate * ratio
        wc = policy.outlet_prior_check_weight
        changed = float(counters.changed_checks)
        ratio = ((changed + prior * wc) / (checks + wc)) / policy.outlet_prior_check_rate
    factor = math.sqrt(ratio)
    return round(min(policy.outlet_factor_max, max(policy.outlet_factor_min, factor)), 4)
