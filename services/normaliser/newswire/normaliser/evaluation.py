"""Scoring extraction against a labelled dataset (the WCXB layout of `shared/eval/extraction-dev`).

A dataset directory holds `html/<id>.html[.gz]` and `ground-truth/<id>.json` (`url` and, under
`ground_truth`, `title`, `author`, `publish_date`, `main_content`, `with`, `without`). Each page
is run through a *system* (ours: the normaliser's own `extract` + `build_article`; plain
trafilatura; or rs-trafilatura when it is installed) and scored: body precision/recall/F1 over
word bags, the share of `with` snippets found and of `without` snippets absent, and
title/author/date accuracy. CPU time is measured per page in the worker that ran it
(`time.process_time`), so parallel runs stay comparable.

Each page has a language: the label's own (`language` at the top level or under
`ground_truth`) when it declares one, else the language of the labelled text (py3langid on the
label's title and body; never on what a system extracted). `language_groups` pools the
languages with few pages, so that figures can be given per language group.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from statistics import mean, median
from typing import Any

import py3langid
import trafilatura

from newswire.text import fold_text

SYSTEMS = ("newswire", "trafilatura", "rs-trafilatura")
#: Systems that are optional packages (not installed by default everywhere): system -> module.
OPTIONAL_SYSTEMS = {"rs-trafilatura": "rs_trafilatura"}
#: A language with fewer pages than this in a dataset is pooled into the group "other".
GROUP_MIN_PAGES = 5
OTHER_LANGUAGES = "other"

_WORD = re.compile(r"\w+")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\|)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Sample:
    """One labelled page."""

    id: str
    url: str
    html_path: Path
    title: str | None
    author: str | None
    date: str | None
    body: str | None
    with_: tuple[str, ...]
    without: tuple[str, ...]
    language: str | None = None  # the label's (declared, or of its text)


@dataclass(frozen=True)
class Output:
    """What a system extracted from one page (the fields that are scored)."""

    body: str
    title: str | None
    authors: tuple[str, ...]
    date: str | None  # YYYY-MM-DD as the page states it (its own time zone)
    date_utc: str | None = None  # YYYY-MM-DD in UTC, when the system gives a time of day


@dataclass
class PageScore:
    """Scores of one system on one page (None where the ground truth has no value)."""

    id: str
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    with_hits: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0
    title_ok: bool | None = None
    author_ok: bool | None = None
    date_ok: bool | None = None
    cpu_s: float = 0.0
    error: str | None = None
    language: str | None = None


@dataclass
class Summary:
    """A system's figures over a dataset."""

    system: str
    pages: int
    precision: float
    recall: float
    f1: float
    with_rate: float
    without_rate: float
    title_acc: float
    author_acc: float
    date_acc: float
    cpu_ms_mean: float
    cpu_ms_median: float
    errors: int
    counts: dict[str, int] = field(default_factory=dict)


# -- dataset -------------------------------------------------------------------------------------


def load_dataset(root: Path, limit: int | None = None) -> list[Sample]:
    """The labelled pages of a dataset directory, in id order (the first `limit` of them)."""
    gt_dir, html_dir = root / "ground-truth", root / "html"
    if not gt_dir.is_dir() or not html_dir.is_dir():
        raise FileNotFoundError(f"{root} has no ground-truth/ and html/ directories")
    out: list[Sample] = []
    for gt_path in sorted(gt_dir.glob("*.json")):
        sid = gt_path.stem
        html_path = next((p for p in (html_dir / f"{sid}.html.gz", html_dir / f"{sid}.html") if p.exists()), None)
        if html_path is None:
            continue
        doc = json.loads(gt_path.read_text(encoding="utf-8"))
        gt = doc.get("ground_truth") or {}
        title, body = gt.get("title") or None, gt.get("main_content") or None
        author = gt.get("author") or None
        if isinstance(author, list):  # some label sets give a list of names
            author = ", ".join(str(a) for a in author if a) or None
        declared = doc.get("language") or gt.get("language")
        out.append(
            Sample(
                id=sid, url=str(doc.get("url") or f"https://example.invalid/{sid}"), html_path=html_path,
                title=title, author=author,
                date=gt.get("publish_date") or None, body=body,
                with_=tuple(gt.get("with") or ()), without=tuple(gt.get("without") or ()),
                language=str(declared).lower() if declared else label_language(title, body),
            )
        )
        if limit is not None and len(out) >= limit:
            break
    return out


