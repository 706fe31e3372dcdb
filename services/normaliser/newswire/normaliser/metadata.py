"""Page metadata from structured data first (JSON-LD, meta tags), heuristics after.

Each value comes with where it was found (`json-ld`, `meta`, `html`, `heuristic`, `url`), so the
article can say how far to trust it. Reads an lxml tree; no I/O.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

import htmldate
import regex
from courlan import extract_domain
from lxml import etree
from lxml.html import HtmlElement
from rapidfuzz import fuzz

from newswire.contracts.articles import Provenance
from newswire.normaliser.newsfields import WIRES
from newswire.text import fold_text

#: What separates a headline from the site's name or a section in a declared title. CJK titles
#: use full-width marks without spaces ("見出し｜日刊サイト", "見出し：新聞Web").
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " : ", " // ", " « ", " » ", "｜", "：")
_WS = re.compile(r"\s+")
#: Words in any script: letters with their combining marks (Devanagari vowel signs are marks,
#: which the standard library's \w leaves out, cutting "समस्तीपुर" into pieces) and digits.
_WORD_RUN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report|NewsArticle|Posting|Review|Recipe|HowTo)$", re.I)
#: Words that make a credit a group or an outlet, never a person ("Podium Staff", "News Desk").
_NOT_PEOPLE = re.compile(
    r"\b(staff|editor(?:ial)?s?|team|desk|newsroom|reporters?|correspondents?|agenc(?:y|ies)|admin(?:istrator)?|"
    r"contributors?|media|news|inc|ltd|llc|group|company|online|web|digital|"
    # desks in other languages ("unserer Redaktion", "La rédaction", "Redacción")
    r"redaktion|r[ée]daction|redacci[óo]n|redazione|redactie|redaksjon(?:en)?|redaktionen|reda[cç][aã]o)\b",
    re.I,
)
#: Outlet words that are also people's surnames ("Anna Press", "Christopher Guest"): they make a
#: credit an outlet only when the whole credit is an outlet's name (`_is_outlet_name`).
_OUTLET_SURNAMES = re.compile(r"\b(press|wire|guest)\b", re.I)
_ROLES = (
    r"director|manager|expert|officer|founder|ceo|cto|president|head(?=\s+of\b)|senior|dietitian|"
    r"writer|author|contributor|specialist|consultant|analyst|attorney|lawyer|coordinator|executive|engineer|"
    r"developer|designer|marketer|strategist|reviewer"
)
#: Job titles and credentials. One counts only when no name follows it: "Md Shahnawaz Khan
#: Chandan" is a name (Md for Muhammad), "CEO of X", "Senior Writer" and a lone "MD" are not.
_JOB = re.compile(rf"\b({_ROLES}|sr|md|phd|rd|ms|msc|mba)\b\.?", re.I)
#: Job titles before a name label it ("Author Isaiah Shelton", "Senior Writer Jane Doe"): they
#: go and the name stays. Credentials are not taken off the front: there they are part of a
#: name ("Md Shahnawaz Khan Chandan").
_LEADING_ROLES = re.compile(rf"^(?:(?:{_ROLES})\b\.?\s*:?\s+)+(?=(?-i:[A-Z]))", re.I)
#: "By", "Written by:", "Posted by" before the names, also glued to them ("BySummer Swann") but
#: not the start of a name ("Byron").
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:(?:written|posted|reviewed|words|story|article|authored|text|recipe|reporting|interview|"
    r"compiled|edited|photos?)\s*)?by(?:\s*:\s*|\s+|\s*$|(?-i:(?=[A-Z][a-z])))"
    # the same in other languages: "Von", "Par", "Por", "Door", "Av", "Af", "Przez", "Di" before
    # a name, and labels with a colon ("Text:", "Autorin:", "Texto:", "Testo:", "Tekst:")
    r"|(?:von|par|por|door|av|af|przez|di)(?:\s+(?=\w)|\s*:?\s*$)"
    r"|(?:text|texto|testo|tekst|autor(?:in|a)?|auteur|autore|forfatter|författare)\s*:\s*)",
    re.I,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||\band\b|&|、)\s*", re.I)  # 、: the ideographic comma
_AND_WORD = re.compile(r"\band\b|&", re.I)
#: "and" between names in other languages (German, Norwegian/Danish, Swedish, French, Spanish,
#: Italian/Portuguese, Polish/Czech, Finnish, Hungarian, Vietnamese); lower case only, so that an
#: initial ("E. Meyer") is not taken for one.
_AND_ELSEWHERE = re.compile(r"\s+(?:und|og|och|et|y|e|i|oraz|ja|és|và)\s+(?=\w)")
#: Credentials written after a name, each its own comma-separated part ("Jane Doe, MS, RD",
#: "Jo Roe, M.D. FACLM", "Rebecca Lake, CEPF®"): they stay with the name, as the byline reads.
_POST_NOMINALS = (
    r"MD|DO|PhD|MS|MSc|MA|BA|BS|BSc|MPH|MBA|MEd|EdD|PsyD|PharmD|JD|LLM|Esq|RD|RDN|LD|LDN|CDN|CDCES|CDE|"
    r"RN|BSN|MSN|NP|APRN|FNP|DNP|DPT|PT|OTR|LCSW|LPC|LMFT|CSCS|CPT|CHES|IBCLC|DVM|VMD|LVT|VTS|DDS|DMD|"
    r"CFP|CFA|CPA|CEPF|CFEI|CPP|PSP|PE|RA"
    # fellowships and board diplomas ("FAND", "FACLM", "DABOM", "DACVB")
    r"|F[A-Z]{2,5}|DA[A-Z]{2,4}"
)
_CREDENTIAL = re.compile(rf"(?:(?:{_POST_NOMINALS}|(?:[A-Z][a-z]?\.){{2,4}})®?\s*){{1,3}}")
#: Photo and illustration credits are not bylines ("Foto: Jane Doe", "Photo: ...", "Bild: ...").
_IMAGE_CREDIT = re.compile(
    r"^(?:fotos?|photos?|photograph|photography|bild(?:er)?|image|illustration|grafik|kuva|zdj[eę]cie|foto\s*/\s*\w+)\s*:",
    re.I,
)
_WIRE_NAMES = frozenset(fold_text(w).casefold() for w in WIRES)
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


#: Soft hyphens and zero-width characters: hyphenation hints and joiners that pages put inside
#: words ("Ver\u00adfas\u00adsungs\u00adbe\u00adschwerde"); they are not text.
_INVISIBLE_IN_WORDS = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


#: A character reference left in text that was unescaped once.
_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-fA-F]{2,6}|amp|quot|apos|lt|gt|nbsp|hellip|[lr]squo|[lr]dquo|[mn]dash);")


def clean(value: Any) -> str | None:
    """A string with entities decoded, soft hyphens and zero-width characters dropped and
    whitespace folded, or None when empty."""
    if not isinstance(value, str):
        return None
    text = htmllib.unescape(value)
    if _ENTITY.search(text):  # escaped twice ("&amp;#8230;" in a JSON-LD headline)
        text = htmllib.unescape(text)
    text = _INVISIBLE_IN_WORDS.sub("", text)
    cleaned = _WS.sub(" ", repair_mojibake(text)).strip()
    return cleaned or None


_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


def repair_mojibake(text: str) -> str:
    """UTF-8 text that was decoded as Latin-1 ("Investorâ\x80\x99s") decoded right; anything
    else unchanged. A small hand-written rule: ftfy is not installed and this is its one case
    that appears in page metadata."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _compact(text: str) -> str:
    """`text`'s letters and digits in any script, case-folded: the key that site names and title
    segments are compared by ("日刊ゲンダイDIGITAL" keeps its kana)."""
    return str(_NOT_WORD.sub("", fold_text(text).casefold()))


