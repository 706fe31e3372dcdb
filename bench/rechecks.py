"""Benchmark of unchanged re-checks: CPU per re-check on the fetcher and normaliser path, and the
fast path's correctness, on real pages with synthetic dynamic parts.

    .venv/bin/python bench/rechecks.py                       # extraction-dev + extraction-multi-dev
    .venv/bin/python bench/rechecks.py --limit 100           # the first 100 pages of each
    .venv/bin/python bench/rechecks.py --out bench/results/rechecks.json

Every page of the datasets (`../shared/eval`, or `$NEWSWIRE_EVAL_DIR`) gets three dynamic parts
outside its article, in a state A: a clock line at the top of `<body>` ("Updated 09:41 GMT"), a
most-read list at its end, and an ad slot at the top plus a script in `<head>` carrying a
per-request token. The article is extracted once from page A, in full, recording its fingerprint
(`extract_with_fingerprint`: the stage's full path). Then each re-check:

- (a) identical bytes: the fetcher's `decide` with the request's body digest (the digest, no
  decoding) and `unchanged_recheck`; nothing reaches the normaliser. Compared with `decide` on
  the same bytes without a fingerprint (decode, walls, canonical: today's path).
- (b) bytes changed outside the article, three ways (b1 the clock, b2 the most-read list, b3 the
  ad slot and the token): the normaliser's `unchanged_region` (fast parse, locate, hash); when it
  does not recognise the page, the full extraction follows and both are counted. Correctness:
  where it says unchanged, the full extraction of the page must give the same title, paragraphs
  and authors as A's (else counted as `b_extraction_differs`: the extractor itself moved).
- (b, in the fetcher) the same pages through the fetcher's `decide` and `unchanged_recheck`, which
  runs the region test itself for a lexbor fingerprint (`newswire.regions.lexbor`): its CPU (the
  test, timed alone: the decoding is the fetcher's anyway) and how many it recognises; those never
  reach the normaliser. lxml's fingerprints (`lexbor_share` is the rest) are the normaliser's.
- (c) the article changed by one word: a word of the extracted body that occurs once on the page
  and inside the article's region is replaced; the fast check must say "changed" (a "same" is a
  false unchanged when the full extraction shows the change), then the full extraction runs. The
  fetcher's test must not say "same" either (`c_fetcher_said_same`).

CPU is `time.process_time` around each call, one page at a time in this process; the machine is
shared and noisy, so the figures are medians over pages and ratios to the full extraction of the
same page. The result (`--out`) is what `deploy/k8s/capacity.py` reads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from newswire.contracts import FetchedPage, FetchRequest
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import article_id, host_of
from newswire.farm.fixtures import locate_eval
from newswire.fetcher.logic import FetchResult, body_digest, decide, unchanged_recheck
from newswire.normaliser.extract import decode_html, parse_html
from newswire.normaliser.fingerprint import locate_regions
from newswire.normaliser.logic import (
    Extraction,
    extract,
    extract_with_fingerprint,
    unchanged_region,
)

T = TypeVar("T")
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.IGNORECASE)
_WORD = re.compile(r"\b[^\W\d_]{5,}\b")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """The call's result and its CPU time in milliseconds."""
    start = time.process_time()
    out = fn()
    return out, (time.process_time() - start) * 1000.0


# -- synthetic dynamic parts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dynamic:
    """The state of a page's dynamic parts (outside its article)."""

    clock: str = "09:41"
    most_read: tuple[str, ...] = ("Council votes on the budget", "Schools close early", "Rail fares rise")
    ad: str = "1234"
    token: str = "7f3a9c"


A = Dynamic()
VARIANTS = {
    "b1_clock": Dynamic(clock="10:17"),
    "b2_most_read": Dynamic(most_read=("Rail fares rise", "Storm warning for the coast", "Council votes on the budget")),
    "b3_ad_token": Dynamic(ad="98765", token="c41d02"),
}


