"""Page metadata from structured data first (JSON-LD, meta tags), heuristics after.

Each value comes with where it was found (`json-ld`, `meta`, `html`, `heuristic`, `url`), so the
article can say how far to trust it. Reads an lxml tree; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import htmldate
from lxml import etree
from lxml.html import HtmlElement
from newswire.contracts.articles import Provenance
from newswire.normaliser.authors import read_authors
from newswire.normaliser.markup import (
    _ARTICLE_TYPES,
    _jsonld_objects,
    _text_of,
    _types,
    clean,
)
from newswire.normaliser.titles import (
    _UPDATED_CUE,
    _choose_title,
    confirmed_news_headline,
    heading_text,
    section_names,
    site_names,
)
from newswire.normaliser.vocabulary import LANGUAGES, MONTH_NUMBERS

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "datepublished",
    "publish-date", "publish_date", "publishdate", "pubdate", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "dcterms.created", "parsely-pub-date", "sailthru.date", "citation_publication_date",
    "article.published", "published_time", "og:published_time", "cxenseparse:recs:publishtime",
)
_MODIFIED_META = (
    "article:modified_time", "og:updated_time", "og:article:modified_time", "datemodified",
    "dcterms.modified", "last-modified", "article.updated", "modified_time",
)


@dataclass
class Found:
    """Metadata found on a page; `provenance` names the source of each field."""

    title: str | None = None
    h1: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    published_local: str | None = None  # the date as the page states it (YYYY-MM-DD, its own zone)
    modified: datetime | None = None
    canonical: str | None = None
    sitename: str | None = None
    section: str | None = None
    description: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    html_lang: str | None = None
    article_body: str | None = None
    page_types: tuple[str, ...] = ()
    page_words: int | None = None  # words of visible text on the page (read once, used twice)
    provenance: dict[str, Provenance] = field(default_factory=dict)


# -- helpers ---------------------------------------------------------------------------------------


def _first_meta_date(meta: dict[str, str], keys: Sequence[str]) -> tuple[datetime, str] | None:
    """The date of the first of `keys` (in order) that the page's meta tags carry and that parses."""
    for key in keys:
        if key in meta and (found := parse_date(meta[key])):
            return found
    return None


def parse_date(raw: str | None) -> tuple[datetime, str] | None:
    """An aware UTC datetime and the local date (YYYY-MM-DD) from a date string (ISO 8601 and
    common variants; a bare date is midnight UTC)."""
    if not raw:
        return None
    text = raw.strip()
    if re.fullmatch(r"\d{10}(\d{3})?", text):  # epoch seconds or milliseconds
        stamp = int(text[:10])
        value = datetime.fromtimestamp(stamp, UTC)
        return value, value.date().isoformat()
    text = re.sub(r"(\d)\s*(?:UTC|GMT|Z)$", r"\1+00:00", text)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    text = text.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", text) else text
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text) or re.match(r"(\d{4})/(\d{2})/(\d{2})", text)
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
        elif m := re.match(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b", text):
            # "13/11/2025" or "11/13/2025": read only when the day cannot be the month
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            if (a > 12) == (b > 12):
                return None
            d, mo = (a, b) if a > 12 else (b, a)
        elif (m := _SHOWN_DATE.match(text)) and (day := _date_match(m)):  # "March 11, 2026"
            y, mo, d = (int(x) for x in day.split("-"))
        else:
            return None
        try:
            value = datetime(y, mo, d)
        except ValueError:
            return None
    if not 1990 <= value.year <= 2100:
        return None
    local = value.date().isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC), local


def _shown(text: str, day: str) -> bool:
    """Whether the page's visible `text` states the date `day` (YYYY-MM-DD) in a common form:
    numeric (day or month first, ISO, year first with slashes or CJK marks) or with the month's
    name in English or another language of `vocabulary`, full or abbreviated, with or without a
    dot, zero-padded day or ordinal suffix ("Dec. 09, 2025", "9th December 2025", "9. Dezember
    2025", "9 de diciembre de 2025", "2025年12月9日")."""
    try:
        d = datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return False
    year = str(d.year)
    if year not in text:
        return False
    forms = {
        d.strftime("%d/%m/%Y"), d.strftime("%m/%d/%Y"), d.strftime("%d.%m.%Y"), d.strftime("%m.%d.%Y"),
        d.strftime("%Y-%m-%d"),
    }
    if any(form in text for form in forms):
        return True
    # the month by any of its names in `vocabulary` ("Dec.", "Dezember", "décembre", "dic")
    names = "|".join(sorted((re.escape(n) for n, k in MONTH_NUMBERS.items() if k == d.month), key=len, reverse=True))
    mon = rf"(?:{names})\.?"
    num = rf"0?{d.day}(?:st|nd|rd|th)?"
    named = re.compile(
        rf"\b(?:{mon}\s+{num},?\s+{year}|{num}\.?\s+(?:de\s+)?{mon},?\s+(?:de\s+)?{year})\b"
        rf"|(?<!\d){year}(?:/|年\s?)0?{d.month}(?:/|月\s?)0?{d.day}(?!\d)",
        re.I,
    )
    return named.search(text) is not None
