"""Feed parsing: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, RDF (feedparser) and JSON Feed 1.x (by hand:
feedparser does not read it), with the channel-level hints the scheduler and WebSub need.

Pure: bytes in, `ParsedFeed` out; never raises for a bad document. Safety: the body is capped
by size before parsing; feedparser's strict parser is expat with external entities off (no XXE)
and expat's own amplification limits (billion laughs); a DOCTYPE that declares entities is
refused before parsing anyway, since no real feed needs one.

Feeds as the world serves them: a document that is not well-formed is read the way feedparser
reads it (its loose parser takes over where expat gives up) and its items are kept; what had to
be forgiven is reported as warning classes (`FeedWarningClass`). Only a document from which
nothing can be recovered is refused. `compare_with_feedparser` measures that promise against
plain `feedparser.parse` on a corpus (`newswire.poller.compare`); the repairs and the naming of
faults live in `newswire.poller.recovery`.
"""

from __future__ import annotations

import calendar
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urljoin, urlsplit

import feedparser
import orjson
from feedparser.encodings import convert_to_utf8

from newswire.contracts.feeds import FeedErrorClass, FeedWarningClass
from newswire.net.sniff import contains_html_page, is_bot_challenge
from newswire.poller.incremental import ItemMemo, read_with_memo
from newswire.poller.recovery import (
    cut_short,
    encoding_override,
    faults_in,
    feedparser_text,
    first_error,
    repair,
)

SUMMARY_MAX_CHARS = 2000
#: Default cap on the size of a document handed to the parser (the adapter caps downloads too).
MAX_PARSE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ParsedItem:
    """One feed entry, as far as the poller cares."""

    guid: str | None
    link: str | None
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    summary: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class FeedHints:
    """What a feed document says about itself: how often to poll it and where its hub is."""

    ttl_s: float | None = None
    """RSS `<ttl>` (minutes in the document, seconds here)."""
    update_period_s: float | None = None
    """`sy:updatePeriod` / `sy:updateFrequency`: the publisher's own update cadence."""
    hub: str | None = None
    """WebSub hub URL (`<link rel="hub">`, JSON Feed `hubs`)."""
    self_url: str | None = None
    """The feed's canonical URL (`<link rel="self">`, JSON Feed `feed_url`): the WebSub topic."""


@dataclass(frozen=True)
class SitemapRef:
    """A child sitemap listed by a sitemap index: its URL and `<lastmod>`."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed (or sitemap) document: its items, or why there are none."""

    items: tuple[ParsedItem, ...] = ()
    version: str = ""
    error_class: FeedErrorClass | None = None
    error_message: str | None = None
    title: str | None = None
    hints: FeedHints = FeedHints()
    warnings: tuple[FeedWarningClass, ...] = ()
    """What was forgiven to read the document (in `WARNING_CLASSES` order); () if it was clean."""
    warning_detail: str | None = None
    """The parser's own words on it (the first XML error, what was stripped or dropped)."""
    children: tuple[SitemapRef, ...] = ()
    """Of a sitemap index: the child sitemaps it lists (their URLs become items only once read)."""
    fingerprint: str | None = None
    """A sitemap's own content hash (its entries as listed, in order), used instead of the item
    fingerprint: the items of an index come from children fetched (or skipped) per poll."""

    @property
    def is_sitemap(self) -> bool:
        return self.version.startswith("sitemap")

    @property
    def ok(self) -> bool:
        return self.error_class is None