def with_dynamic(html: str, d: Dynamic) -> str:
    """The page with the dynamic parts in state `d`: clock and ad slot at the top of the body, the
    most-read list at its end, the token in a script in the head."""
    top = (
        f'<div class="nw-clock">Updated {d.clock} GMT</div>'
        f'<div class="nw-ad" data-slot="{d.ad}"><a href="/ads/{d.ad}">Advertisement {d.ad}</a></div>'
    )
    items = "".join(f'<li><a href="/most-read/{i}">{t}</a></li>' for i, t in enumerate(d.most_read))
    end = f'<aside class="nw-most-read"><h2>Most read</h2><ol>{items}</ol></aside>'
    script = f'<script>window.nwToken = "{d.token}";</script>'
    m = _HEAD_CLOSE.search(html)
    html = html[: m.start()] + script + html[m.start():] if m else script + html
    m = _BODY_OPEN.search(html)
    html = html[: m.end()] + top + html[m.end():] if m else top + html
    closes = list(_BODY_CLOSE.finditer(html))
    return html[: closes[-1].start()] + end + html[closes[-1].start():] if closes else html + end


def one_word_edit(html: str, ex: Extraction, fp: PageFingerprint) -> str | None:
    """The page with one word of its article replaced: a word of the extracted body that occurs
    once on the page, inside the article's region. None when there is none."""
    tree = parse_html(html)
    regions = locate_regions(tree, fp.region) if tree is not None else None
    if regions is None:
        return None
    region_text = "\n".join(r.text_content() for r in regions)
    for line in ex.paragraphs:
        for word in _WORD.findall(line):
            if html.count(word) == 1 and word in region_text:
                new = word[::-1] if word[::-1] != word else word + "s"
                return html.replace(word, new)
    return None


def verdict(ex: Extraction | None) -> tuple[object, ...] | None:
    return None if ex is None else (ex.title, ex.paragraphs, ex.authors)


# -- the pages --------------------------------------------------------------------------------------


def pages(dataset: Path, limit: int | None) -> Iterator[tuple[str, bytes, str]]:
    files = sorted(p for p in (dataset / "html").iterdir() if p.name.endswith((".html", ".html.gz")))
    for path in files[:limit]:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        ident = path.name.split(".")[0]
        url = json.loads((dataset / "ground-truth" / f"{ident}.json").read_text("utf-8"))["url"]
        yield f"{dataset.name}/{ident}", raw, url


def recheck_page(url: str, html: str, fp: PageFingerprint | None, digest: str) -> FetchedPage:
    return FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="recheck", outcome="ok",
        status=200, headers={"content-type": "text/html; charset=utf-8"}, fetched_at=NOW, html=html,
        charset="utf-8", content_type="text/html", byte_size=len(html), body_digest=digest, fingerprint=fp,
    )


@dataclass
class Tally:
    pages: int = 0
    fingerprinted: int = 0
    full_ms: list[float] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)
    fetch_same_ms: list[float] = field(default_factory=list)
    fetch_decode_ms: list[float] = field(default_factory=list)
    fast_hit_ms: list[float] = field(default_factory=list)
    lexbor: int = 0  # fingerprints the fetcher can test (region_parser "lexbor")
    fetcher_hit_ms: list[float] = field(default_factory=list)  # its `unchanged_recheck`, recognised
    fetcher_miss_ms: list[float] = field(default_factory=list)  # ... not recognised (the page goes on)
    b_fetcher_hits: int = 0
    c_fetcher_same: int = 0
    fast_miss_ms: list[float] = field(default_factory=list)
    b_ms: list[float] = field(default_factory=list)
    c_ms: list[float] = field(default_factory=list)
    hit_ratio: list[float] = field(default_factory=list)  # fast check / full extraction, same page
    miss_ratio: list[float] = field(default_factory=list)
    overhead: list[float] = field(default_factory=list)  # with fingerprint / plain extract - 1, same page
    b_tried: dict[str, int] = field(default_factory=dict)
    b_hits: dict[str, int] = field(default_factory=dict)
    b_extraction_differs: int = 0
    c_tried: int = 0
    c_fast_same: int = 0
    c_false_unchanged: int = 0
    c_extraction_unchanged: int = 0
    misses: list[str] = field(default_factory=list)


