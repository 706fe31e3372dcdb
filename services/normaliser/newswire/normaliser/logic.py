"""Pure normalisation: a fetched HTML page to clean text and metadata (no Kafka, no I/O).

`extract` parses the page once and reads its body (`extract.extract_body`), metadata
(`metadata.read_metadata`), cleans the body (`cleanup`) and lifts datelines and wire credits
(`newsfields`); `build_article` turns that, plus what the fetch and the feed said, into a
`NormalisedArticle`. `normalise_page` is both in one call (the CLI uses it).
`work_on_page` is the stage's (`normalise_or_unchanged` and a re-check's report): a re-check
whose article region is unchanged (`fingerprint`) becomes an 'unchanged' RecheckResult without an
extraction; any other page is extracted and its article records the page's fingerprint for the
next re-check; any other re-check is also reported to the tracker with the page's walls (`walls`:
bot walls and hard paywalls are told here, not by the fetcher).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from ipaddress import ip_address
from statistics import median
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from newswire.contracts import (
    ArticleFlags,
    FetchedPage,
    NormalisedArticle,
    RecheckResult,
)
from newswire.contracts.articles import Dateline, Provenance
from newswire.contracts.fetch import PageFingerprint, recheck_of
from newswire.contracts.ids import article_id, host_of, normalise_url
from newswire.normaliser.cleanup import clean_lines, promote_headline
from newswire.normaliser.extract import NotExtractable, extract_body, parse_sized
from newswire.normaliser.fastcheck import fingerprint_page, same_article
from newswire.normaliser.language import classify
from newswire.normaliser.metadata import parse_date as _parse_date
from newswire.normaliser.metadata import read_metadata
from newswire.normaliser.newsfields import lift_news_fields
from newswire.normaliser.settings import NormaliserSettings
from newswire.normaliser.titles import TITLE_SEPARATORS
from newswire.normaliser.walls import CLEAR, WallVerdict, detect_walls
from newswire.text import content_hash, fold_text, word_count
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

__all__ = [
    "Extraction", "NotExtractable", "build_article", "choose_canonical", "content_hash", "detect_language",
    "extract", "extract_with_fingerprint", "fold_text", "normalise_in_full", "normalise_or_unchanged",
    "normalise_page", "parse_date", "strip_site_suffix", "unchanged_region", "work_on_page", "page_walls", "PageWork",
]

_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
# ItemList is left out: listicles declare it next to their Article
_NON_ARTICLE_TYPES = frozenset({"CollectionPage", "SearchResultsPage", "LiveBlogPosting", "ProfilePage"})


@dataclass(frozen=True)
class Extraction:
    """What was found on a page (`build_article` interprets it)."""

    title: str | None
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    date: str | None  # ISO 8601 publication time (UTC)
    url: str | None
    sitename: str | None
    description: str | None
    image: str | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    modified: str | None = None
    published_local: str | None = None  # YYYY-MM-DD in the page's own time zone
    html_lang: str | None = None
    dateline: Dateline | None = None
    wire_source: str | None = None
    listing: bool = False
    body_source: str = "trafilatura"
    provenance: dict[str, Provenance] = field(default_factory=dict)
    #: `detect_language` of the paragraphs (joined as `build_article` joins them) when `extract`
    #: read it already; None: not read (`build_article` reads it then).
    language: str | None = None


def extract(html: str, url: str) -> Extraction | None:
    """Main text and metadata of an HTML page, or None when there is no text (NotExtractable
    when the page is refused, e.g. too large). CPU-bound."""
    return _extract(html, url)[0]


def extract_with_fingerprint(
    html: str, url: str, body_digest: str | None = None
) -> tuple[Extraction | None, PageFingerprint | None]:
    """`extract` (the same extraction), and the page's fingerprint for re-checks
    (`fastcheck.fingerprint_page`: where the body came from, and its digest). When the region
    cannot be told, the fingerprint holds the body digest alone (the fetcher's same-bytes test
    still works); None when there is neither. `body_digest`: the fetcher's digest of the raw
    body, recorded with it."""
    extraction, tree, body_lines = _extract(html, url)
    if extraction is None or tree is None:
        return extraction, None
    fingerprint = fingerprint_page(tree, html, body_lines, body_digest)
    if fingerprint is None and body_digest is not None:
        fingerprint = PageFingerprint(body_digest=body_digest)
    return extraction, fingerprint


def _extract(html: str, url: str) -> tuple[Extraction | None, HtmlElement | None, tuple[str, ...]]:
    """The extraction, the parsed tree and the extractor's body lines before cleanup."""
    if not html.strip():
        return None, None, ()
    parsed = parse_sized(html)
    if parsed is None:
        return None, None, ()
    tree, size = parsed
    meta = read_metadata(tree, url)
    body = extract_body(tree, url, meta.page_words, size)
    # the labels of page furniture are looked for in English and the body's language (the lines
    # joined as the article's text joins its paragraphs: when cleanup leaves the first
    # LANGUAGE_CHARS alone, the article's language is this one, not read twice)
    body_text = "\n\n".join(body.lines)
    language = detect_language(body_text, meta.html_lang)
    lines = clean_lines(body.lines, meta.title, language)
    if meta.h1 and meta.h1 != meta.title:
        lines = clean_lines(lines, meta.h1, language)
    title, lines = promote_headline(lines, meta.title)
    if title != meta.title:
        meta.title = title
        meta.provenance["title"] = "heuristic"
        if title is None:
            meta.provenance.pop("title", None)
    lifted = lift_news_fields(lines)
    if not lifted.lines:
        return None, tree, body.lines
    dateline = (
        Dateline(place=lifted.place, date_text=lifted.date_text, raw=lifted.raw) if lifted.raw else None
    )
    provenance = dict(meta.provenance)
    if dateline is not None:
        provenance["dateline"] = "heuristic"
    if lifted.wire:
        provenance["wire_source"] = "heuristic"
    text = "\n\n".join(lifted.lines)
    extraction = Extraction(
        title=meta.title,
        paragraphs=lifted.lines,
        authors=meta.authors,
        date=meta.published.isoformat() if meta.published else None,
        url=meta.canonical,
        sitename=meta.sitename,
        description=meta.description,
        image=meta.image,
        tags=meta.tags,
        categories=(meta.section,) if meta.section else (),
        modified=meta.modified.isoformat() if meta.modified else None,
        published_local=meta.published_local,
        html_lang=meta.html_lang,
        dateline=dateline,
        wire_source=lifted.wire,
        listing=_looks_like_listing(url, lifted.lines, meta.page_types),
        body_source=body.source,
        provenance=provenance,
        language=language if _same_language_input(body_text, text) else detect_language(text, meta.html_lang),
    )
    return extraction, tree, body.lines


