"""What every metadata reader needs from a page: text cleaning (entities, mojibake, invisible
characters), words in any script, month names, and the JSON-LD objects with their types and
names. Split from `metadata` (#19: one reason to change per module)."""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from typing import Any

import regex
from lxml.html import HtmlElement
from newswire.text import fold_text

_WS = re.compile(r"\s+")
#: Words in any script: letters with their combining marks (Devanagari vowel signs are marks,
#: which the standard library's \w leaves out, cutting "समस्तीपुर" into pieces) and digits.
_WORD_RUN = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report|NewsArticle|Posting|Review|Recipe|HowTo)$", re.I)


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


#: schema.org's Organization subtypes whose names do not end in "Organization".
_ORGANISATION_TYPES = frozenset(
    {"airline", "consortium", "corporation", "localbusiness", "ngo", "onlinebusiness", "performinggroup", "politicalparty", "workersunion"}
)


def _is_organisation_type(kind: str) -> bool:
    """Whether a JSON-LD @type is schema.org's Organization or one of its subtypes
    (NewsMediaOrganization, Corporation, ...): a credit, not a person."""
    kind = kind.casefold().removeprefix("https://schema.org/").removeprefix("http://schema.org/")
    return kind.endswith("organization") or kind in _ORGANISATION_TYPES


def _names(value: Any, *, people_only: bool, by_id: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names in a JSON-LD person/organisation value; `{"@id": ...}` references are looked up in
    `by_id` (the page's other JSON-LD objects, as in a Yoast `@graph`)."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, dict) and "name" not in v and by_id and isinstance(v.get("@id"), str):
            v = by_id.get(v["@id"], v)
        if isinstance(v, dict):
            if people_only and any(_is_organisation_type(t) for t in _types(v)):
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


_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)


#: A heading's extra words that are not part of the headline: a date, a byline ("Posted on ...",
#: "by ..."), a domain name, or (before the headline) a short label ending in a colon ("Blog:").
#: A month name, abbreviated or not ("Sept.", "March"), without a group.
MONTH_NAME = _MONTH.replace("?P<mon>", "?:")