# -- JSON-LD ---------------------------------------------------------------------------------------


def _jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # trailing commas and stray control characters are common
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ").replace("\t", " ")))
            except ValueError:
                continue
        stack: list[Any] = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                    if isinstance(item.get(key), dict | list):
                        stack.append(item[key])


def _types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    return [str(x) for x in t] if isinstance(t, list) else [str(t)] if t else []


def _names(value: Any, *, people_only: bool, by_id: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names in a JSON-LD person/organisation value; `{"@id": ...}` references are looked up in
    `by_id` (the page's other JSON-LD objects, as in a Yoast `@graph`)."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, dict) and "name" not in v and by_id and isinstance(v.get("@id"), str):
            v = by_id.get(v["@id"], v)
        if isinstance(v, dict):
            if people_only and any(t.casefold() == "organization" for t in _types(v)):
                continue
            name = clean(v.get("name"))
        else:
            name = clean(v)
        if name:
            out.append(name)
    return out


def _text_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("name") or value.get("@id")
    return clean(value)


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


def split_author_names(raw: str) -> list[str]:
    """People's names from a credit line ("By A, B and C"), without titles or outlets."""
    raw = _BYLINE_PREFIX.sub("", raw.strip())
    out: list[str] = []
    after_name = False  # the previous part was a name: a credential after it stays with it
    # a comma-separated job title that holds an "and" is no pair of names ("Jane Doe, Home and
    # Digital Security Expert"): it goes before the names are split
    segments = [seg for seg in re.split(r"\s*[,;|]\s*", raw) if not (_AND_WORD.search(seg) and _is_job_title(seg))]
    for part in _AUTHOR_SPLIT.split(_AND_ELSEWHERE.sub(", ", ", ".join(segments))):
        name = clean(part.strip(" -–—:·•"))
        if name and out and after_name and _CREDENTIAL.fullmatch(name) and fold_text(name).casefold() not in _WIRE_NAMES:
            out[-1] = f"{out[-1]}, {name}"
            continue
        after_name = False
        if name:
            name = _LEADING_ROLES.sub("", name)
        if not name or _IMAGE_CREDIT.match(name) or not is_person_name(name):
            continue
        if name not in out:
            out.append(name)
            after_name = True
    return out


#: Meta tags that declare an article's credit.
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")


def declared_credits(ld_author: Any, meta: dict[str, str], by_id: dict[str, dict[str, Any]]) -> list[str]:
    """The credits a page declares (JSON-LD author of any type, else its author meta tags), as
    written: organisations and handles included, "By" and URLs left out."""
    raw = _names(ld_author, people_only=False, by_id=by_id)
    if not raw:
        raw = [meta[k] for k in _AUTHOR_META if k in meta][:1]
    out: list[str] = []
    for credit in raw:
        for part in _AUTHOR_SPLIT.split(_BYLINE_PREFIX.sub("", credit.strip())):
            name = clean(part.strip(" -–—:·•"))
            if name and _is_credit(name) and name not in out:
                out.append(name)
    return out


#: Credits a CMS fills in by itself: its default accounts, not anyone's byline.
_CMS_ACCOUNTS = re.compile(r"(?:site[ _-]?)?(?:admin\w*|administrator|webmaster|root|user\d*|default|wordpress|guest)", re.I)


def _is_credit(name: str) -> bool:
    """Whether a declared credit reads as a byline: not a URL, a CMS account ("admin") or a
    generated handle (a single token mixing letters and digits: "jdoe4x7kq2")."""
    if len(name) > 60 or "://" in name or name.casefold().startswith("www.") or _CMS_ACCOUNTS.fullmatch(name):
        return False
    generated = " " not in name and any(c.isdigit() for c in name) and any(c.isalpha() for c in name)
    return not generated and any(c.isalpha() for c in name)  # a number is an id, no credit


def _is_job_title(name: str) -> bool:
    """Whether a credit holds a job title or credential that no name follows ("Senior Director
    of Operations", "Rachel Doe Writer", "MS"): a capitalised word after it that is not itself
    one starts a name ("Md Shahnawaz Khan Chandan")."""
    for match in _JOB.finditer(name):
        following = name[match.end():].split()
        nxt = following[0] if following else ""
        if not (nxt[:1].isupper() and not _JOB.match(nxt) and not nxt.isupper()):
            return True
    return False


def _is_outlet_name(name: str) -> bool:
    """Whether a credit with an outlet word that is also a surname ("Press") is an outlet's name
    as a whole: a news agency ("Associated Press", "The Canadian Press"), or a name that opens
    with the outlet word or with "The"/"Our", or holds an acronym ("ABC Press"); "Anna Press"
    is a person."""
    words = name.split()
    folded = fold_text(name).casefold()
    if folded in _WIRE_NAMES or folded.removeprefix("the ") in _WIRE_NAMES:
        return True
    if _OUTLET_SURNAMES.fullmatch(words[0]) or words[0].casefold() in ("the", "our"):
        return True
    return any(len(w) >= 2 and w.isupper() for w in words)


def _caseless(char: str) -> bool:
    """A letter of a script without case (Chinese, Japanese, Devanagari, ...)."""
    return char.isalpha() and not char.isupper() and not char.islower()


def is_person_name(name: str) -> bool:
    """Plausibly a person's name: 1-5 words, letters, not an URL, handle, desk or job title."""
    if _is_job_title(name) or (name.isupper() and len(name) <= 6):
        return False
    if "://" in name or "@" in name or "/" in name or any(ch.isdigit() for ch in name):
        return False
    words = name.split()
    # a capital letter somewhere, unless the name is in a script without case ("大渡 美咲")
    if not 1 <= len(words) <= 5 or len(name) > 60 or not any(w[0].isupper() or _caseless(w[0]) for w in words):
        return False
    if re.search(r"[a-z]\.[a-z]", name) or "_" in name:  # handles such as "jane.doe"
        return False
    if _OUTLET_SURNAMES.search(name) and _is_outlet_name(name):
        return False
    return not _NOT_PEOPLE.search(name)


def strip_site(title: str, site_names: list[str]) -> str:
    """`title` without a leading or trailing segment that names the site (or its host)."""
    sites = {c for c in (_compact(s) for s in site_names) if len(c) >= 3}
    if not sites:
        return title

    def is_site(segment: str) -> bool:
        c = _compact(segment)
        return bool(c) and len(segment.split()) <= 6 and any(c == s or (len(c) >= 4 and (c in s or s in c)) for s in sites)

    changed = True
    while changed:
        changed = False
        for sep in TITLE_SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head.strip() and is_site(tail):
                title, changed = head.strip(), True
                break
            head, found, tail = title.partition(sep)
            if found and tail.strip() and is_site(head):
                title, changed = tail.strip(), True
                break
    # a host name needs no separator ("example.com Vibe Coding"): it cannot be a headline word
    hosts = {n.casefold().removeprefix("www.") for n in site_names if "." in n and " " not in n}
    words = title.split()
    if len(words) >= 3 and words[0].casefold().removeprefix("www.") in hosts:
        title = " ".join(words[1:])
    elif len(words) >= 3 and words[-1].casefold().removeprefix("www.") in hosts:
        title = " ".join(words[:-1])
    return title


def _title_variants(title: str) -> list[str]:
    """A title and its forms with trailing/leading segments cut at separators."""
    out = [title]
    for sep in TITLE_SEPARATORS:
        if sep in title:
            parts = title.split(sep)
            for i in range(1, len(parts)):
                out.append(sep.join(parts[:i]).strip())
                out.append(sep.join(parts[i:]).strip())
    return [o for o in out if o]


def _shown(text: str, day: str) -> bool:
    """Whether the page's visible `text` states the date `day` (YYYY-MM-DD) in a common form:
    numeric (day or month first, ISO) or with the month's name, full or abbreviated, with or
    without a dot, zero-padded day or ordinal suffix ("Dec. 09, 2025", "9th December 2025")."""
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
    month = d.strftime("%B").casefold()
    mon = rf"(?:{month}|{month[:3]}{'t' if month.startswith('sep') else ''}?\.?)"
    num = rf"0?{d.day}(?:st|nd|rd|th)?"
    named = re.compile(rf"\b(?:{mon}\s+{num},?\s+{year}|{num}\.?\s+{mon},?\s+{year})\b", re.I)
    return named.search(text) is not None


_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
#: A date as bylines print it: "March 9, 2026", "Dec 18 2025", "12 November 2025", "2025-12-19".
#: Hand-written: htmldate reads the whole page, not the line under the headline, and
#: dateparser's `search_dates` costs milliseconds per call and finds "dates" in ordinary words.
_SHOWN_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+{_MONTH.replace('mon', 'mon2')},?\s+(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))\b",
    re.I,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: How far after the headline (characters of visible text) a byline date is looked for.
BYLINE_WINDOW = 350
#: How far before the headline a byline date may end when none follows the headline.
BYLINE_BEFORE = 40


_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]", smart_strings=False
)