def label_language(title: str | None, body: str | None) -> str | None:
    """The language (ISO 639-1) of a label's text, or None when it has too little text."""
    text = f"{title or ''}\n{body or ''}".strip()
    if len(text) < 20:
        return None
    return str(py3langid.classify(text[:3000])[0]) or None


def language_groups(samples: Sequence[Sample], min_pages: int = GROUP_MIN_PAGES) -> dict[str, str]:
    """Sample id -> language group: its language when the dataset has at least `min_pages`
    pages in it, else "other" (so that one page is not a group of its own)."""
    counts = Counter(s.language for s in samples)
    return {
        s.id: s.language if s.language is not None and counts[s.language] >= min_pages else OTHER_LANGUAGES
        for s in samples
    }


def read_html(path: Path) -> str:
    """A page file as text (gzip or not; undecodable bytes replaced)."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


# -- systems -------------------------------------------------------------------------------------


def run_newswire(html: str, url: str) -> Output:
    """Our pipeline: the same `extract` + `build_article` the service runs."""
    from newswire.contracts import FetchedPage
    from newswire.contracts.ids import article_id
    from newswire.normaliser.logic import build_article, extract

    ex = extract(html, url)
    if ex is None:
        return Output("", None, (), None)
    page = FetchedPage(
        article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
        status=200, fetched_at=datetime.now(UTC), html=html,
    )
    article = build_article(page, ex)
    published = article.published
    timed = published is not None and (published.hour, published.minute, published.second) != (0, 0, 0)
    utc_day = published.date().isoformat() if published is not None and timed else None
    return Output(article.text, article.title, article.authors, ex.published_local, utc_day)


def run_trafilatura(html: str, url: str) -> Output:
    """Plain trafilatura with its defaults and metadata (the baseline)."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None or isinstance(doc, dict):
        return Output("", None, (), None)
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Output(doc.text or "", doc.title, authors, (doc.date or "")[:10] or None)


def run_rs_trafilatura(html: str, url: str) -> Output:
    """rs-trafilatura (the Rust port, an optional package) with its defaults."""
    import rs_trafilatura

    doc = rs_trafilatura.extract(html, url=url)
    authors = tuple(a.strip() for a in re.split(r"[;\n]", doc.author or "") if a.strip())
    day, utc_day = None, None
    if doc.date:
        day = str(doc.date)[:10]
        try:
            stamp = datetime.fromisoformat(str(doc.date))
        except ValueError:
            stamp = None
        # an instant (a time of day with its offset): its UTC day counts too, as for ours
        if stamp is not None and stamp.tzinfo is not None and (stamp.hour, stamp.minute, stamp.second) != (0, 0, 0):
            utc_day = stamp.astimezone(UTC).date().isoformat()
    return Output(str(doc.main_content or ""), doc.title or None, authors, day, utc_day)


def system_available(name: str) -> bool:
    """Whether a system can run here (its optional package is installed)."""
    module = OPTIONAL_SYSTEMS.get(name)
    if module is None:
        return name in RUNNERS
    import importlib.util

    return importlib.util.find_spec(module) is not None


RUNNERS: dict[str, Callable[[str, str], Output]] = {
    "newswire": run_newswire, "trafilatura": run_trafilatura, "rs-trafilatura": run_rs_trafilatura,
}


# -- scoring -------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Case-folded word tokens of a text (after Unicode/quote folding)."""
    return _WORD.findall(fold_text(text).casefold())


def body_scores(predicted: str, truth: str) -> tuple[float, float, float]:
    """Word-bag precision, recall and F1 of a predicted body against the true one."""
    pred, gold = Counter(words(predicted)), Counter(words(truth))
    overlap = sum((pred & gold).values())
    p = overlap / sum(pred.values()) if pred else 0.0
    r = overlap / sum(gold.values()) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _snippet_form(text: str) -> str:
    return " ".join(words(text))


