"""Benchmark: parse a 50,000-URL Google News sitemap the way the poller does (`parse_document`:
sniffing, the bare-ampersand repair, lxml iterparse, dates, URL checks), plain and gzipped.

Reports CPU seconds (process time of the parse alone, best of `--repeat`) and the memory the parse
takes at its peak, measured in a fresh child process as the growth of its peak RSS over the RSS
it had with the document already in memory (so libxml2's own allocations count, which
tracemalloc does not see), and the process's whole peak RSS. Goal (issue #23): < 1 CPU s and
< 100 MB.

    .venv/bin/python bench/sitemap.py [--urls 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import multiprocessing
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from newswire.poller.sitemap import parse_document

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
    'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
)


def news_sitemap(n: int) -> bytes:
    """A realistic news sitemap of `n` URLs: loc, lastmod, news:news with publication name and
    language, publication date, title and keywords, and one image per URL."""
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    parts = [HEAD]
    for i in range(n):
        when = (start - timedelta(seconds=7 * i)).isoformat()
        parts.append(
            f"<url><loc>https://news.example.com/world/2026/12/05/story-number-{i}-about-things</loc>"
            f"<lastmod>{when}</lastmod><news:news><news:publication><news:name>Example News</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{when}</news:publication_date>"
            f"<news:title>Story number {i}: ministers meet &amp; agree on a plan</news:title>"
            f"<news:keywords>world, politics, story {i % 50}</news:keywords></news:news>"
            f"<image:image><image:loc>https://img.example.com/{i}.jpg</image:loc></image:image></url>\n"
        )
    parts.append("</urlset>\n")
    return "".join(parts).encode("utf-8")


def _status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process (Linux; VmHWM, unlike ru_maxrss, starts afresh at exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _child(path: str, queue: Any) -> None:
    """In a fresh process: the document read, then one parse; (parse peak MB, process peak MB)."""
    with open(path, "rb") as f:
        body = f.read()
    gc.collect()
    before = max(_rss_mb(), _peak_mb())
    doc = parse_document(body, "https://news.example.com/sitemap-news.xml")
    assert doc.ok
    queue.put((_peak_mb() - before, _peak_mb()))


def measure(body: bytes, repeat: int) -> tuple[float, float, float, int]:
    """(best CPU s over `repeat` parses, parse peak MB, process peak MB, items)."""
    best = float("inf")
    items = 0
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        doc = parse_document(body, "https://news.example.com/sitemap-news.xml")
        best = min(best, time.process_time() - started)
        items = len(doc.items)
        assert doc.ok and items, doc.error_message
        del doc
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(body)
        f.flush()
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(f.name, queue))
        proc.start()
        parse_peak, process_peak = queue.get(timeout=300)
        proc.join()
    return best, parse_peak, process_peak, items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--urls", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    body = news_sitemap(args.urls)
    packed = gzip.compress(body, 6)
    print(f"news sitemap: {args.urls:,} URLs, {len(body) / 2**20:.1f} MB ({len(packed) / 2**20:.1f} MB gzipped)")
    print("| input | items | CPU s (best) | parse peak MB | process peak RSS MB |")
    print("| --- | --- | --- | --- | --- |")
    for label, data in (("plain", body), ("gzip", packed)):
        cpu, peak, process_peak, items = measure(data, args.repeat)
        print(f"| {label} | {items:,} | {cpu:.3f} | {peak:.0f} | {process_peak:.0f} |")


if __name__ == "__main__":
    main()