#: A date as bylines print it: "March 9, 2026", "Dec 18 2025", "12 November 2025", "2025-12-19",
#: "12.12.2025" (dotted numbers put the day first; slashed ones are ambiguous and not read), with
#: month names in the languages of `vocabulary` ("17. Dezember 2024", "13 de enero de 2025",
#: "23 okt 2025"), and year first with slashes or CJK marks ("2025/01/31", "2025年1月14日").
#: Hand-written: htmldate reads the whole page, not the line under the headline, and
#: dateparser's `search_dates` costs milliseconds per call and finds "dates" in ordinary words.
_MONTH_WORD = "|".join(sorted((re.escape(m) for m in MONTH_NUMBERS), key=len, reverse=True))
_SHOWN_DATE = re.compile(
    rf"\b(?:(?P<mon>{_MONTH_WORD})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:de\s+)?(?P<mon2>{_MONTH_WORD})\.?,?\s+(?:de\s+)?(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
    r"|(?<![\d.])(?P<d4>\d{1,2})\.(?P<m4>\d{1,2})\.(?P<y4>\d{4})(?![\d.]\d))\b"
    r"|(?<![\d/])(?P<y5>\d{4})(?:/|年\s?)(?P<m5>\d{1,2})(?:/|月\s?)(?P<d5>\d{1,2})(?:日|(?![\d/]))",
    re.I,
)
#: How far after the headline (characters of visible text) a byline date is looked for.
BYLINE_WINDOW = 350
#: How far before the headline a byline date may end when none follows the headline.
BYLINE_BEFORE = 40


#: Elements whose text is not visible (their tails are).
_INVISIBLE = frozenset({"script", "style", "noscript"})


def _visible_text(tree: HtmlElement) -> str:
    """The body's visible text, text nodes joined by spaces (text_content glues elements): the
    XPath `//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]`
    read in one walk that skips the invisible subtrees (the XPath tests every text node's
    ancestors: 1.4 ms a page against 0.8, joins included; #25)."""
    parts: list[str] = []
    for body in tree.iter("body"):
        # a body inside another is walked with it (the XPath yields each text node once)
        if any(a.tag == "body" or a.tag in _INVISIBLE for a in body.iterancestors()):
            continue
        walk = etree.iterwalk(body, events=("start", "end"))
        for event, el in walk:
            if event == "start":
                if el.tag in _INVISIBLE:
                    walk.skip_subtree()  # its "end" still comes: its tail is visible
                elif el.text is not None and isinstance(el.tag, str):
                    parts.append(el.text)
            elif el is not body and el.tail is not None:
                parts.append(el.tail)
    return " ".join(" ".join(parts).split())


def _date_match(m: re.Match[str]) -> str | None:
    if m["y3"]:
        y, mo, d = int(m["y3"]), int(m["m3"]), int(m["d3"])
    elif m["y4"]:  # "12.12.2025": dotted numeric dates put the day first
        y, mo, d = int(m["y4"]), int(m["m4"]), int(m["d4"])
    elif m["y5"]:
        y, mo, d = int(m["y5"]), int(m["m5"]), int(m["d5"])
    else:
        y, mo, d = int(m["y1"] or m["y2"]), MONTH_NUMBERS[(m["mon"] or m["mon2"]).casefold()], int(m["d1"] or m["d2"])
    try:
        return datetime(y, mo, d).date().isoformat() if 1990 <= y <= 2100 else None
    except ValueError:
        return None