def build_article(
    page: FetchedPage,
    ex: Extraction,
    *,
    min_words: int = 50,
    fingerprint: PageFingerprint | None = None,
    walls: WallVerdict | None = None,
) -> NormalisedArticle:
    """The normalised article of a page, from its extraction and what fetch and feed said
    (`fingerprint`: the page's, recorded with the article for its re-checks; `walls`: the page's
    verdict when the caller has it already)."""
    walls = walls or page_walls(page)
    found = ex.provenance
    provenance: dict[str, Provenance] = {}
    final_url = str(page.final_url)

    canonical, from_page = choose_canonical(ex.url, final_url)
    provenance["canonical_url"] = found.get("canonical_url", "extractor") if from_page else "url"
    host = host_of(canonical)
    outlet = ex.sitename or host
    provenance["outlet"] = found.get("outlet", "extractor") if ex.sitename else "url"

    title = strip_site_suffix(ex.title, ex.sitename) if ex.title else None
    if title:
        provenance["title"] = found.get("title", "extractor")
    elif page.item is not None and page.item.title:
        title, provenance["title"] = " ".join(page.item.title.split()), "feed"

    authors = ex.authors
    if authors:
        provenance["authors"] = found.get("authors", "extractor")
    elif page.item is not None and page.item.authors:
        authors, provenance["authors"] = page.item.authors, "feed"

    published = parse_date(ex.date)
    if published is not None:
        provenance["published"] = found.get("published", "extractor")
    elif page.item is not None and page.item.published is not None:
        published, provenance["published"] = page.item.published, "feed"
    modified = parse_date(ex.modified)
    if modified is not None:
        provenance["modified"] = found.get("modified", "extractor")

    for key in ("section", "description", "image_url", "tags", "dateline", "wire_source"):
        if key in found:
            provenance[key] = found[key]

    paragraphs = ex.paragraphs
    text = "\n\n".join(paragraphs)
    words = word_count(text)
    language = ex.language if ex.language is not None else detect_language(text, ex.html_lang)
    if language:
        provenance["language"] = "heuristic" if len(text) >= 200 or not ex.html_lang else "html"
    return NormalisedArticle(
        article_id=article_id(canonical),
        canonical_url=canonical,
        url=final_url,
        host=host,
        outlet=outlet,
        title=title,
        paragraphs=paragraphs,
        text=text,
        authors=authors,
        published=published,
        modified=modified,
        language=language,
        section=ex.categories[0] if ex.categories else None,
        description=ex.description,
        image_url=ex.image if ex.image and _valid_http_url(ex.image) else None,
        tags=ex.tags,
        dateline=ex.dateline,
        wire_source=ex.wire_source,
        content_hash=content_hash(title, paragraphs),
        word_count=words,
        flags=ArticleFlags(
            paywalled=walls.paywalled,
            bot_challenge=walls.bot_challenge,
            too_short=words < min_words,
            not_an_article=ex.listing,
        ),
        provenance=provenance,
        fetched_at=page.fetched_at,
        http_status=page.status,
        feed_id=page.feed_id,
        etag=page.headers.get("etag"),
        last_modified=page.headers.get("last-modified"),
        fingerprint=fingerprint,
    )


