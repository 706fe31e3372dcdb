"""The enricher's keyphrases (YAKE in Rust, `yake-rust`) against YAKE's reference implementation
(`yake` on PyPI, not a dependency: `pip install yake` to compare), on the leads the enricher
reads (the title and the first 50 words of the body) of the dev texts: the GVA reports, and the
labelled bodies of both extraction dev sets in their detected languages; each set whole and in
halves (first and second half of its files in order).

Per set: how often the first keyphrase is the same, how often the ten are the same list, the mean
F1 of the two top-ten sets, and the CPU milliseconds per lead of each implementation.

    .venv/bin/python bench/keyphrases.py [--out bench/results/keyphrases.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newswire.enricher.keyphrases import _extract, yake_language, yake_text
from newswire.farm.fixtures import EVAL_ENV_VAR, locate_eval
from newswire.normaliser.logic import detect_language

TOP = 10


def leads(eval_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """(language, lead) per dev set."""
    sets: dict[str, list[tuple[str, str]]] = {}
    with gzip.open(eval_dir / "stories-dev" / "gva-dev.jsonl.gz", "rt", encoding="utf-8") as handle:
        sets["gva-dev"] = [("en", yake_text(d["title"], d["text"])) for d in map(json.loads, handle)]
    for name in ("extraction-dev", "extraction-multi-dev"):
        items = []
        for path in sorted((eval_dir / name / "ground-truth").glob("*.json")):
            truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
            text = truth.get("main_content") or ""
            if len(text.split()) < 3:
                continue
            items.append((yake_language(detect_language(text)), yake_text(truth.get("title") or "", text)))
        sets[name] = items
    return sets


def compare(items: list[tuple[str, str]], reference: Callable[[str], Any]) -> dict[str, float]:
    firsts = exact = 0
    f1s: list[float] = []
    ours_ms: list[float] = []
    ref_ms: list[float] = []
    for language, text in items:
        start = time.process_time()
        ours = [kw for kw, _ in _extract.__wrapped__(language, TOP, text)]  # the enricher's, not remembered
        ours_ms.append(1000 * (time.process_time() - start))
        start = time.process_time()
        ref = [kw for kw, _ in reference(language).extract_keywords(text)]
        ref_ms.append(1000 * (time.process_time() - start))
        firsts += ours[:1] == ref[:1]
        exact += ours == ref
        a, b = set(ours), set(ref)
        f1s.append(1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b)))
    n = len(items)
    return {
        "leads": n, "first_same": round(firsts / n, 4), "list_same": round(exact / n, 4),
        "set_f1": round(statistics.mean(f1s), 4),
        "yake_rust_ms_mean": round(statistics.mean(ours_ms), 3), "yake_ms_mean": round(statistics.mean(ref_ms), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    eval_dir = locate_eval()
    if eval_dir is None:
        parser.error(f"evaluation data not found: put ../shared/eval beside the repository or set ${EVAL_ENV_VAR}")
    try:
        import yake
    except ImportError:
        sys.exit("the reference implementation is not installed: pip install yake")
    extractors: dict[str, Any] = {}

    def reference(language: str) -> Any:
        if language not in extractors:
            extractors[language] = yake.KeywordExtractor(lan=language, n=3, dedupLim=0.8, top=TOP)
        return extractors[language]

    report: dict[str, dict[str, float]] = {}
    for name, items in leads(eval_dir).items():
        for key, part in ((name, items), (f"{name} h1", items[: len(items) // 2]), (f"{name} h2", items[len(items) // 2 :])):
            report[key] = compare(part, reference)
            print(key, report[key], flush=True)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
