"""Pure normalisation: a fetched HTML page to clean text and metadata (no Kafka, no I/O).

`extract` runs trafilatura on the page (CPU only); `build_article` turns what it found, plus
what the fetch and the feed said, into a `NormalisedArticle`. `content_hash` hashes a folded
form of title and paragraphs so that only real edits change it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

import py3langid
import trafilatura

from newswire.contracts import ArticleFlags, FetchedPage, NormalisedArticle
from newswire.contracts.articles import Provenance
from newswire.contracts.ids import article_id, host_of, normalise_url
from newswire.text import content_hash, fold_text, word_count

#: Separators between a headline and the site name in <title> ("Headline | Site").
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " : ")
_WS = re.compile(r"\s+")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class Extraction:
    """What the extractor found on a page (raw strings; `build_article` interprets them)."""

    title: str | None
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...]
    date: str | None
    url: str | None
    sitename: str | None
    description: str | None
    image: str | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]


def extract(html: str, url: str) -> Extraction | None:
    """Main text and metadata of an HTML page, or None when there is no text. CPU-bound."""
    if not html.strip():
        return None
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        },
    )
    if doc is None or isinstance(doc, dict):  # a dict only with as_dict=True
        return None
    title = _clean(doc.title)
    lines = tuple(p for p in (_clean(line) for line in (doc.text or "").split("\n")) if p)
    # trafilatura keeps the <h1> as the first line of the text (or, on its fallback path for
    # tiny pages, as the start of it): it is the title, not body.
    if lines and title:
        first, folded_title = fold_text(lines[0]), fold_text(title)
        if first == folded_title:
            lines = lines[1:]
        elif first.startswith(folded_title + " "):
            lines = (first[len(folded_title) + 1 :], *lines[1:])
    if not lines:
        return None
    return Extraction(
        title=title,
        paragraphs=lines,
        authors=split_authors(doc.author),
        date=_clean(doc.date),
        url=_clean(doc.url),
        sitename=_clean(doc.sitename),
        description=_clean(doc.description),
        image=_clean(doc.image),
        tags=tuple(t for t in (_clean(x) for x in doc.tags or ()) if t),
        categories=tuple(c for c in (_clean(x) for x in doc.categories or ()) if c),
    )


def build_article(page: FetchedPage, ex: Extraction, *, min_words: int = 50) -> NormalisedArticle:
    """The normalised article of a page, from its extraction and what fetch and feed said."""
    provenance: dict[str, Provenance] = {}
    final_url = str(page.final_url)

    canonical, from_page = choose_canonical(ex.url, final_url)
    provenance["canonical_url"] = "extractor" if from_page else "url"
    host = host_of(canonical)
    outlet = ex.sitename or host

    title = strip_site_suffix(ex.title, ex.sitename) if ex.title else None
    if title:
        provenance["title"] = "extractor"
    elif page.item is not None and page.item.title:
        title, provenance["title"] = _clean(page.item.title), "feed"

    authors = ex.authors
    if authors:
        provenance["authors"] = "extractor"
    elif page.item is not None and page.item.authors:
        authors, provenance["authors"] = page.item.authors, "feed"

    published = parse_date(ex.date)
    if published is not None:
        provenance["published"] = "extractor"
    elif page.item is not None and page.item.published is not None:
        published, provenance["published"] = page.item.published, "feed"

    paragraphs = ex.paragraphs
    text = "\n\n".join(paragraphs)
    words = word_count(text)
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
        language=detect_language(text),
        section=ex.categories[0] if ex.categories else None,
        description=ex.description,
        image_url=ex.image if ex.image and _is_http_url(ex.image) else None,
        tags=ex.tags,
        content_hash=content_hash(title, paragraphs),
        word_count=words,
        flags=ArticleFlags(
            paywalled=page.paywalled,
            bot_challenge=page.bot_challenge,
            too_short=words < min_words,
        ),
        provenance=provenance,
        fetched_at=page.fetched_at,
        http_status=page.status,
        feed_id=page.feed_id,
        etag=page.headers.get("etag"),
        last_modified=page.headers.get("last-modified"),
    )


# -- pieces --------------------------------------------------------------------------------------


def strip_site_suffix(title: str, sitename: str | None) -> str:
    """`title` without a " | Site" suffix (or "Site | " prefix) when it names the site."""
    title = title.strip()
    if not sitename:
        return title
    site = fold_text(sitename).casefold()
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and fold_text(tail).casefold() == site:
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and tail.strip() and fold_text(head).casefold() == site:
            return tail.strip()
    return title


def split_authors(raw: str | None) -> tuple[str, ...]:
    """trafilatura joins authors with "; "."""
    if not raw:
        return ()
    out: list[str] = []
    for name in raw.split(";"):
        name = _clean(name) or ""
        if name and name not in out:
            out.append(name)
    return tuple(out)


def parse_date(raw: str | None) -> datetime | None:
    """An aware UTC datetime from an extractor date string (a bare date is midnight UTC)."""
    if not raw:
        return None
    value: datetime | None = None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            value = datetime.strptime(raw, fmt)
            break
        except ValueError:
            continue
    if value is None:
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def choose_canonical(candidate: str | None, final_url: str) -> tuple[str, bool]:
    """The canonical URL and whether it is the page's own: the page's (rel=canonical / og:url,
    via the extractor) when it is a sane absolute http(s) URL, else the final URL; tracking
    parameters removed either way."""
    if candidate and _is_sane_canonical(candidate, final_url):
        try:
            return normalise_url(candidate), True
        except ValueError:
            pass
    return normalise_url(final_url), False


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid), None for too little text."""
    if len(text.strip()) < 20:
        return None
    lang, _score = py3langid.classify(text)
    return str(lang) or None


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_sane_canonical(candidate: str, final_url: str) -> bool:
    if not _is_http_url(candidate) or any(c.isspace() for c in candidate.strip()):
        return False
    parts = urlsplit(candidate.strip())
    host = (parts.hostname or "").lower()
    if not _sane_host(host):
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


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _WS.sub(" ", value).strip()
    return cleaned or None