#: The warning vocabulary, in the order warnings are listed.
WARNING_CLASSES: tuple[FeedWarningClass, ...] = get_args(FeedWarningClass)


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (tags dropped, entities decoded, spaces collapsed)."""
    if not fragment:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()
    return text or None


def http_url(url: Any, base_url: str) -> str | None:
    """`url` made absolute against `base_url`, if it is a usable http(s) URL."""
    if not url or not isinstance(url, str):
        return None
    try:
        absolute = urljoin(base_url, url.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _when(entry: Mapping[str, Any], key: str) -> datetime | None:
    parsed = entry.get(f"{key}_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _authors(entry: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for author in entry.get("authors") or ():
        name = _text(author.get("name")) if isinstance(author, Mapping) else None
        if name and name not in names:
            names.append(name)
    if not names:
        single = _text(entry.get("author"))
        if single:
            names.append(single)
    return tuple(names)


def _categories(entry: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in entry.get("tags") or ():
        term = _text(tag.get("term")) if isinstance(tag, Mapping) else None
        if term and term not in out:
            out.append(term)
    return tuple(out)


def _image(entry: Mapping[str, Any], base_url: str) -> str | None:
    for media in list(entry.get("media_content") or ()) + list(entry.get("media_thumbnail") or ()):
        if isinstance(media, Mapping):
            medium = str(media.get("medium") or media.get("type") or "image")
            if medium.startswith("image"):
                url = http_url(media.get("url"), base_url)
                if url:
                    return url
    for link in entry.get("links") or ():
        if isinstance(link, Mapping) and link.get("rel") == "enclosure":
            if str(link.get("type") or "").startswith("image/"):
                url = http_url(link.get("href"), base_url)
                if url:
                    return url
    return None


# -- what a body is -----------------------------------------------------------------------------

# HTML pages and bot-challenge interstitials are told by `newswire.net.sniff`
# (`contains_html_page`, `is_bot_challenge`), shared with the fetcher.


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Where the prolog ends: the first element (feedparser splits the document the same way).
_FIRST_ELEMENT = re.compile(rb"<\w")


def _prolog_declares_entities(body: bytes, content_type: str | None) -> bool:
    """True if the prolog declares entities, read as the XML parser will read it: converted to
    UTF-8 from the document's own encoding (UTF-16/32, EBCDIC, ... where a byte search for
    `<!ENTITY` sees nothing) and however long the prolog is (comments or whitespace can push a
    DOCTYPE past any fixed prefix)."""
    headers = {"content-type": content_type} if content_type else {}
    try:
        data = convert_to_utf8(headers, body, {})
    except Exception:  # feedparser's own conversion failing: the parse will report it
        return False
    start = _FIRST_ELEMENT.search(data)
    return _ENTITY_DECL.search(data[: start.start()] if start else data) is not None


def _not_well_formed(parsed: Mapping[str, Any]) -> bool:
    """True if feedparser's complaint is about the XML itself (not, say, a missing or
    mismatched Content-Type, which it also reports as 'bozo')."""
    problem = parsed.get("bozo_exception")
    return problem is not None and not isinstance(
        problem,
        (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride),
    )


# -- hints --------------------------------------------------------------------------------------

_SY_PERIOD_S = {"hourly": 3600.0, "daily": 86400.0, "weekly": 7 * 86400.0,
                "monthly": 30 * 86400.0, "yearly": 365 * 86400.0}


def _positive(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _xml_hints(feed: Mapping[str, Any], base_url: str) -> FeedHints:
    ttl = _positive(feed.get("ttl"))
    period = _SY_PERIOD_S.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    update_period = None
    if period is not None:
        frequency = _positive(feed.get("sy_updatefrequency")) or 1.0
        update_period = period / frequency
    hub = self_url = None
    for link in feed.get("links") or ():
        if not isinstance(link, Mapping):
            continue
        rel = str(link.get("rel") or "")
        if rel == "hub" and hub is None:
            hub = http_url(link.get("href"), base_url)
        elif rel == "self" and self_url is None:
            self_url = http_url(link.get("href"), base_url)
    return FeedHints(ttl * 60.0 if ttl else None, update_period, hub, self_url)


# -- XML feeds ----------------------------------------------------------------------------------


def entry_link(entry: Mapping[str, Any], base_url: str) -> str | None:
    """An entry's article URL: its link, else its GUID when that is an http(s) URL."""
    link = http_url(entry.get("link"), base_url)
    guid = _text(entry.get("id"))
    if link is None and guid is not None and guid.startswith(("http://", "https://")):
        link = http_url(guid, base_url)
    return link


