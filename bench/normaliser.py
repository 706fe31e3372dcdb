"""Benchmark: CPU time per page of the normaliser's extraction vs plain trafilatura, on the same
pages of the extraction dev set (or any directory in its layout).

    .venv/bin/python bench/normaliser.py [DIR] [--limit N] [--repeat R]

Both systems run in this one process on each page in turn (alternating which goes first), timed
with `time.process_time`; prints mean and median ms per page and their ratios. Each system runs
once on a page untimed before it is timed: libraries compile caches on first sight of a new kind
of page (dateparser's locale tables cost seconds, once per process), a one-off cost in a service
that runs for days, not a per-page one.
No timing is asserted anywhere: this reports, it does not judge.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import mean, median

from newswire.farm.fixtures import EVAL_ENV_VAR, locate_eval
from newswire.normaliser.evaluation import RUNNERS, load_dataset, read_html, warm_up

#: The extraction dev set beside the repository (../shared/eval) or under $NEWSWIRE_EVAL_DIR.
DEFAULT_DIR = locate_eval("extraction-dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--limit", type=int, default=100, help="pages (default 100; 0 = all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page and system")
    args = parser.parse_args()
    if args.dataset is None:
        parser.error(f"no dataset: give DIR, or put ../shared/eval beside the repository, or set ${EVAL_ENV_VAR}")
    samples = load_dataset(args.dataset, args.limit or None)
    systems = ("newswire", "trafilatura")
    warm_up(systems)
    cpu: dict[str, list[float]] = {name: [] for name in systems}
    for i, sample in enumerate(samples):
        html = read_html(sample.html_path)
        order = systems if i % 2 == 0 else tuple(reversed(systems))
        for name in order:
            RUNNERS[name](html, sample.url)  # untimed: first-sight cache warm-up (see docstring)
            start = time.process_time()
            for _ in range(args.repeat):
                RUNNERS[name](html, sample.url)
            cpu[name].append((time.process_time() - start) / args.repeat * 1000)
    ours, base = cpu["newswire"], cpu["trafilatura"]
    print(f"pages: {len(samples)}  repeat: {args.repeat}")
    print(f"{'system':<12} {'mean ms':>9} {'median ms':>10} {'total s':>8}")
    for name in systems:
        print(f"{name:<12} {mean(cpu[name]):9.1f} {median(cpu[name]):10.1f} {sum(cpu[name]) / 1000:8.2f}")
    print(f"ratio newswire/trafilatura: mean {mean(ours) / mean(base):.2f}x, median {median(ours) / median(base):.2f}x, "
          f"total {sum(ours) / sum(base):.2f}x")


if __name__ == "__main__":
    main()
