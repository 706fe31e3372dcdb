"""Dump of every output of the normaliser's full extraction path (issue #20), to prove that a
speed-up changes nothing: run it before and after a change and compare the files byte for byte.

    .venv/bin/python bench/normaliser_dump.py --out /tmp/dump-before.json
    .venv/bin/python bench/normaliser_dump.py --out /tmp/dump-after.json --compare /tmp/dump-before.json

Each page of the datasets (default: extraction-dev and extraction-multi-dev beside the repository,
or under $NEWSWIRE_EVAL_DIR) goes through the stage's path: `logic.normalise_or_unchanged` on a
new fetch (`extract_with_fingerprint` + `build_article`), with a fixed body digest and fetch time
so that the output depends on the page alone. Recorded per page: the whole `NormalisedArticle`
(title, paragraphs, text, authors, dates, language, canonical URL, outlet, section, tags,
dateline, wire source, flags, provenance, content hash, fingerprint) and the `Extraction`'s own
fields that the article does not carry (body source, local publication day, `html lang`, the
listing verdict); or the error a page raised. `--compare` lists the pages whose record differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import locate_eval
from newswire.normaliser.evaluation import load_dataset, read_html
from newswire.normaliser.logic import build_article, extract_with_fingerprint

DATASETS = ("extraction-dev", "extraction-multi-dev")
_FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
_DIGEST = "0" * 32


def record(html: str, url: str) -> dict[str, Any]:
    """Everything the stage's full path outputs for one page (as JSON-ready data)."""
    page = FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, fetched_at=_FETCHED_AT, html=html, body_digest=_DIGEST,
    )
    try:
        ex, fingerprint = extract_with_fingerprint(html, url, _DIGEST)
        if ex is None:
            return {"error": "no article text", "fingerprint": None}
        article = build_article(page, ex, fingerprint=fingerprint)
    except Exception as exc:  # noqa: BLE001 - an error is an output too
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "article": article.model_dump(mode="json"),
        "extraction": {
            "body_source": ex.body_source, "published_local": ex.published_local, "html_lang": ex.html_lang,
            "listing": ex.listing, "date": ex.date, "modified": ex.modified, "title": ex.title,
            "url": ex.url, "sitename": ex.sitename, "provenance": ex.provenance,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="*", type=Path, help="dataset directories (default: both dev sets)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="a previous dump: list the pages that differ")
    args = parser.parse_args()
    dirs = args.datasets or [d for name in DATASETS if (d := locate_eval(name)) is not None]
    dump: dict[str, dict[str, Any]] = {}
    for root in dirs:
        for sample in load_dataset(root):
            dump[f"{root.name}/{sample.id}"] = record(read_html(sample.html_path), sample.url)
    args.out.write_text(json.dumps(dump, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"pages: {len(dump)}  errors: {sum('error' in r for r in dump.values())}  -> {args.out}")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        differ = sorted(k for k in before.keys() | dump.keys() if before.get(k) != dump.get(k))
        print(f"compared with {args.compare}: {len(before.keys() & dump.keys())} pages in both, {len(differ)} differ")
        for key in differ:
            print("  differs:", key)
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