def _parse_xml(
    body: bytes,
    base_url: str,
    content_type: str | None,
    repairs: Sequence[FeedWarningClass] = (),
    notes: Sequence[str] = (),
) -> ParsedFeed:
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    try:
        # A stream, never bytes: given bytes, feedparser first tries them as a file name (a body
        # of "/etc/passwd" would be read from disk). Sanitising and relative-URI rewriting of
        # content HTML cost CPU for fields the poller turns into plain text anyway; item links
        # are still resolved below.
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # feedparser is lenient, but never let a document crash a poll
        return ParsedFeed(error_class="malformed", error_message=f"{type(exc).__name__}: {exc}")
    entries = list(parsed.get("entries") or [])
    version = str(parsed.get("version") or "")
    problem = parsed.get("bozo_exception")
    broken = bool(parsed.get("bozo")) and _not_well_formed(parsed)
    if not entries and not version:
        detail = f"{type(problem).__name__}: {problem}" if problem else "no feed found"
        if contains_html_page(body):
            return ParsedFeed(error_class="not_a_feed", error_message=detail[:500])
        if broken:
            return ParsedFeed(error_class="malformed", error_message=detail[:500])
        return ParsedFeed(error_class="not_a_feed", error_message=detail[:500])
    warnings: set[FeedWarningClass] = set(repairs)
    detail_notes = list(notes)
    text, conversion = "", problem
    if broken:  # the strict parser's complaint replaced the conversion's: run that again
        text, conversion = feedparser_text(body, headers)
    override = encoding_override(conversion, str(parsed.get("encoding") or ""), body)
    if override is not None:
        warnings.add("encoding_mismatch")
        detail_notes.append(override)
    if broken:
        first = first_error(problem, text)
        faults = faults_in(text) | ({first} if first else set())
        inside_item, unterminated = cut_short(text)
        if inside_item or unterminated:
            faults.add("truncated")
        warnings |= faults or {"not_well_formed"}
        detail_notes.append(f"{type(problem).__name__}: {problem}")
        if inside_item and entries:
            # The item the cut falls in is dropped, whatever it still has. A link or GUID cut in
            # half is never there (feedparser records text at its end tag), but its GUID or date
            # may lie after the cut (a different identity later: a second fetch request) and its
            # summary is cut. Nothing is lost for good: items move down a feed, so each one is
            # whole near the top before a cut reaches it; a later poll brings it whole.
            entries.pop()
            detail_notes.append("the last item is cut short: dropped")
        if unterminated and not entries:
            # No item whole before the cut: refused, as a document that merely ends too soon.
            return ParsedFeed(
                version=version,
                error_class="malformed",
                error_message=f"document truncated ({type(problem).__name__}: {problem})"[:500],
            )
    items: list[ParsedItem] = []
    for entry in entries:
        summary = html_to_text(entry.get("summary"))
        items.append(
            ParsedItem(
                guid=_text(entry.get("id")),
                link=entry_link(entry, base_url),
                title=html_to_text(entry.get("title")),
                published=_when(entry, "published") or _when(entry, "created"),
                updated=_when(entry, "updated"),
                authors=_authors(entry),
                categories=_categories(entry),
                summary=summary[:SUMMARY_MAX_CHARS] if summary else None,
                image_url=_image(entry, base_url),
            )
        )
    feed = parsed.get("feed") or {}
    return ParsedFeed(
        items=tuple(items),
        version=version,
        title=html_to_text(feed.get("title")),
        hints=_xml_hints(feed, base_url),
        warnings=tuple(w for w in WARNING_CLASSES if w in warnings),
        warning_detail="; ".join(detail_notes)[:500] or None,
    )