def byline_date(text: str, headline: str | None) -> str | None:
    """The first date printed within BYLINE_WINDOW characters after the headline in the page's
    visible text (YYYY-MM-DD), or None. This is the date a reader sees with the article (often
    "Updated ..."), which is what the page states about itself when its metadata disagrees.
    With none after it, a date printed right before the headline (BYLINE_BEFORE characters: a
    dateline above the title, "Nutrition March 1, 2024 Healthy Eating Tips"), the publication
    rather than an "Updated: ..." date when it prints both."""
    if not headline:
        return None
    start = text.find(headline)
    if start < 0:
        return None
    window = text[start + len(headline): start + len(headline) + BYLINE_WINDOW]
    for m in _SHOWN_DATE.finditer(window):
        if day := _date_match(m):
            return day
    published = updated = None
    for m in _SHOWN_DATE.finditer(text, max(0, start - BYLINE_BEFORE - 40), start):
        if m.end() >= start - BYLINE_BEFORE and (day := _date_match(m)):
            if _UPDATED_CUE.search(text, max(0, m.start() - 40), m.start()):
                updated = day
            else:
                published = day
    return published or updated


#: Words that introduce the publication date in a byline ("Published on", "Posted:").
#: The same labels in the other languages of `vocabulary` ("Veröffentlicht am", "Publié le",
#: "Publicado el"), not "Stand" (German "as of": an update as often as not).
_PUBLISHED_ABROAD = "|".join(
    cue for lang, words in LANGUAGES.items() if lang != "en" for cue in words.published if cue != "stand"
)
_PUBLISHED_CUE = re.compile(
    r"\b(?:originally published|first published|date published|publish(?:ed)? date|published|posted"
    rf"|{_PUBLISHED_ABROAD})\b"
    r"\s*(?:on|at)?\s*[:\-\u2013|]?\s*$",
    re.I,
)
#: Where a stated publication date is looked for: from this many characters before the headline
#: (bylines above it) to this many after it.
STATED_BEFORE, STATED_AFTER = 300, 1000


def stated_publication_date(text: str, headline: str | None) -> str | None:
    """The first date (YYYY-MM-DD) the page's visible `text` introduces as the publication
    date ("Published on March 9, 2026", "Posted: 2025-12-19") near the headline, else one
    introduced as the original publication ("originally published on 26 Sep 2019") anywhere on
    the page, or None. "Updated ..." dates are not publication dates."""
    start = text.find(headline) if headline else -1
    if start >= 0:
        for m in _SHOWN_DATE.finditer(text, max(0, start - STATED_BEFORE), start + STATED_AFTER + 30):
            if m.start() > start + STATED_AFTER:
                break
            if _PUBLISHED_CUE.search(text, max(0, m.start() - 40), m.start()) and (day := _date_match(m)):
                return day
    # "This article was originally published on 26 Sep 2019" may close a long article
    for cue in _ORIGINAL_CUE.finditer(text):
        if (after := _SHOWN_DATE.match(text, cue.end())) is not None and (day := _date_match(after)):
            return day
    return None


#: "originally published on", "first published:" before a date: a statement anywhere on the page.
_ORIGINAL_CUE = re.compile(r"\b(?:originally|first) published\b\s*(?:on|in)?\s*[:\-\u2013|]?\s*", re.I)


def possible_days(value: datetime) -> set[str]:
    """The calendar days (YYYY-MM-DD) an instant falls on somewhere (UTC-12 to UTC+14); just its
    own day when it has no time of day (a bare date is read as midnight UTC)."""
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return {value.date().isoformat()}
    return {(value + timedelta(hours=h)).date().isoformat() for h in (-12, 0, 14)}


def _page_day(
    tree: HtmlElement, article: dict[str, Any], meta: dict[str, str], published: tuple[datetime, str]
) -> str:
    """The publication day in the page's own time zone: when the chosen instant is given in UTC
    and the page states the same instant with its zone elsewhere (a `<time datetime>`, another
    JSON-LD or meta date), that statement's calendar day; else the chosen one."""
    value, day = published
    if day != value.date().isoformat() or possible_days(value) == {day}:
        return day  # already the page's own day, or no time of day to place
    raws: list[Any] = [article.get(k) for k in ("datePublished", "dateCreated", "dateModified")]
    raws += [meta.get(k) for k in _PUBLISHED_META + _MODIFIED_META]
    raws += [str(v) for v in tree.xpath("//time/@datetime | //*[@itemprop][@datetime]/@datetime")[:20]]
    for raw in raws:
        other = parse_date(clean(raw))
        zoned = other is not None and other[1] != other[0].date().isoformat()
        if other is not None and zoned and abs((other[0] - value).total_seconds()) <= 120:
            return other[1]
    return day


