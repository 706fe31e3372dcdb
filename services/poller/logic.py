"""The poller's pure logic: feed parsing, item identity and dedupe, scheduling and backoff, and
building FetchRequest / FeedStatus messages from a poll's outcome.

Feed records (the values of the `feeds` table) are JSON-able dicts:
``{"config": FeedConfig as JSON, "partition": int, "etag": str|None, "last_modified": str|None,
"next_poll_at": epoch seconds, "consecutive_failures": int}``.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import feedparser

from newswire.contracts import FeedConfig, FeedItemHint, FeedStatus, FetchRequest
from newswire.contracts.feeds import FeedErrorClass
from newswire.contracts.ids import article_id, host_of, normalise_url
from newswire.net.addresses import parse_retry_after

Validator = Literal["etag", "last-modified", "both", "none"]
SUMMARY_MAX_CHARS = 2000

# -- parsing ----------------------------------------------------------------------------------


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
class ParsedFeed:
    """A parsed feed document: its items, or why there are none."""

    items: tuple[ParsedItem, ...] = ()
    version: str = ""
    error_class: FeedErrorClass | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_class is None


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (tags dropped, entities decoded, spaces collapsed)."""
    if not fragment:
        return None
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()
    return text or None


def _when(entry: Mapping[str, Any], key: str) -> datetime | None:
    parsed = entry.get(f"{key}_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _http_url(url: str | None, base_url: str) -> str | None:
    if not url or not isinstance(url, str):
        return None
    absolute = urljoin(base_url, url.strip())
    try:
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
                url = _http_url(media.get("url"), base_url)
                if url:
                    return url
    for link in entry.get("links") or ():
        if isinstance(link, Mapping) and link.get("rel") == "enclosure":
            if str(link.get("type") or "").startswith("image/"):
                url = _http_url(link.get("href"), base_url)
                if url:
                    return url
    return None


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<html" in head or b"<!doctype html" in head


_CLOSING_ROOT = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF)\s*>\s*$")


def _truncated(body: bytes) -> bool:
    """True if the document does not end with the closing tag of a feed's root element."""
    return _CLOSING_ROOT.search(body[-1024:].rstrip(b"\x00")) is None


def parse_feed(body: bytes, base_url: str) -> ParsedFeed:
    """Parse an RSS/Atom/RDF document.

    Lenient like feedparser where the document is complete but sloppy (undefined entities, bare
    ampersands): its items are kept. A document that is not well-formed *and* cut short is
    'malformed' with no items (its last item may be cut mid-link). A document with no
    recognisable feed and no entries is 'not_a_feed' (e.g. an HTML page) or 'malformed'.
    """
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    except Exception as exc:  # feedparser is lenient, but never let a document crash a poll
        return ParsedFeed(error_class="malformed", error_message=f"{type(exc).__name__}: {exc}")
    entries = parsed.get("entries") or []
    version = str(parsed.get("version") or "")
    if not entries and (parsed.get("bozo") or not version):
        problem = parsed.get("bozo_exception")
        detail = f"{type(problem).__name__}: {problem}" if problem else "no feed found"
        if not version and _looks_like_html(body):
            return ParsedFeed(version=version, error_class="not_a_feed", error_message=detail[:500])
        if parsed.get("bozo"):
            return ParsedFeed(version=version, error_class="malformed", error_message=detail[:500])
        if not version:
            return ParsedFeed(version=version, error_class="not_a_feed", error_message=detail[:500])
    if parsed.get("bozo") and _truncated(body):
        problem = parsed.get("bozo_exception")
        return ParsedFeed(
            version=version,
            error_class="malformed",
            error_message=f"document truncated ({type(problem).__name__}: {problem})"[:500],
        )
    items: list[ParsedItem] = []
    for entry in entries:
        link = _http_url(entry.get("link"), base_url)
        guid = _text(entry.get("id"))
        if link is None and guid is not None and guid.startswith(("http://", "https://")):
            link = _http_url(guid, base_url)
        summary = html_to_text(entry.get("summary"))
        items.append(
            ParsedItem(
                guid=guid,
                link=link,
                title=html_to_text(entry.get("title")),
                published=_when(entry, "published") or _when(entry, "created"),
                updated=_when(entry, "updated"),
                authors=_authors(entry),
                categories=_categories(entry),
                summary=summary[:SUMMARY_MAX_CHARS] if summary else None,
                image_url=_image(entry, base_url),
            )
        )
    return ParsedFeed(items=tuple(items), version=version)