def run_page(t: Tally, name: str, raw: bytes, url: str) -> None:
    html_a = with_dynamic(decode_html(raw), A)
    bytes_a = html_a.encode("utf-8")
    digest_a = body_digest(bytes_a)
    t.pages += 1
    # the full extraction (the stage's path: with the fingerprint) and plain `extract` (the eval's),
    # in alternating order (whichever runs second finds warmer caches)
    if t.pages % 2:
        _, plain = timed(lambda: extract(html_a, url))
    (ex_a, fp), full = timed(lambda: extract_with_fingerprint(html_a, url, digest_a))
    if not t.pages % 2:
        _, plain = timed(lambda: extract(html_a, url))
    t.full_ms.append(full)
    t.plain_ms.append(plain)
    if plain > 0:
        t.overhead.append(full / plain - 1)
    if ex_a is None:
        return
    # (a) identical bytes, in the fetcher
    request = FetchRequest(
        url=url, host=host_of(url), article_id=article_id(url), reason="recheck", requested_at=NOW,  # type: ignore[arg-type]
        fingerprint=PageFingerprint(body_digest=digest_a),
    )
    result = FetchResult(
        requested_url=url, final_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
        body=bytes_a, byte_size=len(bytes_a),
    )
    same, ms = timed(lambda: unchanged_recheck(decide(request, result, NOW, last_attempt=True)))  # type: ignore[arg-type]
    assert same is not None and same.unchanged == "same_body", name
    t.fetch_same_ms.append(ms)
    plain_request = request.model_copy(update={"fingerprint": None})
    _, ms = timed(lambda: decide(plain_request, result, NOW, last_attempt=True))
    t.fetch_decode_ms.append(ms)
    if fp is not None and not fp.region:
        fp = None  # the body digest alone: no region to check (every re-check page is extracted)
    if fp is not None:
        t.fingerprinted += 1
        t.lexbor += fp.region_parser == "lexbor"
    fp_request = request.model_copy(update={"fingerprint": fp})
    # (b) bytes changed outside the article
    for variant, state in VARIANTS.items():
        html_b = with_dynamic(decode_html(raw), state)
        page_b = recheck_page(url, html_b, fp, body_digest(html_b.encode("utf-8")))
        if fp is not None:
            fetcher_test(t, fp_request, url, html_b, c=False)
        t.b_tried[variant] = t.b_tried.get(variant, 0) + 1
        hit, fast = timed(lambda p=page_b: unchanged_region(p))  # type: ignore[misc]
        (ex_b, _fp_b), full_b = timed(lambda h=html_b: extract_with_fingerprint(h, url))  # type: ignore[misc]
        if hit is not None:
            t.b_hits[variant] = t.b_hits.get(variant, 0) + 1
            t.fast_hit_ms.append(fast)
            t.b_ms.append(fast)
            t.hit_ratio.append(fast / full_b if full_b > 0 else 0.0)
            if verdict(ex_b) != verdict(ex_a):
                t.b_extraction_differs += 1
        else:
            if fp is not None:
                t.fast_miss_ms.append(fast)
                t.miss_ratio.append(fast / full_b if full_b > 0 else 0.0)
                if len(t.misses) < 30:
                    t.misses.append(f"{name} {variant}")
            t.b_ms.append(fast + full_b)
    # (c) the article changed by one word
    if fp is None:
        return
    html_c = one_word_edit(html_a, ex_a, fp)
    if html_c is None:
        return
    t.c_tried += 1
    fetcher_test(t, fp_request, url, html_c, c=True)
    page_c = recheck_page(url, html_c, fp, body_digest(html_c.encode("utf-8")))
    hit, fast = timed(lambda: unchanged_region(page_c))
    (ex_c, _fp_c), full_c = timed(lambda: extract_with_fingerprint(html_c, url))
    t.c_ms.append(fast + full_c)
    changed = verdict(ex_c) != verdict(ex_a)
    if not changed:
        t.c_extraction_unchanged += 1  # the word was in a part of the region the extractor drops
    if hit is not None:
        t.c_fast_same += 1
        if changed:
            t.c_false_unchanged += 1


