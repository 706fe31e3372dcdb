"""Benchmark of the tracker's per-message work on one core: table round trips and revisions.

    .venv/bin/python bench/tracker.py            # about half a minute
    .venv/bin/python bench/tracker.py --quick

Articles are built from the real texts in the fixtures (the seeds' paragraphs, repeated to reach
the size), in three sizes: short (~8 paragraphs, ~300 words), typical (~25, ~800 words) and long
(~70, ~2,500 words), plus the real Guardian pair. For each it reports operations per second
(median of several timed rounds, one process, one thread) of:
- `observe` of an unchanged re-check (the normaliser's hash matches: the common case),
- `observe` of a boring change (stamps and counters differ: the tracker's signature decides),
- `observe` of a real edit (two paragraphs edited, one added): diff, kinds, both messages built,
- the table round trip of the article's state: JSON encode + RocksDB put + get + JSON decode
  (rocksdict, the store Faust uses; Faust's own bookkeeping is not included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rocksdict import Rdict

from newswire.contracts import NormalisedArticle
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import load_revision, locate_fixtures
from newswire.runtime.state import from_table, to_table
from newswire.text import content_hash
from newswire.tracker.logic import observe
from newswire.tracker.schedule import RecheckPolicy
from newswire.tracker.state import ArticleState

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
POLICY = RecheckPolicy()
URL = "https://news.example.org/world/2016/sep/08/talks"


def article(title: str, paragraphs: tuple[str, ...], at: datetime) -> NormalisedArticle:
    return NormalisedArticle(
        article_id=article_id(URL), canonical_url=URL, url=URL, host="news.example.org",
        outlet="Example", title=title, paragraphs=paragraphs, text="\n\n".join(paragraphs),
        authors=("Jane Doe",), content_hash=content_hash(title, paragraphs),
        word_count=len(" ".join(paragraphs).split()), language="en", fetched_at=at,
    )


def seed_paragraphs(root: Path) -> list[str]:
    out: list[str] = []
    for path in sorted((root / "seeds").glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        out.extend(line for line in lines[1:] if len(line.split()) >= 8)
    return out


def edited(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """Two paragraphs edited (a word swapped, a clause added) and one paragraph added."""
    ps = list(paragraphs)
    i, j = len(ps) // 3, 2 * len(ps) // 3
    words = ps[i].split()
    words[len(words) // 2] = "reportedly"
    ps[i] = " ".join(words)
    ps[j] = ps[j].rstrip(".") + ", officials said on Saturday."
    ps.insert(len(ps) - 1, "The talks are expected to resume next week in Geneva, a spokesman said.")
    return tuple(ps)


def noisy(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    return ("Updated 12 minutes ago", *paragraphs, "2,311 shares", "Read more: Five things to know")


def rate(fn: Callable[[], object], rounds: int, min_s: float) -> float:
    """Median operations per second over `rounds` rounds of at least `min_s` each."""
    rates = []
    for _ in range(rounds):
        n, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < min_s:
            fn()
            n += 1
        rates.append(n / elapsed)
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    args = parser.parse_args(argv)
    rounds, min_s = (3, 0.2) if args.quick else (5, 1.0)
    root = locate_fixtures()
    if root is None:
        raise SystemExit("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
    pool = seed_paragraphs(root)
    cases: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    for name, count in (("short", 8), ("typical", 25), ("long", 70)):
        ps = tuple(pool[k % len(pool)] for k in range(count))
        cases.append((name, "Talks on Syria", ps, edited(ps)))
    guardian = load_revision(root / "revisions" / "guardian-kerry-lavrov.json")
    cases.append(("guardian pair", guardian.title, guardian.versions[0], guardian.versions[1]))

    print(f"one core, median of {rounds} rounds; operations per second")
    print(f"{'article':14} {'paras':>5} {'words':>6} {'unchanged':>10} {'boring':>8} {'revision':>9} {'table rt':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Rdict(str(Path(tmp) / "db"))
        try:
            for name, title, old, new in cases:
                first = observe(None, article(title, noisy(old), T0), now=T0, policy=POLICY, partition=0)
                state = first.state
                assert state is not None
                later = T0 + timedelta(minutes=30)
                same = article(title, noisy(old), later)
                boring = article(title, ("Updated 40 minutes ago", *old, "2,398 shares",
                                         "Read more: What happens next"), later)
                change = article(title, new, later)
                assert observe(state, boring, now=later, policy=POLICY, partition=0).revision is None
                assert observe(state, change, now=later, policy=POLICY, partition=0).revision is not None
                key = article_id(URL).encode()

                def table_round_trip() -> None:  # as the stage stores and reads its typed state
                    db[key] = json.dumps(to_table(state)).encode()
                    stored = db[key]
                    assert stored is not None
                    from_table(ArticleState, json.loads(stored))

                r_same = rate(lambda: observe(state, same, now=later, policy=POLICY, partition=0), rounds, min_s)
                r_boring = rate(lambda: observe(state, boring, now=later, policy=POLICY, partition=0), rounds, min_s)
                r_change = rate(lambda: observe(state, change, now=later, policy=POLICY, partition=0), rounds, min_s)
                r_table = rate(table_round_trip, rounds, min_s)
                words = len(" ".join(old).split())
                print(f"{name:14} {len(old):5d} {words:6d} {r_same:10,.0f} {r_boring:8,.0f} {r_change:9,.0f} {r_table:9,.0f}")
        finally:
            db.close()
            Rdict.destroy(str(Path(tmp) / "db"))


if __name__ == "__main__":
    main()