# -- identity and dedupe ----------------------------------------------------------------------


def item_identity(item: ParsedItem) -> str | None:
    """What makes an item the same item across polls: its GUID, else its normalised link."""
    if item.guid:
        return f"guid:{item.guid}"
    if item.link:
        return f"link:{normalise_url(item.link)}"
    return None


def seen_key(feed_id: str, identity: str) -> str:
    """Key of the `seen` table."""
    return f"{feed_id}|{identity}"


def new_items(
    feed_id: str, items: Sequence[ParsedItem], seen: Callable[[str], bool]
) -> list[tuple[str, ParsedItem]]:
    """Items not seen before (by `seen(key)`), each with its seen-table key; duplicates within
    the document and items without a usable link are skipped."""
    out: list[tuple[str, ParsedItem]] = []
    keys: set[str] = set()
    for item in items:
        identity = item_identity(item)
        if identity is None or item.link is None:
            continue
        key = seen_key(feed_id, identity)
        if key in keys or seen(key):
            continue
        keys.add(key)
        out.append((key, item))
    return out


def seen_expired(first_seen: float, now: float, ttl_s: float) -> bool:
    """True if a seen entry may be dropped."""
    return now - first_seen > ttl_s


# -- messages ---------------------------------------------------------------------------------


def fetch_request(feed_id: str, item: ParsedItem, now: datetime) -> FetchRequest | None:
    """The FetchRequest of a new item (None if its link is unusable)."""
    if item.link is None:
        return None
    try:
        host = host_of(item.link)
        hint = FeedItemHint(
            guid=item.guid,
            title=item.title,
            published=item.published,
            updated=item.updated,
            authors=item.authors,
            categories=item.categories,
            summary=item.summary,
            image_url=item.image_url,
        )
        return FetchRequest(
            url=item.link,
            host=host,
            article_id=article_id(item.link),
            reason="new",
            requested_at=now,
            feed_id=feed_id,
            item=hint,
        )
    except ValueError:  # pydantic's ValidationError included: an unusable link is skipped
        return None


# -- scheduling -------------------------------------------------------------------------------


def poll_interval(default_s: float, config: FeedConfig) -> float:
    """The feed's interval: the poller's, raised to the feed's minimum, capped by its maximum."""
    interval = default_s
    if config.max_interval_s is not None:
        interval = min(interval, float(config.max_interval_s))
    if config.min_interval_s is not None:
        interval = max(interval, float(config.min_interval_s))
    return interval


def backoff_s(interval_s: float, failures: int, cap_s: float) -> float:
    """Delay after `failures` failures in a row: interval * 2**failures, capped (never below
    the normal interval)."""
    if failures <= 0:
        return interval_s
    return max(interval_s, min(cap_s, interval_s * 2.0 ** min(failures, 32)))


def validator_used(etag: str | None, last_modified: str | None) -> Validator:
    """Which conditional-GET validators a request carries."""
    if etag and last_modified:
        return "both"
    if etag:
        return "etag"
    if last_modified:
        return "last-modified"
    return "none"