def fetcher_test(t: Tally, request: FetchRequest, url: str, html: str, *, c: bool) -> None:
    """The fetcher's region test on a re-check's page (`decide`, then `unchanged_recheck`, timed
    alone): a lexbor fingerprint's page recognised there never reaches the normaliser."""
    body = html.encode("utf-8")
    result = FetchResult(
        requested_url=url, final_url=url, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
        body=body, byte_size=len(body),
    )
    page = decide(request, result, NOW, last_attempt=True)
    assert isinstance(page, FetchedPage)
    said, ms = timed(lambda: unchanged_recheck(page))
    hit = said is not None and said.unchanged == "same_region"
    if c:
        t.c_fetcher_same += hit
    elif hit:
        t.b_fetcher_hits += 1
        t.fetcher_hit_ms.append(ms)
    elif request.fingerprint is not None and request.fingerprint.region_parser == "lexbor":
        t.fetcher_miss_ms.append(ms)  # (an lxml fingerprint is not tested here)


def med(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 3) if values else 0.0


def summary(t: Tally) -> dict[str, Any]:
    b_tried = sum(t.b_tried.values())
    b_hits = sum(t.b_hits.values())
    b_on_fp = t.fingerprinted * len(VARIANTS)
    full_med = med(t.full_ms)
    return {
        "pages": t.pages,
        "fingerprinted": t.fingerprinted,
        "coverage": round(t.fingerprinted / t.pages, 4) if t.pages else 0.0,
        "full_ms_median": full_med,
        "full_ms_mean": mean(t.full_ms),
        "plain_extract_ms_median": med(t.plain_ms),
        "fingerprint_overhead_median": med(t.overhead),
        "a_fetcher_same_body_ms_median": med(t.fetch_same_ms),
        "a_fetcher_decode_ms_median": med(t.fetch_decode_ms),
        "a_normaliser_ms": 0.0,
        "b_fast_hit_ms_median": med(t.fast_hit_ms),
        "b_fast_miss_ms_median": med(t.fast_miss_ms),
        "b_ms_median": med(t.b_ms),
        "b_ms_mean": mean(t.b_ms),
        "b_hit_to_full_ratio_median": med(t.hit_ratio),
        "b_miss_check_to_full_ratio_median": med(t.miss_ratio),
        "b_hit_rate": round(b_hits / b_tried, 4) if b_tried else 0.0,
        "b_hit_rate_fingerprinted": round(b_hits / b_on_fp, 4) if b_on_fp else 0.0,
        "b_hit_rate_by_variant": {v: round(t.b_hits.get(v, 0) / n, 4) for v, n in t.b_tried.items()},
        "b_extraction_differs_on_hits": t.b_extraction_differs,
        "c_ms_median": med(t.c_ms),
        "c_tried": t.c_tried,
        "c_fast_said_same": t.c_fast_same,
        "c_false_unchanged": t.c_false_unchanged,
        "c_edit_not_in_extraction": t.c_extraction_unchanged,
        "lexbor_share": round(t.lexbor / t.fingerprinted, 4) if t.fingerprinted else 0.0,
        "b_fetcher_hit_rate_fingerprinted": round(t.b_fetcher_hits / b_on_fp, 4) if b_on_fp else 0.0,
        "b_fetcher_test_hit_ms_median": med(t.fetcher_hit_ms),
        "b_fetcher_test_miss_ms_median": med(t.fetcher_miss_ms),
        "c_fetcher_said_same": t.c_fetcher_same,
        "b_miss_examples": t.misses[:10],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("datasets", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each dataset")
    parser.add_argument("--out", type=Path, default=None, help="write the result as JSON here")
    args = parser.parse_args(argv)
    datasets = args.datasets or [
        d for d in (locate_eval("extraction-dev"), locate_eval("extraction-multi-dev")) if d is not None
    ]
    if not datasets:
        sys.exit("no dataset: pass a directory, or put ../shared/eval beside the repository")
    per_set: dict[str, dict[str, Any]] = {}
    overall = Tally()
    started = time.monotonic()
    for dataset in datasets:
        tally = Tally()
        for name, raw, url in pages(dataset, args.limit):
            run_page(tally, name, raw, url)
        per_set[dataset.name] = summary(tally)
        _merge(overall, tally)
    result = {
        "command": "bench/rechecks.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(time.monotonic() - started, 1),
        "all": summary(overall),
        "datasets": per_set,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")


def _merge(into: Tally, other: Tally) -> None:
    for name, value in vars(other).items():
        mine = getattr(into, name)
        if isinstance(value, list):
            mine.extend(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                mine[k] = mine.get(k, 0) + v
        else:
            setattr(into, name, mine + value)


if __name__ == "__main__":
    main()
