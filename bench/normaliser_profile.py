"""Profile of the normaliser's full extraction path (`extract_with_fingerprint` + `build_article`,
the stage's) over dev-set pages: where its CPU goes.

    .venv/bin/python bench/normaliser_profile.py [DIR ...] [--limit N] [--top K] [--sort tottime|cumulative]

Each page runs once untimed first (first-sight caches, as in bench/normaliser.py), then once
under cProfile; prints the top functions. Default: both dev sets beside the repository.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

from newswire.farm.fixtures import locate_eval
from newswire.normaliser import logic
from newswire.normaliser.evaluation import load_dataset, read_html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from normaliser import _stage  # bench/normaliser.py, beside this file

DATASETS = ("extraction-dev", "extraction-multi-dev")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="pages per dataset (0 = all)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--out", type=Path, help="write the raw profile here (pstats format)")
    args = parser.parse_args()
    dirs = args.datasets or [d for name in DATASETS if (d := locate_eval(name)) is not None]
    pages = [(read_html(s.html_path), s.url) for root in dirs for s in load_dataset(root, args.limit or None)]
    profile = cProfile.Profile()
    for html, url in pages:
        _stage(logic, html, url, fingerprint=True)
        profile.enable()
        _stage(logic, html, url, fingerprint=True)
        profile.disable()
    stats = pstats.Stats(profile)
    if args.out:
        stats.dump_stats(args.out)
    print(f"pages: {len(pages)}")
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
