"""Benchmark of the re-check policy: how soon are edits seen, and at what cost in fetches?

    .venv/bin/python bench/recheck.py                 # one million articles (about a minute)
    .venv/bin/python bench/recheck.py --articles 50000

Simulates articles whose edit times follow the model below, runs each policy with the tracker's
own schedule function (`newswire.tracker.schedule.interval_s`, the code the service runs) and
reports, per policy: the share of edits seen within 15 min, 1 h and 6 h of happening (all edits,
and first-day edits), the share never seen, and re-check fetches per article over its life.

The edit-time model (documented assumption, fitted to the two published figures we have):
- GDELT Global Difference Graph: 17.85% of articles changed within a week of publication, and
  about 81% of those changed within the first 24 hours. So 17.85% of articles are edited; an
  edit falls in the first day with probability 0.81, otherwise between day 1 and day 7.
- Inside each band the edit hazard decays as 1/age (log-uniform edit times: as many edits between
  1 and 10 minutes after first sight as between 10 and 100 minutes): the first band spans
  1 minute to 24 hours, the second 24 hours to 7 days. Neither source gives the shape inside the
  first day; 1/age is the simplest decaying hazard and puts 45% of first-day edits in the first
  hour, heavier in the day's tail than an exponential would.
- An edited article gets 1 + Poisson(0.5) edits (assumption: follow-up fixes are common), each
  drawn from the same model.
- Outlets differ (for the learned per-outlet factor): 200 outlets whose edit probability is the
  mean times a log-normal multiplier (sigma 0.6, mean 1, capped at 0.9).
An edit at time t is seen at the first check at or after t; a check that sees an edit resets the
schedule (as the tracker does on a changed version).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass, replace

from newswire.tracker.schedule import DAY_S, RecheckPolicy, interval_s, outlet_factor

EDITED_SHARE = 0.1785  # GDELT GDG: changed within a week
FIRST_DAY_SHARE = 0.81  # GDELT GDG: of those, changed within 24 h
EXTRA_EDITS_MEAN = 0.5
OUTLETS = 200
OUTLET_SIGMA = 0.6
MIN_S = 60.0
WEEK_S = 7 * DAY_S
LEARNED_AFTER = 500  # articles an outlet's factor has been learned from


@dataclass
class Result:
    name: str
    edits: int = 0
    first_day_edits: int = 0
    within: dict[int, int] | None = None
    first_day_within_1h: int = 0
    never: int = 0
    fetches: int = 0
    edited_fetches: int = 0
    articles: int = 0
    edited_articles: int = 0


def log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def edit_time(rng: random.Random) -> float:
    if rng.random() < FIRST_DAY_SHARE:
        return log_uniform(rng, MIN_S, DAY_S)
    return log_uniform(rng, DAY_S, WEEK_S)


def poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def check_times(policy: RecheckPolicy, factor: float) -> list[float]:
    """The check times of an article that never changes."""
    out, t, checks = [], 0.0, 0
    while t < policy.horizon_s:
        t = min(t + interval_s(t, checks, policy, factor), policy.horizon_s)
        out.append(t)
        checks += 1
    return out


def simulate(
    name: str, policy: RecheckPolicy, articles: int, seed: int, learn: bool
) -> Result:
    rng = random.Random(seed)
    out_rng = random.Random(seed + 1)
    mults = [math.exp(out_rng.gauss(0, OUTLET_SIGMA) - OUTLET_SIGMA**2 / 2) for _ in range(OUTLETS)]
    rates = [min(0.9, EDITED_SHARE * m) for m in mults]
    factors = [
        outlet_factor({"articles": LEARNED_AFTER, "edited": round(LEARNED_AFTER * r)}, policy)
        if learn else 1.0
        for r in rates
    ]
    unchanged: dict[float, int] = {}
    res = Result(name, within={900: 0, 3600: 0, 6 * 3600: 0})
    assert res.within is not None
    for _ in range(articles):
        outlet = rng.randrange(OUTLETS)
        factor = factors[outlet]
        res.articles += 1
        if rng.random() >= rates[outlet]:
            if factor not in unchanged:
                unchanged[factor] = len(check_times(policy, factor))
            res.fetches += unchanged[factor]
            continue
        edits = sorted(edit_time(rng) for _ in range(1 + poisson(rng, EXTRA_EDITS_MEAN)))
        res.edited_articles += 1
        res.edits += len(edits)
        res.first_day_edits += sum(1 for e in edits if e < DAY_S)
        t, checks, k, fetches = 0.0, 0, 0, 0
        while t < policy.horizon_s and k < len(edits):
            t = min(t + interval_s(t, checks, policy, factor), policy.horizon_s)
            fetches += 1
            seen = False
            while k < len(edits) and edits[k] <= t:
                delay = t - edits[k]
                for limit in res.within:
                    if delay <= limit:
                        res.within[limit] += 1
                if edits[k] < DAY_S and delay <= 3600:
                    res.first_day_within_1h += 1
                k += 1
                seen = True
            checks = 0 if seen else checks + 1
        res.never += len(edits) - k
        # after the last edit the schedule runs on unchanged to the horizon
        while t < policy.horizon_s:
            t = min(t + interval_s(t, checks, policy, factor), policy.horizon_s)
            fetches += 1
            checks += 1
        res.fetches += fetches
        res.edited_fetches += fetches
    return res


def policies() -> list[tuple[str, RecheckPolicy, bool]]:
    default = RecheckPolicy()
    inf = float("inf")
    return [
        ("default", default, False),
        ("default + learned outlet factor", default, True),
        (
            "NewsSniffer (30 min, x1.2, 40 days)",
            replace(default, initial_s=1800, growth=1.2, early_max_s=inf, max_interval_s=inf,
                    horizon_s=40 * DAY_S),
            False,
        ),
        (
            "GDELT GDG (24 h, then 7 days)",
            replace(default, initial_s=DAY_S, growth=6.0, early_max_s=inf, max_interval_s=inf),
            False,
        ),
    ]


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}%" if d else "   - "


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"{args.articles:,} articles, seed {args.seed}; edits seen within 15 min / 1 h / 6 h")
    header = (
        f"{'policy':38} {'<=15m':>6} {'<=1h':>6} {'<=6h':>6} {'day1<=1h':>8} {'never':>6}"
        f" {'fetch/art':>9} {'fetch/edited':>12} {'s':>5}"
    )
    print(header)
    for name, policy, learn in policies():
        started = time.perf_counter()
        r = simulate(name, policy, args.articles, args.seed, learn)
        assert r.within is not None
        print(
            f"{name:38} {pct(r.within[900], r.edits):>6} {pct(r.within[3600], r.edits):>6}"
            f" {pct(r.within[6 * 3600], r.edits):>6} {pct(r.first_day_within_1h, r.first_day_edits):>8}"
            f" {pct(r.never, r.edits):>6} {r.fetches / r.articles:9.1f}"
            f" {r.edited_fetches / max(1, r.edited_articles):12.1f} {time.perf_counter() - started:5.1f}"
        )


if __name__ == "__main__":
    main()
