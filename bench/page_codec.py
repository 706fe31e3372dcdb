"""Benchmark: what the fetcher spends to put a real page on Kafka, against the page `bench/fetcher.py`
fetches. The fetcher's figure in the capacity model (`deploy/k8s/capacity.py`) comes from
`bench/fetcher.py --kafka`, whose farm pages are 50 KB of article padded with a repeated
pattern: zstd shrinks them to almost nothing. A real page is ~200 KB of HTML that zstd takes to
a fifth, and every page the fetcher passes on is encoded (`FetchedPage.to_bytes`, the JSON with
the HTML in it) and compressed (zstd, level 3, as aiokafka's producer does) before it is sent.

This times that encoding and compression, in one process, on every third page of both
development sets (`../shared/eval` or `$NEWSWIRE_EVAL_DIR`) and on the bench's padded page, and
reports the difference per page: what the model adds to each fetch that passes a page on (a
re-check answered with the same bytes or a 304 passes none). The bytes sent grow too (the socket
write and Kafka's side); that is not counted here. It reports; it asserts nothing.

    .venv/bin/python bench/page_codec.py [--out bench/results/page_codec.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.codec import zstd_encode

from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import locate_eval
from newswire.normaliser.extract import decode_html

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from rechecks import pages  # noqa: E402 - bench/rechecks.py, beside this file

DATASETS = ("extraction-dev", "extraction-multi-dev")
#: `bench/fetcher.py`'s page: an article padded to 50 KB with the farm's repeated pattern
#: (`newswire.farm.behaviours.huge_pages`).
PADDING = (b"0123456789abcdefghijklmnopqrstuvwxyz" * 1500).decode()


def fetched(url: str, html: str) -> FetchedPage:
    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok", status=200,
        headers={"content-type": "text/html; charset=utf-8"}, fetched_at=datetime.now(UTC), html=html,
        charset="utf-8", content_type="text/html", byte_size=len(html.encode("utf-8")), body_digest="0" * 32,
    )


def padded_page() -> FetchedPage:
    article = "<p>" + " ".join(["The council voted on Tuesday to close the old bridge."] * 60) + "</p>"
    html = f"<html><body>{article}<script>{{\"cache\":\"{PADDING}"
    return fetched("https://bench.example.com/a", html[: 50 * 1024] + '"}</script></body></html>')


def ms_per_page(items: list[FetchedPage], rounds: int) -> float:
    """CPU ms to encode and compress one page (mean over the pages, the best of `rounds`)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for page in items:
            zstd_encode(page.to_bytes())
        best = min(best, (time.process_time() - start) / len(items) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=int, default=3, help="every n-th page of each set")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "page_codec.json")
    args = parser.parse_args()
    real: list[FetchedPage] = []
    for name in DATASETS:
        root = locate_eval(name)
        if root is None:
            raise SystemExit(f"{name} not found: put ../shared/eval beside the repository or set NEWSWIRE_EVAL_DIR")
        real.extend(fetched(url, decode_html(raw)) for _i, raw, url in list(pages(root, None))[:: args.every])
    padded = padded_page()
    real_ms = ms_per_page(real, args.rounds)
    padded_ms = ms_per_page([padded] * len(real), args.rounds)
    sizes = [len((p.html or "").encode("utf-8")) for p in real]
    compressed = [len(zstd_encode(p.to_bytes())) for p in real]
    result = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "pages": len(real),
        "real_kb_mean": round(statistics.mean(sizes) / 1024, 1),
        "real_kb_median": round(statistics.median(sizes) / 1024, 1),
        "real_compressed_kb_mean": round(statistics.mean(compressed) / 1024, 1),
        "padded_kb": round(len((padded.html or "").encode("utf-8")) / 1024, 1),
        "padded_compressed_kb": round(len(zstd_encode(padded.to_bytes())) / 1024, 1),
        "real_ms_per_page": round(real_ms, 3),
        "padded_ms_per_page": round(padded_ms, 3),
        "extra_ms_per_page": round(real_ms - padded_ms, 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