# -- JSON Feed ----------------------------------------------------------------------------------


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _json_authors(obj: Mapping[str, Any]) -> tuple[str, ...]:
    raw = obj.get("authors")
    people = list(raw) if isinstance(raw, list) else []
    if isinstance(obj.get("author"), Mapping):  # JSON Feed 1.0
        people.append(obj["author"])
    names: list[str] = []
    for person in people:
        name = _text(person.get("name")) if isinstance(person, Mapping) else None
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _parse_json_feed(body: bytes, base_url: str) -> ParsedFeed:
    """JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1), which feedparser does not read."""
    try:
        doc = orjson.loads(body.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        return ParsedFeed(error_class="malformed", error_message=f"invalid JSON: {exc}"[:500])
    version = str(doc.get("version") or "") if isinstance(doc, dict) else ""
    if not isinstance(doc, dict) or "jsonfeed.org/version/" not in version:
        return ParsedFeed(error_class="not_a_feed", error_message="JSON without a JSON Feed version")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        return ParsedFeed(version="json1", error_class="malformed", error_message="no items array")
    base = http_url(doc.get("home_page_url"), base_url) or base_url
    items: list[ParsedItem] = []
    for obj in raw_items:
        if not isinstance(obj, dict):
            continue
        guid = _text(obj.get("id")) if not isinstance(obj.get("id"), int) else str(obj["id"])
        link = http_url(obj.get("url"), base) or http_url(obj.get("external_url"), base)
        summary = _text(obj.get("summary")) or html_to_text(obj.get("content_html")) or _text(
            obj.get("content_text")
        )
        tags = obj.get("tags")
        categories = tuple(t.strip() for t in tags if isinstance(t, str) and t.strip()) if isinstance(tags, list) else ()
        items.append(
            ParsedItem(
                guid=guid,
                link=link,
                title=html_to_text(obj.get("title")) if isinstance(obj.get("title"), str) else None,
                published=_iso(obj.get("date_published")),
                updated=_iso(obj.get("date_modified")),
                authors=_json_authors(obj) or _json_authors(doc),
                categories=tuple(dict.fromkeys(categories)),
                summary=summary[:SUMMARY_MAX_CHARS] if summary else None,
                image_url=http_url(obj.get("image"), base) or http_url(obj.get("banner_image"), base),
            )
        )
    hub = None
    for entry in doc.get("hubs") or ():
        if isinstance(entry, dict) and str(entry.get("type") or "").lower() == "websub":
            hub = http_url(entry.get("url"), base_url)
            break
    return ParsedFeed(
        items=tuple(items),
        version="json" + ("11" if version.rstrip("/").endswith("1.1") else "10"),
        title=_text(doc.get("title")),
        hints=FeedHints(hub=hub, self_url=http_url(doc.get("feed_url"), base_url)),
    )


# -- entry point --------------------------------------------------------------------------------


def parse_feed(
    body: bytes,
    base_url: str,
    *,
    content_type: str | None = None,
    max_bytes: int = MAX_PARSE_BYTES,
    memo: ItemMemo | None = None,
) -> ParsedFeed:
    """Parse a feed document of any supported format; never raises.

    Lenient like feedparser: whatever items can be read are kept, and `warnings` says what was
    forgiven (whitespace or a byte-order mark before the declaration, a lying declared encoding,
    undefined entities, bare ampersands, forbidden characters, mis-nested tags, a cut tail, any
    other XML error). Of a truncated document the items before the cut are kept and the one the
    cut falls in is dropped; a truncated document with no whole item is 'malformed'. An HTML page is 'not_a_feed', a bot-challenge page 'bot_challenge', an
    empty body 'not_a_feed', a body over `max_bytes` 'too_large'. Entity declarations are
    refused in any encoding and position ('malformed'); nothing is ever fetched. With `memo`, the
    items it remembers from earlier reads are not parsed again (`newswire.poller.incremental`).
    """
    if len(body) > max_bytes:
        return ParsedFeed(error_class="too_large", error_message=f"document over {max_bytes} bytes")
    if not body.strip():
        return ParsedFeed(error_class="not_a_feed", error_message="empty document")
    if is_bot_challenge(body):
        return ParsedFeed(error_class="bot_challenge", error_message="bot-challenge page instead of a feed")
    if _ENTITY_DECL.search(body[:65536]):
        return ParsedFeed(
            error_class="malformed", error_message="document declares XML entities (refused)"
        )
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, base_url)
    body, repairs, notes = repair(body)
    # judged on the body as repaired: that is what the XML parser reads
    if _prolog_declares_entities(body, content_type):
        return ParsedFeed(
            error_class="malformed", error_message="document declares XML entities (refused)"
        )
    if memo is not None and not repairs:
        doc = read_with_memo(body, base_url, content_type, memo, _parse_xml)
        if doc is not None:
            return doc
    return _parse_xml(body, base_url, content_type, repairs, notes)