def unchanged_region(page: FetchedPage) -> RecheckResult | None:
    """A re-check's page whose article is certainly unchanged, told without extracting it: the
    tracked article's fingerprint came with the request, the page answered at the article's own
    URL with no wall declared, and its region and verdict inputs hash as before (`fastcheck.same_article`,
    a fast parse). Then the 'unchanged' RecheckResult that stands for it; None: extract it.

    The page's HTML is not read for walls (`walls.detect_walls`, ~0.8 ms a page on average, nearly
    a third of the test), only the verdict the page came with: a page that still holds the article's region, text
    and verdict inputs as extracted holds the article, and a challenge, a consent wall or a hard
    paywall serves something else instead (a region cut short or gone), which the extraction then
    tells."""
    fp = page.fingerprint
    if (
        page.reason != "recheck"
        or page.outcome != "ok"
        or fp is None
        or not fp.region
        or page.redirect_chain
        or page.final_url != page.requested_url
        or not same_article(page.html or "", fp)
        or _declared_walls(page) != CLEAR
    ):
        return None
    return recheck_of(page, unchanged="same_region")


def normalise_or_unchanged(
    page: FetchedPage, *, min_words: int = 50, walls: WallVerdict | None = None
) -> NormalisedArticle | RecheckResult:
    """The stage's work on an ok page: a re-check whose article is unchanged (`unchanged_region`)
    is its RecheckResult; anything else is extracted in full (`normalise_in_full`). NotExtractable
    when the page has no article text."""
    if (unchanged := unchanged_region(page)) is not None:
        return unchanged
    return normalise_in_full(page, min_words=min_words, walls=walls)


def normalise_in_full(page: FetchedPage, *, min_words: int = 50, walls: WallVerdict | None = None) -> NormalisedArticle:
    """An ok page extracted in full: its article carries the page's fingerprint, for the next
    re-check's region test. NotExtractable when the page has no article text."""
    ex, fingerprint = extract_with_fingerprint(page.html or "", str(page.final_url), page.body_digest)
    if ex is None:
        raise NotExtractable("no article text")
    return build_article(page, ex, min_words=min_words, fingerprint=fingerprint, walls=walls)


@dataclass(frozen=True)
class PageWork:
    """What the stage makes of an ok page: `out`, its article or the 'unchanged' RecheckResult
    that stands for it (None when it has no article: `failure` says why, for the dead-letter
    topic); `report`, for a re-check not found unchanged, the RecheckResult the tracker reads to
    see the article moved (its final URL) or walled (the walls told here)."""

    out: NormalisedArticle | RecheckResult | None
    report: RecheckResult | None = None
    failure: str | None = None


def work_on_page(page: FetchedPage, *, min_words: int = 50, region_checked: bool = False) -> PageWork:
    """`normalise_or_unchanged` plus a re-check's report. The report comes even when the page has
    no article text: a re-check redirected to a page without one (a home page, a section front) is
    how an article that moved away shows, and the tracker must see it. The walls are told only for
    a page that is extracted (`unchanged_region` reads none). `region_checked`: the caller ran
    `unchanged_region` already and it said "extract"."""
    if not region_checked and (unchanged := unchanged_region(page)) is not None:
        return PageWork(unchanged)
    walls = page_walls(page)
    report = None
    out: NormalisedArticle | None = None
    failure: str | None = None
    try:
        out = normalise_in_full(page, min_words=min_words, walls=walls)
    except NotExtractable as exc:
        failure = str(exc)
    if page.reason == "recheck":
        report = recheck_of(page, bot_challenge=walls.bot_challenge, paywalled=walls.paywalled)
    return PageWork(out, report, failure)


def _declared_walls(page: FetchedPage) -> WallVerdict:
    """The wall verdict a page came with (from a fetcher of an earlier release), its HTML unread."""
    if page.bot_challenge or page.paywalled:
        return WallVerdict(bot_challenge=page.bot_challenge, paywalled=page.paywalled, reason=page.wall_reason)
    return CLEAR