def new_record(config: FeedConfig, partition: int, previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The table record of a (re)configured feed, keeping the poll state of an existing one."""
    state = dict(previous or {})
    return {
        "config": config.model_dump(mode="json"),
        "partition": partition,
        "etag": state.get("etag"),
        "last_modified": state.get("last_modified"),
        "next_poll_at": float(state.get("next_poll_at") or 0.0),
        "consecutive_failures": int(state.get("consecutive_failures") or 0),
    }


def is_due(record: Mapping[str, Any], now: float) -> bool:
    """True if the feed should be polled now."""
    return bool(record.get("config", {}).get("enabled", True)) and float(
        record.get("next_poll_at") or 0.0
    ) <= now


@dataclass(frozen=True)
class FeedResponse:
    """What the adapter saw when it polled a feed."""

    url: str
    final_url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error_class: FeedErrorClass | None = None
    error_message: str | None = None
    duration_ms: int = 0


@dataclass(frozen=True)
class PollOutcome:
    """Everything one poll produces: requests, seen keys, the new poll state and the status."""

    requests: tuple[FetchRequest, ...]
    seen_keys: tuple[str, ...]
    state: dict[str, Any]
    status: FeedStatus


def _status_error(status: int) -> FeedErrorClass | None:
    if 200 <= status < 300 or status == 304:
        return None
    if status == 410:
        return "gone"
    if status == 429:
        return "rate_limited"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "other"


def evaluate_poll(
    record: Mapping[str, Any],
    response: FeedResponse,
    *,
    started_at: float,
    now: float,
    interval_default_s: float,
    max_backoff_s: float,
    seen: Callable[[str], bool],
) -> PollOutcome:
    """Turn a poll's response into fetch requests, seen keys, new poll state and a FeedStatus.

    Never raises for a bad response: a malformed feed or a dead host is a FeedStatus with an
    error class and a backoff.
    """
    config = FeedConfig.model_validate(record["config"])
    feed_id = config.feed_id
    etag, last_modified = record.get("etag"), record.get("last_modified")
    interval = poll_interval(interval_default_s, config)
    polled_at = datetime.fromtimestamp(started_at, UTC)
    when = datetime.fromtimestamp(now, UTC)
    headers = {k.lower(): v for k, v in response.headers.items()}
    status = response.status
    error_class: FeedErrorClass | None = response.error_class
    error_message = response.error_message
    if error_class is None and status is not None:
        error_class = _status_error(status)
        if error_class is not None:
            error_message = f"HTTP {status}"
    not_modified = error_class is None and status == 304
    items_total = 0
    requests: list[FetchRequest] = []
    keys: list[str] = []
    if error_class is None and not not_modified:
        parsed = parse_feed(response.body or b"", response.final_url or response.url)
        if not parsed.ok:
            error_class, error_message = parsed.error_class, parsed.error_message
        else:
            items_total = len(parsed.items)
            for key, item in new_items(feed_id, parsed.items, seen):
                req = fetch_request(feed_id, item, when)
                if req is not None:
                    requests.append(req)
                    keys.append(key)
    new_etag, new_lm = etag, last_modified
    if error_class is None:
        new_etag = headers.get("etag") or (etag if not_modified else None)
        new_lm = headers.get("last-modified") or (last_modified if not_modified else None)
    failures = int(record.get("consecutive_failures") or 0) + 1 if error_class else 0
    delay = backoff_s(interval, failures, max(max_backoff_s, interval))
    if error_class is not None:
        retry_after = parse_retry_after(headers.get("retry-after"), datetime.fromtimestamp(now, UTC))
        if retry_after is not None:
            delay = max(delay, min(retry_after, max(max_backoff_s, interval)))
    next_poll_at = now + delay
    state = {
        "etag": new_etag,
        "last_modified": new_lm,
        "next_poll_at": next_poll_at,
        "consecutive_failures": failures,
    }
    feed_status = FeedStatus(
        feed_id=feed_id,
        feed_url=config.url,
        polled_at=polled_at,
        status_code=status,
        duration_ms=max(0, response.duration_ms),
        bytes=len(response.body or b""),
        items_total=items_total,
        items_new=len(requests),
        validator=validator_used(etag, last_modified),
        not_modified=not_modified,
        error_class=error_class,
        error_message=(error_message or None) if error_class else None,
        consecutive_failures=failures,
        next_poll_at=datetime.fromtimestamp(next_poll_at, UTC),
    )
    return PollOutcome(tuple(requests), tuple(keys), state, feed_status)


def with_state(record: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with the poll state fields replaced."""
    return {**record, **state}


# -- feed lists (OPML or plain text) ----------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    """A feed named by a feed list."""

    url: str
    title: str | None = None
    outlet: str | None = None


def parse_feed_list(text: str) -> list[FeedEntry]:
    """Feeds of an OPML document (every outline with an xmlUrl) or of a plain text list (one URL
    per line; blank lines and '#' comments ignored). Duplicates and non-http(s) URLs dropped."""
    import xml.etree.ElementTree as ET

    entries: list[FeedEntry] = []
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        if "<!DOCTYPE" in stripped[:2048] or "<!ENTITY" in stripped:
            raise ValueError("OPML with a DOCTYPE or entities is refused")
        root = ET.fromstring(stripped)
        for outline in root.iter("outline"):
            url = outline.get("xmlUrl") or outline.get("xmlurl")
            if url:
                title = outline.get("title") or outline.get("text")
                entries.append(FeedEntry(url.strip(), title.strip() if title else None))
    else:
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(FeedEntry(line.split()[0]))
    out: list[FeedEntry] = []
    urls: set[str] = set()
    for entry in entries:
        if _http_url(entry.url, entry.url) is None or entry.url in urls:
            continue
        urls.add(entry.url)
        out.append(entry)
    return out