#: Separators between a headline and a site name ("Headline | Site", "Site - Headline").
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-\u2013\u2014\u00b7\u2022\u00ab\u00bb:]|::|//)\s+")


def title_words(text: str) -> list[str]:
    """A title's word sequence for comparison: `words`, with "&" read as "and" (a typographic
    variant, "Homeowners & Investors" is "Homeowners and Investors")."""
    return words(re.sub(r"\s*&(?:amp;)?\s*", " and ", text))


def _host_names(url: str | None) -> set[str]:
    """The compacted labels that name a site in its URL ("www.spice.ai" -> {"spice", "spiceai"})."""
    host = (urlsplit(url or "").hostname or "").casefold().removeprefix("www.")
    labels = [x for x in host.split(".") if x]
    names = {"".join(labels[:-1]), labels[0]} if len(labels) > 1 else set(labels)
    return {n.replace("-", "") for n in names if len(n.replace("-", "")) >= 4}


def _title_key(title: str, url: str | None) -> list[str]:
    """A title's word sequence without a leading or trailing segment that names the URL's site
    (its host name as one word, e.g. "| ByteSauna" for bytesauna.com), so that keeping or
    dropping the site name is not scored as a different title. Only whole separator-delimited
    segments of at most three words that start or end with the host name go; the headline stays."""
    hosts = _host_names(url)

    def names_site(segment: str) -> bool:
        key = "".join(words(segment))
        return 0 < len(segment.split()) <= 3 and any(key.startswith(h) or key.endswith(h) or key == h for h in hosts)

    parts = _TITLE_SEPARATORS.split(fold_text(title).strip())
    while len(parts) >= 2:  # the separators themselves carry no words
        if names_site(parts[-1]):
            parts = parts[:-1]
        elif names_site(parts[0]):
            parts = parts[1:]
        else:
            break
    return title_words(" ".join(parts))


def same_title(predicted: str | None, truth: str, url: str | None = None) -> bool:
    """Titles match when their word sequences do (case, punctuation, quote and dash styles and
    "&"/"and" aside), after dropping a site-name segment named by the URL's host on both sides."""
    if not predicted:
        return False
    return title_words(predicted) == title_words(truth) or _title_key(predicted, url) == _title_key(truth, url)


def same_authors(predicted: Sequence[str], truth: str) -> bool:
    """Authors match when the sets of names do (order, case and joiners aside)."""
    def names(text: str) -> set[str]:
        return {" ".join(words(n)) for n in _AUTHOR_SPLIT.split(text) if words(n)}

    return bool(predicted) and names("; ".join(predicted)) == names(truth)


def same_date(predicted: str | None, truth: str, predicted_utc: str | None = None) -> bool:
    """The page's own calendar date (YYYY-MM-DD, in the time zone the page states it in)
    equals the labelled one; a label given only to the month ("2003-11") or year is compared at
    that precision (anything longer than a day, e.g. a time, is cut to the day). A label carries
    no time zone, so when the system gives an instant (a time of day) its UTC day counts too:
    a page's 21:08 -05:00 is the label's day whether it was read in New York or in UTC."""
    label = truth.strip()[:10]
    if not re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", label):
        return False
    return any(day is not None and day[: len(label)] == label for day in (predicted, predicted_utc))


def score(sample: Sample, out: Output, cpu_s: float) -> PageScore:
    """One system's scores on one page."""
    s = PageScore(id=sample.id, cpu_s=cpu_s, language=sample.language)
    if sample.body:
        s.precision, s.recall, s.f1 = body_scores(out.body, sample.body)
    text = _snippet_form(out.body)
    for snippet in sample.with_:
        s.with_total += 1
        s.with_hits += _snippet_form(snippet) in text
    for snippet in sample.without:
        s.without_total += 1
        s.without_absent += _snippet_form(snippet) not in text
    if sample.title:
        s.title_ok = same_title(out.title, sample.title, sample.url)
    if sample.author:
        s.author_ok = same_authors(out.authors, sample.author)
    if sample.date:
        s.date_ok = same_date(out.date, sample.date, out.date_utc)
    return s