def page_walls(page: FetchedPage) -> WallVerdict:
    """Whether the page is a bot wall or a hard paywall (`walls.detect_walls`, told here only:
    this stage reads the page anyway). A page fetched by an earlier release may carry the
    fetcher's verdict; it still counts."""
    declared = _declared_walls(page)
    if declared != CLEAR:
        return declared
    return detect_walls(page.html) if page.html else CLEAR


def normalise_page(page: FetchedPage, settings: NormaliserSettings) -> NormalisedArticle:
    """`extract` + `build_article` of a fetched page; NotExtractable when it has no text."""
    ex = extract(page.html or "", str(page.final_url))
    if ex is None:
        raise NotExtractable("no article text")
    return build_article(page, ex, min_words=settings.min_article_words)


# -- pieces --------------------------------------------------------------------------------------


def strip_site_suffix(title: str, sitename: str | None) -> str:
    """`title` without a " | Site" suffix (or "Site | " prefix) when it names the site."""
    title = title.strip()
    if not sitename:
        return title
    site = fold_text(sitename).casefold()
    for sep in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and fold_text(tail).casefold() == site:
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and tail.strip() and fold_text(head).casefold() == site:
            return tail.strip()
    return title


def parse_date(raw: str | None) -> datetime | None:
    """An aware UTC datetime from a date string (a bare date is midnight UTC)."""
    parsed = _parse_date(raw)
    return parsed[0] if parsed else None


def choose_canonical(candidate: str | None, final_url: str) -> tuple[str, bool]:
    """The canonical URL and whether it is the page's own: the page's (rel=canonical / og:url)
    when it is a sane absolute http(s) URL, else the final URL; tracking parameters removed
    either way (`normalise_url`, courlan-based)."""
    if candidate and _is_sane_canonical(candidate, final_url):
        try:
            return normalise_url(candidate), True
        except ValueError:
            pass
    return normalise_url(final_url), False


#: The characters of a text `detect_language` classifies (the first ones).
LANGUAGE_CHARS = 3000


def detect_language(text: str, html_lang: str | None = None) -> str | None:
    """ISO 639-1 code of the body's language (py3langid); the page's `lang` attribute when the
    body is too short to classify."""
    declared = html_lang.split("-")[0].split("_")[0].lower() if html_lang else None
    if declared is not None and not re.fullmatch(r"[a-z]{2}", declared):
        declared = None
    if len(text.strip()) < 200:
        if declared:
            return declared
        if len(text.strip()) < 20:
            return None
    # the first few thousand characters decide as well as the whole text, at a fraction of the cost
    return classify(text[:LANGUAGE_CHARS]) or declared


def _same_language_input(a: str, b: str) -> bool:
    """Whether `detect_language` reads the same from `a` as from `b` (with the same `html_lang`):
    the same first LANGUAGE_CHARS characters, and alike as to its short-text rules."""
    def length_class(text: str) -> tuple[bool, bool]:
        n = len(text.strip())
        return n < 200, n < 20

    return a[:LANGUAGE_CHARS] == b[:LANGUAGE_CHARS] and length_class(a) == length_class(b)


def _looks_like_listing(url: str, lines: tuple[str, ...], page_types: tuple[str, ...]) -> bool:
    """An index, listing or live blog rather than one article: declared so, a site's front page,
    or a body of many short link-like lines."""
    if any(t in _NON_ARTICLE_TYPES for t in page_types):
        return True
    if urlsplit(url).path in ("", "/"):
        return True
    if len(lines) < 20 or median(len(line.split()) for line in lines) >= 5:
        return False
    prose = sum(line.rstrip().endswith((".", "!", "?", '"', "”")) for line in lines)
    return prose < 0.2 * len(lines)


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _valid_http_url(url: str) -> bool:
    """An http(s) URL the contract's URL type accepts too: a page's metadata URL that it would
    refuse (e.g. a control character in the host) is dropped, not the whole article."""
    if not _is_http_url(url):
        return False
    try:
        _HTTP_URL.validate_python(url)
    except ValidationError:
        return False
    return True


def _is_sane_canonical(candidate: str, final_url: str) -> bool:
    if not _is_http_url(candidate) or any(c.isspace() for c in candidate.strip()):
        return False
    parts = urlsplit(candidate.strip())
    host = (parts.hostname or "").lower()
    if not _sane_host(host):
        return False
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
    except ValueError:  # "https://news.examp:le.org/a": the contract's URL type refuses it
        return False
    # A canonical pointing at the front page of an article is a template bug, not the article.
    final_path = urlsplit(final_url).path
    if parts.path in ("", "/") and final_path not in ("", "/"):
        return False
    return True


def _sane_host(host: str) -> bool:
    if not host:
        return False
    try:
        ip_address(host)
        return True
    except ValueError:
        pass
    if host == "localhost":
        return True
    return "." in host and bool(_HOSTNAME.match(host)) and not host.endswith(".")
