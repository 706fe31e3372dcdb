"""Benchmark: CPU time per page of the normaliser's extraction vs plain trafilatura, on the same
pages of the extraction dev set (or any directory in its layout).

    .venv/bin/python bench/normaliser.py [DIR] [--limit N] [--repeat R] [--systems a,b,...] [--before REV]

Systems (`--systems`, default `newswire,trafilatura`):
- `newswire`: `extract` + `build_article` (what `newswire eval extraction` runs);
- `stage`: the stage's full path, `extract_with_fingerprint` + `build_article` (the extraction
  and the region fingerprint for re-checks);
- `fingerprint`: the fingerprint alone (`fastcheck.fingerprint_page`; `fingerprint.region_fingerprint`
  at revisions before it), on the tree and body lines of the page's extraction (made untimed
  before it);
- `trafilatura`: `bare_extraction(html, url=url, with_metadata=True)` with its defaults;
- `stage@before`, `newswire@before`, `fingerprint@before`: the same with the normaliser's code
  as it was at git revision `--before REV` (its modules copied from git into a temporary
  package), to compare a change with its baseline in one run.

All systems run in this one process on each page in turn (rotating which goes first), timed
with `time.process_time`; prints mean, median and p90 ms per page and the ratios of the first
system's to the others'. Each system runs once on a page untimed before it is timed: libraries
compile caches on first sight of a new kind of page (dateparser's locale tables cost seconds,
once per process), a one-off cost in a service that runs for days, not a per-page one.
No timing is asserted anywhere: this reports, it does not judge.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean, median, quantiles
from types import ModuleType

from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import EVAL_ENV_VAR, locate_eval
from newswire.normaliser import logic as current
from newswire.normaliser.evaluation import RUNNERS, load_dataset, read_html, warm_up

#: The extraction dev set beside the repository (../shared/eval) or under $NEWSWIRE_EVAL_DIR.
DEFAULT_DIR = locate_eval("extraction-dev")


_OURS = ("newswire", "stage", "fingerprint")
#: The normaliser's pure modules (what `--before` copies).
_MODULES = (
    "authors", "cleanup", "extract", "fastcheck", "fingerprint", "furniture", "language", "locator", "logic", "markup",
    "metadata", "newsfields", "settings", "titles", "vocabulary", "walls",
)


def load_before(rev: str) -> ModuleType:
    """`logic` of the normaliser as it was at git revision `rev`, imported from a temporary
    package (`normaliser_before`) whose modules import each other, not the current ones."""
    root = Path(tempfile.mkdtemp(prefix="normaliser-before-"))
    package = root / "normaliser_before"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in _MODULES:
        # the package's folder since #19, then the one before it; a module the revision lacks is left out
        for folder in ("services/normaliser/newswire/normaliser", "services/normaliser"):
            shown = subprocess.run(
                ["git", "show", f"{rev}:{folder}/{name}.py"], capture_output=True, text=True,
                cwd=Path(__file__).resolve().parent,
            )
            if shown.returncode == 0:
                (package / f"{name}.py").write_text(shown.stdout.replace("newswire.normaliser.", "normaliser_before."))
                break
    sys.path.insert(0, str(root))
    return importlib.import_module("normaliser_before.logic")


def _stage(logic: ModuleType, html: str, url: str, *, fingerprint: bool) -> None:
    if fingerprint:
        ex, fp = logic.extract_with_fingerprint(html, url, "0" * 32)
    else:
        ex, fp = logic.extract(html, url), None
    if ex is not None:
        page = FetchedPage(
            article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
            status=200, fetched_at=datetime.now(UTC), html=html,
        )
        logic.build_article(page, ex, fingerprint=fp)


def _timed(name: str, html: str, url: str, before: ModuleType | None) -> Callable[[], object]:
    """The call to time for one system on one page (set-up done here, untimed)."""
    system, _, rev = name.partition("@")
    if system not in _OURS:
        runner = RUNNERS[system]
        return lambda: runner(html, url)
    logic = before if rev and before is not None else current
    if system == "fingerprint":
        _ex, tree, lines = logic._extract(html, url)
        if tree is None:
            return lambda: None
        if hasattr(logic, "fingerprint_page"):
            fingerprint_page = logic.fingerprint_page
            return lambda: fingerprint_page(tree, html, lines, "0" * 32)
        region_fingerprint = logic.region_fingerprint
        return lambda: region_fingerprint(tree, lines, "0" * 32)
    return lambda: _stage(logic, html, url, fingerprint=system == "stage")


def _p90(values: list[float]) -> float:
    return quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--limit", type=int, default=100, help="pages (default 100; 0 = all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page and system")
    parser.add_argument("--systems", default="newswire,trafilatura", help="comma-separated (see above)")
    parser.add_argument("--before", metavar="REV", help="git revision of the normaliser for the @before systems")
    args = parser.parse_args()
    if args.dataset is None:
        parser.error(f"no dataset: give DIR, or put ../shared/eval beside the repository, or set ${EVAL_ENV_VAR}")
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = set(systems) - {*RUNNERS, *_OURS, *(f"{s}@before" for s in _OURS)}
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")
    if any(s.endswith("@before") for s in systems) and not args.before:
        parser.error("the @before systems need --before REV")
    before = load_before(args.before) if args.before else None
    samples = load_dataset(args.dataset, args.limit or None)
    warm_up([s for s in systems if s in RUNNERS] or ["newswire"])
    if before is not None:
        _stage(before, html=read_html(samples[0].html_path), url=samples[0].url, fingerprint=True)
    cpu: dict[str, list[float]] = {name: [] for name in systems}
    for i, sample in enumerate(samples):
        html = read_html(sample.html_path)
        k = i % len(systems)
        for name in systems[k:] + systems[:k]:
            call = _timed(name, html, sample.url, before)
            call()  # untimed: first-sight cache warm-up (see docstring)
            start = time.process_time()
            for _ in range(args.repeat):
                call()
            cpu[name].append((time.process_time() - start) / args.repeat * 1000)
    print(f"pages: {len(samples)} ({args.dataset.name})  repeat: {args.repeat}")
    print(f"{'system':<18} {'mean ms':>9} {'median ms':>10} {'p90 ms':>8} {'total s':>8}")
    for name in systems:
        print(f"{name:<18} {mean(cpu[name]):9.1f} {median(cpu[name]):10.1f} {_p90(cpu[name]):8.1f} "
              f"{sum(cpu[name]) / 1000:8.2f}")
    first = systems[0]
    ours = cpu[first]
    for name in systems[1:]:
        base = cpu[name]
        print(f"ratio {first}/{name}: mean {mean(ours) / mean(base):.2f}x, median {median(ours) / median(base):.2f}x, "
              f"p90 {_p90(ours) / _p90(base):.2f}x, total {sum(ours) / sum(base):.2f}x")


if __name__ == "__main__":
    main()