def _visible_text(tree: HtmlElement) -> str:
    """The body's visible text, text nodes joined by spaces (text_content glues elements)."""
    return " ".join(" ".join(_VISIBLE_TEXT(tree)).split())


def _date_match(m: re.Match[str]) -> str | None:
    if m["y3"]:
        y, mo, d = int(m["y3"]), int(m["m3"]), int(m["d3"])
    else:
        mon = (m["mon"] or m["mon2"]).casefold()[:3]
        y, mo, d = int(m["y1"] or m["y2"]), _MONTHS.index(mon) + 1, int(m["d1"] or m["d2"])
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


#: Words that introduce a printed date as an update, not the publication.
_UPDATED_CUE = re.compile(r"\b(?:updated|modified|reviewed|revised)\b\s*(?:on|at)?\s*[:\-\u2013|]?\s*$", re.I)


#: Elements that break a heading's text into separate words (text_content() glues them).
_BREAKING_TAGS = frozenset({"br", "div", "p", "li", "small", "sup", "sub"})


def heading_text(el: HtmlElement) -> str | None:
    """A heading's text with a space where a line break or block element separates words
    ("WEEKEND<br>CODING" is two words), whitespace folded."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        gap = " " if node is not el and node.tag in _BREAKING_TAGS else ""
        parts.extend((gap, node.text or ""))
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            parts.append(child.tail or "")  # a comment's tail is text too
        parts.append(gap)

    walk(el)
    return clean("".join(parts))


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD_RUN.findall(fold_text(text).casefold()) if len(w) >= 4}


def _word_list(text: str) -> list[str]:
    return [str(w) for w in _WORD_RUN.findall(fold_text(text).casefold())]


def agreement(a: str, b: str) -> float:
    """How far two titles say the same thing (0-100): rapidfuzz's token-set ratio over folded
    words, so that one title containing the other ("Headline" in "Headline: a subtitle")
    agrees fully and a reworded one partly."""
    return float(fuzz.token_set_ratio(" ".join(_word_list(a)), " ".join(_word_list(b))))


def site_names(sitename: str | None, url: str) -> list[str]:
    """Names that may stand for the site in titles and headings: the declared site name, the
    registered domain's label ("cornell" for gardening.cals.cornell.edu, via courlan, which
    knows the public suffixes) and the host."""
    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        domain = (extract_domain(url) or host) if host else ""
    except ValueError:  # an unparsable URL ("http://[::1/x") names no site
        host = domain = ""
    return [n for n in dict.fromkeys((sitename, domain.split(".")[0] if domain else None, host or None)) if n]


#: A heading's extra words that are not part of the headline: a date, a byline ("Posted on ...",
#: "by ..."), a domain name, or (before the headline) a short label ending in a colon ("Blog:").
#: A month name, abbreviated or not ("Sept.", "March"), without a group.
MONTH_NAME = _MONTH.replace("?P<mon>", "?:")
_HEADING_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|{MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{MONTH_NAME}\s+\d{{4}})\b",
    re.I,
)
_HEADING_EXTRA = re.compile(
    r"^\W*(?:posted|published|updated|by)\b|\b[a-z0-9-]+\.(?:com|org|net|io|co|uk|de|edu|gov|news)\b", re.I
)
_HEADING_LABEL = re.compile(r"^\W*[\w.]+(?:\s[\w.]+)?\s?:\s*$")


def trim_heading(heading: str, declared: list[str]) -> str:
    """The declared title that `heading` contains when the heading's extra words around it are
    a kicker or byline, not headline ("Blog: X", "Dec 18 2025 X", "X Posted on July 1, 2024
    by Y", "X (example.com) 87"); else the heading unchanged."""
    tokens = heading.split()
    token_words = [_word_list(t) for t in tokens]
    owner = [i for i, ws in enumerate(token_words) for _ in ws]  # word index -> token index
    flat = [w for ws in token_words for w in ws]
    for title in declared:
        want = _word_list(title)
        if len(want) < 3 or len(want) >= len(flat):
            continue
        start = next((i for i in range(len(flat) - len(want) + 1) if flat[i: i + len(want)] == want), None)
        if start is None:
            continue
        before = " ".join(tokens[: owner[start]])
        after = " ".join(tokens[owner[start + len(want) - 1] + 1:])
        if not (before or after):
            continue
        junk_before = not before or bool(_HEADING_DATE.search(before) or _HEADING_EXTRA.search(before) or _HEADING_LABEL.match(before))
        junk_after = not after or bool(_HEADING_DATE.search(after) or _HEADING_EXTRA.search(after))
        if junk_before and junk_after:
            return title
    return heading


#: A visible <h1> is taken when it agrees this much (see `agreement`) with one of the titles the
#: page declares; below it, the <h1> is a section heading, a slogan or navigation.
H1_AGREEMENT = 60
#: An <h1> with fewer words than this share of the declared title it agrees with is a fragment
#: of it (a section heading, a name the headline mentions: "Hooli" under "How we broke into
#: Acme, Globex, Hooli and hundreds of companies through one bug"), not the headline.
H1_MIN_COVER = 1 / 4


def damaged_heading(h1: str, title: str) -> bool:
    """Whether `h1` is `title` with its text damaged in the markup: inline children glued
    without a space ("AlternativesTop" where the title has "Alternatives: Top"), or apostrophes
    lost to "?" ("Beginner? Guide" for "Beginner's Guide")."""
    words, h1_words = _word_list(title), _word_list(h1)
    if words == h1_words:
        return False
    glued = {a + b for a, b in pairwise(words)} - set(words)
    if any(w in glued for w in h1_words):
        return True
    if "?" not in h1.rstrip("? "):
        return False
    # each "?" inside the heading stands for up to three lost characters
    parts = " ".join(h1.casefold().split()).split("?")
    return _matches_with_gaps(parts, " ".join(title.casefold().split()), 3)


def _matches_with_gaps(parts: list[str], text: str, gap: int) -> bool:
    """Whether `text` is `parts` in order with 0 to `gap` characters between each two and nothing
    before or after them: what the regex `part0.{0,gap}part1...` fullmatches, but in linear time
    (by hand, as the positions reachable after each part: the regex backtracks exponentially in
    the number of parts, and a heading of a hundred '?' held the normaliser for minutes)."""
    if not text.startswith(parts[0]):
        return False
    ends = {len(parts[0])}
    for part in parts[1:]:
        ends = {
            start + len(part)
            for end in ends
            for start in range(end, min(end + gap, len(text)) + 1)
            if text.startswith(part, start)
        }
        if not ends:
            return False
    return len(text) in ends


def _choose_title(
    h1s: list[str],
    metas: list[tuple[Provenance, str]],
    names: list[str],
    sections: set[str] | None = None,
    news_headline: str | None = None,
) -> tuple[str | None, Provenance]:
    """The headline: the first visible <h1> that agrees with a title the page declares (og:title,
    JSON-LD headline, twitter:title, <title>; site name stripped), or a later one that agrees
    fully when the first agrees only in part; not a heading that is the site's name (a logo: the
    name, part of it, or at most three words containing it), a segment of the declared titles, a
    label ending in a colon, a fragment of the declared title (under a quarter of its words) or
    damaged text of it (or set in capitals: the declared form is taken then). A kicker or byline
    glued to the <h1> is trimmed, and a kicker set before it with a dash when a declared title
    gives the headline without it. The <h1> yields to `news_headline` (a news article's declared
    headline that its og:title confirms, see `confirmed_news_headline`) when it says the same
    story otherwise. Else the first declared title, site name and a trailing section name
    (`sections`, see `section_names`) stripped."""
    sections = sections or set()
    sites = {c for c in (_compact(s) for s in names) if len(c) >= 4}
    tails = {
        _compact(v) for _, t in metas for sep in TITLE_SEPARATORS if sep in t for v in t.split(sep)[1:]
    }
    declared = [d for d in (strip_site(t, names) for _, t in metas) if d]
    declared_keys = {_compact(d) for d in declared}
    meta_words = set().union(*(_content_words(t) for _, t in metas)) if metas else set()
    best: tuple[float, str] | None = None
    repaired: tuple[float, str] | None = None  # the declared title a damaged <h1> stands for
    for h1 in h1s:
        c = _compact(h1)
        # a segment after a separator in a declared title names a section, or is the headline
        # after a kicker ("Kicker | Headline"): the latter only when another title says it alone
        if not c or (c in tails and c not in declared_keys) or any(c == s or c in s for s in sites):
            continue
        if any(s in c for s in sites) and len(h1.split()) <= 3:  # "Acme Blog": the site's logo
            continue
        if h1.rstrip().endswith(":"):  # "Jane Doe's Folding and Cutting:" labels what follows
            continue
        if not metas:
            best = (100.0, h1)
            break
        if not _content_words(h1) & meta_words:
            continue
        n_words = len(_word_list(h1))
        agreeing = [
            (a, d) for d in declared
            if (a := agreement(h1, d)) >= H1_AGREEMENT and n_words >= H1_MIN_COVER * len(_word_list(d))
        ]
        if not agreeing:
            continue
        if any(damaged_heading(h1, d) for _, d in agreeing):
            if repaired is None:
                repaired = max(agreeing)
            continue
        # an all-capitals <h1> is the headline set in capitals by the markup (a style written
        # into the text): the declared title it agrees with is the headline as written
        cased = [(a, d) for a, d in agreeing if not all_capitals(d)]
        if all_capitals(h1) and cased:
            if repaired is None:
                repaired = max(cased)
            continue
        agrees = max(a for a, _ in agreeing)
        if best is None or (agrees == 100 and best[0] < 100):
            best = (agrees, h1)
    if best is not None:
        h1 = best[1]
        # a pipe in a visible headline separates a kicker or tagline ("Headline | Top 19 Picks")
        head = h1.split(" | ")[0].strip()
        title = drop_kicker(trim_heading(head if len(head.split()) >= 3 else h1, declared), declared)
        if news_headline is not None:
            confirmed = strip_section(strip_site(news_headline, names), sections)
            if _word_list(confirmed) != _word_list(title) and agreement(confirmed, title) >= H1_AGREEMENT:
                return confirmed, "json-ld"
        return title, "html"
    if repaired is not None:
        return repaired[1], next((p for p, t in metas if strip_site(t, names) == repaired[1]), metas[0][0])
    if metas:
        prov, first = metas[0]
        return strip_section(strip_site(first, names), sections), prov
    return None, "html"


def confirmed_news_headline(
    article: dict[str, Any], og_title: str | None, names: list[str], sections: set[str]
) -> str | None:
    """A news article's declared headline (JSON-LD `headline` of a `NewsArticle`) when its
    og:title says the same words (site and section names stripped from both): two declarations
    of the headline for other systems agreeing, which a differing <h1> (a display variant of the
    headline) yields to; else None."""
    if not og_title or not any("NewsArticle" in t for t in _types(article)):
        return None
    headline = clean(article.get("headline"))
    if headline is None:
        return None
    key = _word_list(strip_section(strip_site(headline, names), sections))
    return headline if key and key == _word_list(strip_section(strip_site(og_title, names), sections)) else None


def all_capitals(text: str) -> bool:
    """Whether a text's cased letters (at least four) are all capitals ("TIPS FOR ONLINE
    SUCCESS"); text in a script without case is not."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 4 and all(c.isupper() for c in cased)


#: Dashes that set a kicker (a topic line, German "Dachzeile") before a headline in an <h1>.
_KICKER_SEPARATORS = (" - ", " – ", " — ")
#: The most words a kicker before a headline has ("Minderheit in Syrien - ...").
KICKER_MAX_WORDS = 6


def drop_kicker(heading: str, declared: list[str]) -> str:
    """The headline of a heading that sets a kicker before it with a dash ("Topic - Headline")
    when a declared title gives the headline without that kicker: alone ("Headline"), or behind
    a kicker of its own ("Other topic: Headline"). A declared title that has the whole heading
    keeps it (the dash is then the headline's own)."""
    words = _word_list(heading)
    keys = [_word_list(d) for d in declared]
    if not keys or any(k == words for k in keys):
        return heading
    for sep in _KICKER_SEPARATORS:
        kicker, found, rest = heading.partition(sep)
        head, tail = _word_list(kicker), _word_list(rest)
        if not found or len(tail) < 3 or not 1 <= len(head) <= KICKER_MAX_WORDS:
            continue
        for key in keys:
            if key == tail:
                return rest.strip()
            # the declared title's own kicker, another one than the heading's (not its end: then
            # the heading only has a longer kicker, "Before: Kicker - Headline")
            own = key[: len(key) - len(tail)]
            if own and key[len(own):] == tail and own[-1] != head[-1]:
                return rest.strip()
    return heading


def section_names(url: str, section: str | None) -> set[str]:
    """The compacted names of the page's section: its URL path's directories ("district" of
    /district/343604; not the last segment, the page's own slug, which may spell the headline)
    and the declared section (article:section, JSON-LD articleSection)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    names = {_compact(s) for s in path.split("/")[:-1]}
    if section:
        names.add(_compact(section))
    return {n for n in names if n and not n.isdigit()}


def strip_section(title: str, sections: set[str]) -> str:
    """`title` without a trailing segment of at most three words that names the page's section
    ("Headline | District" on /district/343604), as a site's name is stripped; the headline
    keeps at least three words."""
    for sep in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and len(tail.split()) <= 3 and _compact(tail) in sections and len(head.split()) >= 3:
            return head.strip()
    return title


#: Words that introduce the publication date in a byline ("Published on", "Posted:").
_PUBLISHED_CUE = re.compile(
    r"\b(?:originally published|first published|date published|publish(?:ed)? date|published|posted)\b"
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


# -- bylines in the page's markup -------------------------------------------------------------------

#: Elements that mark a byline: rel=author, itemprop=author, a class naming the byline or author;
#: never the names of people who left comments.
_BYLINE_MARKUP = etree.XPath(
    '//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or '
    'contains(@class, "author")][not(self::meta or self::script or self::style or self::body)]'
    '[not(ancestor-or-self::*[contains(@class, "comment") or contains(@id, "comment")])]'
)
_NAME_PROP = etree.XPath('.//*[@itemprop="name"]')
#: Links to an author's page ("/author/jane-doe", "/authors/", "/autoren/", "/auteur/").
_AUTHOR_LINKS = etree.XPath(
    '//a[contains(@href, "/author/") or contains(@href, "/authors/") or contains(@href, "/autor/") or '
    'contains(@href, "/autoren/") or contains(@href, "/auteur/") or contains(@href, "/autore/")]'
    '[not(ancestor::*[contains(@class, "comment") or contains(@id, "comment")])]'
)
#: A short text that opens with a byline cue ("By", "Written by", "Posted by", "Article by") or
#: is an "Author" label.
_CUE = re.compile(
    r"\s*(?:(?:written|posted|article)\s+)?by(?:\s|:|$)|\s*author\s*:?\s*$"
    # Chinese and Japanese credit labels: "(责编：A、B)", "作者：", "记者：", "文：", "記者："
    r"|\s*[（(]?(?:责编|责任编辑|作者|记者|文|記者|筆者)\s*[：:]",
    re.I,
)
_CJK_CREDIT = re.compile(r"^\s*[（(]?(?:责编|责任编辑|作者|记者|文|記者|筆者)\s*[：:]\s*(.*?)[）)]?\s*$")
_IN_COMMENTS = etree.XPath('ancestor-or-self::*[contains(@class, "comment") or contains(@id, "comment")]')


def _cue_texts(tree: HtmlElement) -> Iterator[tuple[HtmlElement, bool, str]]:
    """Short texts of the page that open with a byline cue, in document order, outside scripts
    and comments: the element that holds each, whether it is that element's tail, the text.
    (A loop over the elements: an XPath that folds case for every text node costs 3x more.)"""
    body = tree.find("body")
    match = _CUE.match
    for el in (body if body is not None else tree).iter(etree.Element):
        text = el.text
        short = text and len(text) < 200 and len(text.strip()) < 90
        if short and el.tag not in ("script", "style") and match(text) and not _IN_COMMENTS(el):
            yield el, False, text
        text = el.tail
        if text and len(text) < 200 and match(text) and len(text.strip()) < 90:
            holder = el.getparent()
            if holder is None or not _IN_COMMENTS(holder):
                yield el, True, text


#: The text after an element's own text, and after its tail (which is the first following text).
_TEXT_AFTER_TEXT = etree.XPath("(.//*/text() | following::text())[normalize-space()][1]")
_TEXT_AFTER_TAIL = etree.XPath("following::text()[normalize-space()][2]")
#: Where a byline's names end: a separator before the date or reading time, "on <date>", a date,
#: a number ("0 comments", "4 mins read").
_BYLINE_END = re.compile(
    rf"\s+(?:[·•|—–]|-\s)|\s+on\s+(?=\d|{_MONTH.replace('?P<mon>', '?:')}|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)"
    rf"|,?\s*\b{_MONTH.replace('?P<mon>', '?:')}\s+\d|\d"
    r"|(?:^|\s+)(?:at|(?:last\s+)?(?:updated|published|modified|posted)|ver[öo]ffentlicht|aktualisiert|publi[ée]|"
    r"mis\s+[àa]\s+jour|publicado|actualizado|pubblicato|aggiornato|publisert|oppdatert|publicerad|uppdaterad)\b"
    r"|\s*\.?\s+(?:(?:medically\s+)?reviewed|edited|fact[- ]?checked)\s+by\b",
    re.I,
)
#: "Published August 7, 2023 by Nicole Burke": the names follow a "by" after a date.
#: "This post was written by Jane Doe": so do they after "written by" inside a sentence.
_LATE_BY = re.compile(r"^(?:[^A-Za-z]*\S.*?\d.*?\bby|.*?\b(?:written|posted|authored)\s+by)\b\s*:?\s*", re.I)
#: Groups that sign as such ("Podium Staff", "The Meetingnotes Team", "The Currency editors").
_GROUP_CREDIT = re.compile(r"\b(?:team|staff|editors)$|^team\s", re.I)


#: A first and last name (a middle initial allowed) at the start of a byline's text.
_NAME_BEFORE_TITLE = regex.compile(r"\p{Lu}[\p{Ll}'’-]+(?:\s\p{Lu}\.)?\s\p{Lu}[\p{Ll}'’-]+(?:-\p{Lu}[\p{Ll}'’-]+)?(?=\s)")


def _is_title_tail(rest: str) -> bool:
    """Whether the words after a name are a job title (1-4 capitalised words ending in a role:
    "Tech Reporter", "Content Marketing Coordinator"); a group's name ("The X Team") is none."""
    words = rest.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and bool(
        _JOB.fullmatch(words[-1]) or words[-1].casefold() in ("reporter", "correspondent", "editor")
    )


def _byline_names(text: str) -> tuple[list[str], str | None]:
    """People's names in a byline's text, and the credit it gives when it names a group."""
    text = " ".join(text.split())
    if cjk := _CJK_CREDIT.match(text):
        text = cjk[1]
    text = _LATE_BY.sub("", text)
    text = _BYLINE_PREFIX.sub("", text)
    end = _BYLINE_END.search(text)
    text = (text[: end.start()] if end else text).rstrip(" .")
    # a name opens with a capital (or a letter of a script without case): not "clicking Subscribe"
    names = [n for n in split_author_names(text) if n[:1].isupper() or _caseless(n[:1])]
    if not names and (lead := _NAME_BEFORE_TITLE.match(text)) and _is_title_tail(text[lead.end():]):
        # a name with the job title run on after it ("Harry Roe Tech Reporter")
        names = split_author_names(lead[0])
    credit = clean(text.strip(" ,;:-"))
    group = credit if credit and not names and _GROUP_CREDIT.search(credit) and len(credit.split()) <= 4 else None
    return names, group


class _Byline:
    """Names read from byline texts, and the first group credit seen among them."""

    def __init__(self) -> None:
        self.group: str | None = None

    def read(self, text: str) -> list[str]:
        names, credit = _byline_names(text)
        if credit and self.group is None:
            self.group = credit
        return names


def byline_authors(tree: HtmlElement, *, weak: bool = False) -> tuple[list[str], str | None]:
    """The article's authors from the page's visible byline, when no structured data names them:
    byline markup (an itemprop=name inside it first; each of its parts when the whole does not
    read as names); with `weak`, links to author pages, else a short text that opens with "By"
    or "Written by" (or a lone "By" / "Author" label and the text after it). Also the group
    credit the byline gives when it names no person ("The Upwork Team")."""
    byline = _Byline()
    read = byline.read
    if weak:
        return _linked_or_cued(tree, byline), byline.group

    for el in _BYLINE_MARKUP(tree)[:6]:
        props = _NAME_PROP(el)
        texts = [" ".join(p.itertext()) for p in props] if props else [" ".join(el.itertext())]
        found: list[str] = []
        for text in texts:
            if 2 < len(" ".join(text.split())) <= 120:
                found += [n for n in read(text) if n not in found]
        whole = " ".join(" ".join(el.itertext()).split())
        while len(el) == 1 and not (el.text or "").strip():  # wrappers around the names
            el = el[0]
        if not found and not props and len(el) > 1 and len(whole) <= 80:
            # names in separate children without separators ("<span>A B</span><span>C D</span>"):
            # only when every child reads as names (or is the job title under a name)
            parts = [t for t in (" ".join(" ".join(c.itertext()).split()) for c in el[:6]) if t and not _is_job_title(t)]
            named = [read(t) for t in parts]
            if parts and all(named):
                found = list(dict.fromkeys(n for names in named for n in names))
        if found:
            return found, None
    return [], byline.group


def _linked_names(tree: HtmlElement, byline: _Byline) -> list[str]:
    """Names in the first links to author pages: the first link's and those of links beside it
    (in the same element or in its siblings: a byline's list of authors)."""
    links = [a for a in _AUTHOR_LINKS(tree)[:8] if a.text_content().strip()][:6]  # not an avatar's
    found: list[str] = []
    if links:
        first = links[0].getparent()
        for link in links:
            if link.getparent() is first or (first is not None and link.getparent() in first.itersiblings()):
                text = " ".join(" ".join(link.itertext()).split())
                if len(text) <= 60:
                    found += [n for n in byline.read(text) if n not in found]
    return found


def _linked_or_cued(tree: HtmlElement, byline: _Byline) -> list[str]:
    """Names in links to author pages, else in a short text that opens with a byline cue."""
    read = byline.read
    if found := _linked_names(tree, byline):
        return found
    for _, (el, tail, text) in zip(range(6), _cue_texts(tree)):
        if _BYLINE_PREFIX.sub("", text.strip()).strip(" :").casefold() in ("", "author"):
            following = (_TEXT_AFTER_TAIL if tail else _TEXT_AFTER_TEXT)(el)
            text = str(following[0]) if following else ""
        if found := read(text):
            return found
    return []


# -- the whole page --------------------------------------------------------------------------------


def read_authors(
    article: dict[str, Any], meta: dict[str, str], tree: HtmlElement, sites: list[str], by_id: dict[str, dict[str, Any]]
) -> tuple[list[str], Provenance]:
    """The article's authors: the people named by structured data, else by author meta tags, else
    by byline markup, less the outlet's own name; else the credit the page declares (an agency,
    a desk, the outlet itself), as its byline would read."""
    structured = _names(article.get("author"), people_only=True, by_id=by_id)
    authors = [n for raw in structured for n in split_author_names(raw)]
    prov: Provenance = "json-ld"
    if not authors:
        for key in _AUTHOR_META:
            if key in meta:
                authors, prov = split_author_names(meta[key]), "meta"
                if authors:
                    break
    group: str | None = None
    if not authors:
        authors, group = byline_authors(tree)
        prov = "heuristic"
    # the outlet's own name is no person; compared in any script (an empty key matches nothing)
    site_c = {_compact(s) for s in sites} - {""}
    authors = [a for a in authors if _compact(a) not in site_c]
    if authors:
        return authors, prov
    declared_in_ld = bool(_names(article.get("author"), people_only=False, by_id=by_id))
    declared = declared_credits(article.get("author"), meta, by_id)
    if declared:
        return declared, "json-ld" if declared_in_ld else "meta"
    # no credit declared at all: links to author pages, a "By ..." line, a group's credit
    authors, weak_group = byline_authors(tree, weak=True)
    # nor is a credit that holds every word of the outlet's name ("By Ovolo Collective Hotels"
    # on "Ovolo Hotels"); only names of two words or more count, a one-word name may be a person's
    site_words = [set(_word_list(s)) for s in sites if len(_word_list(s)) >= 2]
    authors = [
        a for a in authors
        if _compact(a) not in site_c and not any(w <= set(_word_list(a)) for w in site_words)
    ]
    if authors:
        return authors, "heuristic"
    group = group or weak_group
    return ([group], "heuristic") if group else ([], "meta")


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
        for node in tree.xpath('//*[@itemprop="datePublished"]/@datetime | //time[@datetime]/@datetime')[:3]:
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
    # the date printed under the headline is what the page says to its readers: it wins over a
    # declared publication date the page never shows (a template's), unless it is the declared
    # modification date ("Updated ..." under the headline is not when the article came out)
    shown = byline_date(page_text, f.h1) if stated is None else None
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
    if published is None or (stated is None and not from_byline and not _shown(page_text, published[1])):
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