def _time_near_headline(tree: HtmlElement) -> list[str]:
    """The `datetime` of the `<time>` element nearest the first `<h1>` in document order, counted
    in elements (the byline's, just above or below the headline; a tie goes below it), not the
    page's first one (a menu's or a list of other stories'); empty when there is none."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return []
    before: tuple[int, str] | None = None  # the last <time> above the headline
    at = -1
    for i, el in enumerate(tree.iter()):
        if el is h1:
            at = i
        elif el.tag == "time" and (stamp := el.get("datetime")):
            if at < 0:
                before = (i, stamp)
            else:
                return [stamp] if before is None or i - at <= at - before[0] else [before[1]]
    return [before[1]] if before is not None else []


def read_metadata(tree: HtmlElement, url: str) -> Found:
    """Everything the page says about itself."""
    f = Found()
    meta: dict[str, str] = {}
    for el in tree.xpath("//meta[@content]"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().casefold()
        value = clean(el.get("content"))
        if key and value and key not in meta:
            meta[key] = value
    article: dict[str, Any] = {}
    others: list[dict[str, Any]] = []
    types: list[str] = []
    by_id: dict[str, dict[str, Any]] = {}
    for obj in _jsonld_objects(tree):
        if isinstance(obj.get("@id"), str) and len(obj) > 1:
            by_id.setdefault(obj["@id"], obj)
        types += _types(obj)
        if not article and any(_ARTICLE_TYPES.search(t) for t in _types(obj)):
            article = obj
        else:
            others.append(obj)
    site_obj = next((o for o in others if any(t in ("WebSite", "Organization", "NewsMediaOrganization") for t in _types(o))), {})

    # site name and host, used to strip titles and reject "authors" that are the outlet
    f.sitename = meta.get("og:site_name") or clean(site_obj.get("name")) or _text_of(article.get("publisher"))
    if f.sitename:
        f.provenance["outlet"] = "meta" if meta.get("og:site_name") else "json-ld"
    sites = site_names(f.sitename, url)

    # headline
    h1s = [t for t in (heading_text(h) for h in tree.xpath("//h1")[:5]) if t and len(t.split()) <= 40]
    f.h1 = h1s[0] if h1s else None
    title_tag = clean(tree.findtext(".//title"))
    declared: list[tuple[Provenance, str | None]] = [
        ("meta", meta.get("og:title")),
        ("json-ld", clean(article.get("headline") or article.get("name"))),
        ("meta", meta.get("twitter:title")),
        ("html", title_tag),
    ]
    metas = [(p, t) for p, t in declared if t]
    section = meta.get("article:section") or _text_of(article.get("articleSection"))
    sections = section_names(url, section)
    news_headline = confirmed_news_headline(article, meta.get("og:title"), sites, sections)
    f.title, f.provenance["title"] = _choose_title(h1s, metas, sites, sections, news_headline)

    authors, prov_a = read_authors(article, meta, tree, sites, by_id)
    if authors:
        f.authors, f.provenance["authors"] = tuple(authors[:8]), prov_a

    # dates: structured first; htmldate (fast mode) when the page declares nothing
    modified = parse_date(clean(article.get("dateModified")))
    prov_m: Provenance = "json-ld"
    if modified is None and (modified := _first_meta_date(meta, _MODIFIED_META)):
        prov_m = "meta"
    if modified is not None:
        f.modified, f.provenance["modified"] = modified[0], prov_m
    published = parse_date(clean(article.get("datePublished")) or clean(article.get("dateCreated")))
    prov_d: Provenance = "json-ld"
    if published is None and (published := _first_meta_date(meta, _PUBLISHED_META)):
        prov_d = "meta"
    if published is None:
        # the page object's own date when no article object declares one (a WebPage in a graph)
        page_obj = next((o for o in others if any(t.endswith("WebPage") for t in _types(o))), {})
        if published := parse_date(clean(page_obj.get("datePublished"))):
            prov_d = "json-ld"
    if published is None:
        for node in [*_time_near_headline(tree), *tree.xpath('//*[@itemprop="datePublished"]/@datetime | //time[@datetime]/@datetime')[:3]]:
            if published := parse_date(str(node)):
                prov_d = "html"
                break
    page_text = _visible_text(tree)
    f.page_words = len(page_text.split())
    # "Published March 9, 2026" near the headline: the page says in words when the article came
    # out, which beats any metadata (templates and CMS exports often carry another date)
    stated = stated_publication_date(page_text, f.h1)
    if stated is not None:
        if published is None or stated not in possible_days(published[0]):
            published, prov_d = parse_date(stated), "html"
        elif published[1] != stated:  # the declared instant, on the day the page prints
            published = (published[0], stated)
    # a live blog (schema.org LiveBlogPosting) declares when its coverage began; the dates and
    # days it prints are its entries' updates, so neither the page's text nor htmldate overrides it
    live = published is not None and prov_d == "json-ld" and "LiveBlogPosting" in _types(article)
    # the date printed under the headline is what the page says to its readers: it wins over a
    # declared publication date the page never shows (a template's), unless it is the declared
    # modification date ("Updated ..." under the headline is not when the article came out)
    shown = byline_date(page_text, f.h1) if stated is None and not live else None
    from_byline = (
        shown is not None
        and (modified is None or modified[1] != shown)
        and (published is None or (shown not in possible_days(published[0]) and not _shown(page_text, published[1])))
    )
    if from_byline:
        published, prov_d = parse_date(shown), "html"
    elif shown is not None and published is not None and shown != published[1] and shown in possible_days(published[0]):
        published = (published[0], shown)  # the declared instant, on the day the page prints
    # a declared date the page never shows may be a template's; htmldate reads the page itself
    # (original_date: the publication, not the update)
    if published is None or (stated is None and not from_byline and not live and not _shown(page_text, published[1])):
        try:
            found = htmldate.find_date(tree, url=url, original_date=True, extensive_search=True)
        except Exception:  # noqa: BLE001 - htmldate fails on odd trees; a missing date is fine
            found = None
        seen = parse_date(str(found)) if found else None
        # htmldate's reading of a bare year (a copyright line: "2026-01-01") is not a date the
        # page gives for the article unless the page prints that very day
        if seen is not None and seen[1].endswith("-01-01") and not _shown(page_text, seen[1]):
            seen = None
        # htmldate falls back on the declared modification date; unless the page prints that
        # day, it is no better evidence of publication than the declared publication date
        guess_is_update = (
            seen is not None and modified is not None and seen[1] == modified[1]
            and not _shown(page_text, seen[1])
        )
        if seen is not None and (published is None or (seen[1] != published[1] and not guess_is_update)):
            published, prov_d = seen, "heuristic"
    if published is not None:
        f.published, f.published_local = published[0], _page_day(tree, article, meta, published)
        f.provenance["published"] = prov_d

    # the rest
    canonical = tree.xpath('//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href')
    if canonical:
        f.canonical, f.provenance["canonical_url"] = clean(str(canonical[0])), "html"
    elif meta.get("og:url"):
        f.canonical, f.provenance["canonical_url"] = meta["og:url"], "meta"
    if section:
        f.section, f.provenance["section"] = section, "meta" if meta.get("article:section") else "json-ld"
    desc = meta.get("og:description") or meta.get("description") or clean(article.get("description"))
    if desc:
        f.description, f.provenance["description"] = desc, "meta" if desc != clean(article.get("description")) else "json-ld"
    image = meta.get("og:image") or meta.get("twitter:image") or _text_of(article.get("image"))
    if image:
        f.image, f.provenance["image_url"] = image, "meta" if image != _text_of(article.get("image")) else "json-ld"
    tags: list[str] = [clean(t.get("content")) or "" for t in tree.xpath('//meta[@property="article:tag"]')]
    if not any(tags):
        kw = article.get("keywords") or meta.get("keywords") or meta.get("news_keywords")
        items = kw if isinstance(kw, list) else str(kw or "").split(",")
        tags = [clean(str(t)) or "" for t in items]
    tags = [t for t in dict.fromkeys(tags) if t and len(t) <= 60]
    if tags:
        f.tags, f.provenance["tags"] = tuple(tags[:30]), "meta"
    lang = tree.xpath("/html/@lang")
    f.html_lang = clean(str(lang[0])) if lang else None
    f.page_types = tuple(dict.fromkeys(types))
    body = article.get("articleBody")
    f.article_body = clean(body) if isinstance(body, str) else None
    return f