def evaluate_sample(sample: Sample, systems: Sequence[str]) -> dict[str, PageScore]:
    """Run and score every system on one page (in this process; CPU time per system)."""
    html = read_html(sample.html_path)
    out: dict[str, PageScore] = {}
    # libraries warm caches on first use (dateparser locales, langid model): alternate which
    # system runs first so neither gets the other's warm-up for free
    order = list(systems) if int(hashlib.md5(sample.id.encode()).hexdigest(), 16) % 2 else list(reversed(systems))
    for name in order:
        start = time.process_time()
        try:
            result = RUNNERS[name](html, sample.url)
            error = None
        except Exception as exc:  # noqa: BLE001 - a crash on one page is a result, not the end
            result, error = Output("", None, (), None), f"{type(exc).__name__}: {exc}"
        cpu = time.process_time() - start
        out[name] = score(sample, result, cpu)
        out[name].error = error
    return {name: out[name] for name in systems}


_WARM_PAGE = """<html lang="en"><head><title>Warm-up | Site</title>
<meta property="article:published_time" content="2020-01-02T03:04:05Z"></head><body><article>
<h1>Warm-up</h1><p class="byline">By Jane Doe, 2 January 2020</p>
<p>This page only loads the libraries' models and caches before anything is timed.</p>
<p>Le 2 janvier 2020, une autre phrase. Am 2. Januar 2020 noch ein Satz.</p></article></body></html>"""


def warm_up(systems: Sequence[str]) -> None:
    """Run every system once on a small page (model loading is not per-page cost)."""
    for name in systems:
        RUNNERS[name](_WARM_PAGE, "https://warm.example.org/2020/01/02/warm-up")


def _evaluate_one(args: tuple[Sample, tuple[str, ...]]) -> dict[str, PageScore]:
    return evaluate_sample(*args)


def evaluate(
    samples: Sequence[Sample], systems: Sequence[str], *, jobs: int = 1
) -> Iterator[dict[str, PageScore]]:
    """Page scores of every system, page by page (in `jobs` worker processes when > 1)."""
    work = [(s, tuple(systems)) for s in samples]
    if jobs <= 1:
        warm_up(systems)
        yield from map(_evaluate_one, work)
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=warm_up, initargs=(tuple(systems),)) as pool:
        yield from pool.map(_evaluate_one, work, chunksize=4)


def summarise(system: str, scores: Sequence[PageScore]) -> Summary:
    """Means over the pages that have each label (per-page body scores, macro-averaged)."""
    def avg(values: list[float]) -> float:
        return mean(values) if values else 0.0

    def acc(flags: list[bool | None]) -> tuple[float, int]:
        known = [f for f in flags if f is not None]
        return (sum(known) / len(known) if known else 0.0), len(known)

    bodies = [s for s in scores if s.f1 is not None]
    title, n_title = acc([s.title_ok for s in scores])
    author, n_author = acc([s.author_ok for s in scores])
    date, n_date = acc([s.date_ok for s in scores])
    with_total = sum(s.with_total for s in scores)
    without_total = sum(s.without_total for s in scores)
    cpu = [s.cpu_s * 1000 for s in scores]
    return Summary(
        system=system, pages=len(scores),
        precision=avg([s.precision or 0.0 for s in bodies]), recall=avg([s.recall or 0.0 for s in bodies]),
        f1=avg([s.f1 or 0.0 for s in bodies]),
        with_rate=sum(s.with_hits for s in scores) / with_total if with_total else 0.0,
        without_rate=sum(s.without_absent for s in scores) / without_total if without_total else 0.0,
        title_acc=title, author_acc=author, date_acc=date,
        cpu_ms_mean=avg(cpu), cpu_ms_median=median(cpu) if cpu else 0.0,
        errors=sum(s.error is not None for s in scores),
        counts={"body": len(bodies), "title": n_title, "author": n_author, "date": n_date},
    )


def summary_dict(summary: Summary) -> dict[str, Any]:
    """A summary as plain JSON-able data."""
    return asdict(summary)
