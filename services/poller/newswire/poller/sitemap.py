"""Sitemaps as feeds, pure: sitemaps (`<urlset>`), sitemap indexes (`<sitemapindex>`), Google
News sitemaps (`<news:news>`: publication date, title, language, keywords), gzipped or not; the
choice of which child sitemaps of an index to read; and `parse_document`, the one entry point
that tells a sitemap from a feed (by the document's root element, whatever the URL or the
configured kind say) and hands feeds to `parsing.parse_feed`.

Why lxml `iterparse` rather than a sitemap library: `ultimate-sitemap-parser` (on PyPI) fetches
the sitemap tree itself over its own HTTP client, which would bypass our SSRF guard, conditional
GET, per-host politeness and size caps, and it reports broken documents as "invalid sitemap"
objects rather than error classes. What the poller needs from a library is only the XML reading,
and lxml (libxml2, already a dependency) streams it at C speed: a 50,000-URL news sitemap in a
fraction of a CPU second with the document's tree freed as it is read (`bench/sitemap.py`).

Safety (same rules as feeds): a document that declares a DOCTYPE is refused before parsing (no
real sitemap has one: no billion laughs, no XXE); the parser resolves no entities, loads no DTD
and touches no network; libxml2 bounds element nesting (256 levels without `huge_tree`); bodies
are capped in bytes before parsing, gzip bodies are inflated only up to the same cap (a gzip
bomb stops at the cap, 'too_large'), and a sitemap or index listing more than the protocol's
50,000 entries is refused ('too_large'). Like feeds, a sloppy document is read leniently (the
parser's recover mode) and what was forgiven is reported as warnings; a document cut short
loses its last entry (its `<loc>` may be cut).
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from lxml import etree
from newswire.contracts.feeds import FeedErrorClass, FeedKind, FeedWarningClass
from newswire.poller.incremental import ItemMemo
from newswire.poller.parsing import (
    MAX_PARSE_BYTES,
    WARNING_CLASSES,
    ParsedFeed,
    ParsedItem,
    SitemapRef,
    http_url,
    parse_feed,
)

__all__ = [
    "MAX_SITEMAP_BYTES",
    "MAX_SITEMAP_ENTRIES",
    "ChildPlan",
    "ChildState",
    "backfill_items",
    "fresh_items",
    "gunzip_capped",
    "is_gzip",
    "merge_children",
    "parse_document",
    "parse_sitemap",
    "plan_children",
    "sniff_root",
]

#: The sitemap protocol's limits: 50,000 URLs (or child sitemaps) and 50 MB uncompressed.
MAX_SITEMAP_ENTRIES = 50_000
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
# The document's root element: the first tag that is not the declaration, a comment, a
# processing instruction or a DOCTYPE.
_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_SITEMAP_ROOTS = {b"urlset": "urlset", b"sitemapindex": "index"}
# An ampersand that starts no reference (`?a=1&b=2` in a <loc>, a common publisher bug): escaped
# before parsing, since the parser's recover mode would drop it and change the URL.
_BARE_AMP = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_CLOSE_ROOT = re.compile(rb"</(?:[\w.-]+:)?(?:urlset|sitemapindex)\s*>\s*$")

Root = Literal["urlset", "index"]


def is_gzip(body: bytes) -> bool:
    return body[:2] == _GZIP_MAGIC


def gunzip_capped(body: bytes, max_bytes: int) -> tuple[bytes, str | None, bool]:
    """Inflate a gzip body, never beyond `max_bytes`: (data, error, truncated). A body that
    would expand beyond the cap (a gzip bomb) stops there with an error; a cut-off body gives
    what it holds and truncated=True; a body that is not gzip at all is an error."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        return b"", f"not a valid gzip body: {exc}", False
    if len(data) > max_bytes:
        return b"", f"gzip body expands beyond {max_bytes} bytes (a gzip bomb?)", False
    return data, None, not inflater.eof


def sniff_root(body: bytes) -> Root | None:
    """'urlset' or 'index' if the document's root element is a sitemap's, else None."""
    match = _ROOT.search(body, 0, 65536)
    if match is None:
        return None
    return _SITEMAP_ROOTS.get(match.group(1))  # type: ignore[return-value]


def _w3c_date(text: str | None) -> datetime | None:
    """A W3C Datetime (the sitemap protocol's format: YYYY, YYYY-MM, YYYY-MM-DD, with time and
    zone) as an aware UTC datetime; a date without a zone is taken as UTC."""
    if not text:
        return None
    value = text.strip()
    if len(value) == 4 and value.isdigit():
        value += "-01-01"
    elif len(value) == 7 and value[4] == "-":
        value += "-01"
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _local(tag: Any, cache: dict[Any, str]) -> str:
    """The local name of a (namespaced) tag; a document has few distinct tags: cached."""
    name = cache.get(tag)
    if name is None:
        name = cache[tag] = tag.rpartition("}")[2] if isinstance(tag, str) else ""
    return name


# An absolute http(s) URL with nothing to resolve (the sitemap protocol requires absolute
# URLs): taken as is, which saves `urljoin` on every entry of a large sitemap.
_PLAIN_ABSOLUTE = re.compile(r"https?://[^\s/?#\\]+(?:[/?#][^\s\\]*)?\Z")


def _entry_url(loc: str, base_url: str) -> str | None:
    if _PLAIN_ABSOLUTE.match(loc):
        return loc
    return http_url(loc, base_url)


def _text(elem: Any) -> str | None:
    text = elem.text
    if not text:
        return None
    stripped = str(text).strip()
    return stripped or None


# What libxml2 says, in our warning vocabulary (its own words go in warning_detail).
_LIBXML_WARNINGS: tuple[tuple[str, FeedWarningClass], ...] = (
    ("not defined", "undefined_entity"),
    ("EntityRef", "bare_ampersand"),
    ("xmlParseEntityRef", "bare_ampersand"),
    ("Char 0x", "invalid_character"),
    ("invalid Char", "invalid_character"),
    ("tag mismatch", "mismatched_tag"),
    ("Premature end", "truncated"),
    ("not properly terminated", "truncated"),
)


def _warnings_of(log: Any) -> tuple[set[FeedWarningClass], str | None]:
    found: set[FeedWarningClass] = set()
    first: str | None = None
    for entry in log:
        message = str(entry.message or "")
        first = first or f"line {entry.line}: {message.strip()}"
        kind: FeedWarningClass = "not_well_formed"
        for marker, warning in _LIBXML_WARNINGS:
            if marker in message:
                kind = warning
                break
        found.add(kind)
    return found, first


def parse_sitemap(
    body: bytes,
    base_url: str,
    *,
    max_bytes: int = MAX_SITEMAP_BYTES,
    max_entries: int = MAX_SITEMAP_ENTRIES,
) -> ParsedFeed:
    """A sitemap or sitemap index (plain or gzipped) as a `ParsedFeed`; never raises.

    A `<url>` becomes an item: link = `<loc>`, updated = `<lastmod>`, and of a Google News
    entry published = `news:publication_date`, title = `news:title`, categories =
    `news:keywords`. No GUID: a sitemap URL is its own identity. An index lists its children in
    `children` (no items). `version` is 'sitemap', 'sitemap-news' or 'sitemap-index'.
    """
    warnings: set[FeedWarningClass] = set()
    notes: list[str] = []
    if len(body) > max_bytes:
        return ParsedFeed(error_class="too_large", error_message=f"sitemap over {max_bytes} bytes")
    if is_gzip(body):
        body, problem, cut = gunzip_capped(body, max_bytes)
        if problem is not None:
            error: FeedErrorClass = "too_large" if "expands" in problem else "malformed"
            return ParsedFeed(error_class=error, error_message=problem)
        if cut:
            warnings.add("truncated")
            notes.append("gzip body cut short")
    root = sniff_root(body)
    if root is None:
        return ParsedFeed(error_class="not_a_feed", error_message="no <urlset> or <sitemapindex>")
    head = body[:65536]
    root_at = _ROOT.search(head)
    if _DOCTYPE.search(head, 0, root_at.start() if root_at else len(head)):
        return ParsedFeed(error_class="malformed", error_message="sitemap declares a DOCTYPE (refused)")
    truncated = _CLOSE_ROOT.search(body[-512:]) is None
    body, bare = _BARE_AMP.subn(b"&amp;", body)
    if bare:
        warnings.add("bare_ampersand")
    wanted = ("{*}url",) if root == "urlset" else ("{*}sitemap",)
    context = etree.iterparse(
        io.BytesIO(body), events=("end",), tag=wanted, resolve_entities=False, load_dtd=False,
        no_network=True, huge_tree=False, recover=True, remove_comments=True, remove_pis=True,
    )
    digest = hashlib.blake2b(digest_size=16)
    items: list[ParsedItem] = []
    children: list[SitemapRef] = []
    news = False
    names: dict[Any, str] = {}
    try:
        for _, elem in context:
            loc = lastmod = title = published = keywords = None
            for child in elem:
                local = _local(child.tag, names)
                if local == "loc":
                    loc = _text(child)
                elif local == "lastmod":
                    lastmod = _text(child)
                elif local == "news":
                    news = True
                    for field in child:
                        name = _local(field.tag, names)
                        if name == "publication_date":
                            published = _text(field)
                        elif name == "title":
                            title = _text(field)
                        elif name == "keywords":
                            keywords = _text(field)
            # free what has been read: memory stays flat however long the document is
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            if loc is None:
                continue
            digest.update(f"{loc}\x1f{lastmod or ''}\x1f{published or ''}\x1f{title or ''}\x1e".encode())
            url = _entry_url(loc, base_url)
            if url is None:
                continue
            if root == "index":
                if len(children) >= max_entries:
                    return _too_many(max_entries, "child sitemaps")
                children.append(SitemapRef(url, _w3c_date(lastmod)))
                continue
            if len(items) >= max_entries:
                return _too_many(max_entries, "URLs")
            categories = tuple(k.strip() for k in keywords.split(",") if k.strip()) if keywords else ()
            items.append(
                ParsedItem(
                    guid=None,
                    link=url,
                    title=title,
                    published=_w3c_date(published),
                    updated=_w3c_date(lastmod),
                    categories=categories,
                )
            )
    except etree.XMLSyntaxError as exc:  # what even recover mode cannot read
        if not items and not children:
            return ParsedFeed(error_class="malformed", error_message=f"sitemap: {exc}"[:500])
        warnings.add("not_well_formed")
        notes.append(str(exc))
    found, first = _warnings_of(context.error_log)
    warnings |= found
    if first:
        notes.append(first)
    if truncated:
        warnings.add("truncated")
        # the entry the cut falls in may carry half a URL: dropped (a later poll has it whole)
        if items:
            items.pop()
        elif children:
            children.pop()
        notes.append("document cut short: its last entry dropped")
        if not items and not children:
            return ParsedFeed(error_class="malformed", error_message="sitemap truncated before any entry")
    version = "sitemap-index" if root == "index" else ("sitemap-news" if news else "sitemap")
    return ParsedFeed(
        items=tuple(items),
        version=version,
        children=tuple(children),
        fingerprint=digest.hexdigest(),
        warnings=tuple(w for w in WARNING_CLASSES if w in warnings),
        warning_detail="; ".join(notes)[:500] or None,
    )


def _too_many(limit: int, what: str) -> ParsedFeed:
    return ParsedFeed(
        error_class="too_large",
        error_message=f"more than {limit:,} {what} (the sitemap protocol's limit)",
    )


def parse_document(
    body: bytes,
    base_url: str,
    *,
    content_type: str | None = None,
    kind: FeedKind | None = None,
    max_feed_bytes: int = MAX_PARSE_BYTES,
    max_sitemap_bytes: int = MAX_SITEMAP_BYTES,
    memo: ItemMemo | None = None,
) -> ParsedFeed:
    """A feed or a sitemap, told apart by the document itself (gzip magic, then the root
    element); never raises. A sitemap may be as large as the protocol allows (the download cap
    is the adapter's: `max_sitemap_bytes` for a URL known to serve a sitemap, else the feed
    cap); `kind` 'sitemap' extends that cap to a document that turns out not to be one. `memo`:
    a feed's items remembered from earlier reads (`parse_feed`)."""
    if is_gzip(body) or sniff_root(body) is not None:
        return parse_sitemap(body, base_url, max_bytes=max_sitemap_bytes)
    cap = max_sitemap_bytes if kind == "sitemap" else max_feed_bytes
    return parse_feed(body, base_url, content_type=content_type, max_bytes=cap, memo=memo)


# -- which children of an index to read ----------------------------------------------------


@dataclass(frozen=True)
class ChildState:
    """What the poller remembers of a child sitemap it read: its validators and the `lastmod`
    the index gave it then."""

    etag: str | None = None
    last_modified: str | None = None
    lastmod: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"etag": self.etag, "last_modified": self.last_modified, "lastmod": self.lastmod}

    @staticmethod
    def from_json(raw: Mapping[str, Any] | None) -> ChildState:
        raw = raw or {}
        lastmod = raw.get("lastmod")
        return ChildState(raw.get("etag"), raw.get("last_modified"), float(lastmod) if lastmod else None)


@dataclass(frozen=True)
class ChildPlan:
    """The children of an index to read now, newest first, and what the choice left out."""

    fetch: tuple[SitemapRef, ...]
    stale: int = 0
    """Children whose `lastmod` is older than the window: not read."""
    capped: int = 0
    """Recent (or undated) children beyond the per-poll cap: not read."""


def plan_children(
    children: Sequence[SitemapRef], *, now: float, max_age_s: float | None, cap: int
) -> ChildPlan:
    """Which child sitemaps of an index to read: those whose `lastmod` is inside the window,
    newest first, then those without a `lastmod` (the index does not say: they are read) in the
    index's order; at most `cap`, each URL once. Every one is fetched with its own conditional
    GET (an unchanged child costs a 304). `max_age_s` None takes every dated child (backfill,
    whose window is its `since`, passes its own)."""
    seen_urls: set[str] = set()
    dated: list[SitemapRef] = []
    undated: list[SitemapRef] = []
    stale = 0
    for ref in children:
        if ref.url in seen_urls:
            continue
        seen_urls.add(ref.url)
        if ref.lastmod is None:
            undated.append(ref)
        elif max_age_s is not None and ref.lastmod.timestamp() < now - max_age_s:
            stale += 1
        else:
            dated.append(ref)
    dated.sort(key=lambda r: r.lastmod or datetime.min.replace(tzinfo=UTC), reverse=True)
    ordered = dated + undated
    return ChildPlan(tuple(ordered[:cap]), stale, max(0, len(ordered) - cap))


def fresh_items(
    doc: ParsedFeed, now: float, max_age_s: float, cap: int | None = None
) -> tuple[ParsedItem, ...]:
    """The URLs of a sitemap dated inside the window (publication date, else `lastmod`): what
    live polling requests, the newest `cap` of them (ties in document order). A sitemap may list
    an outlet's whole archive; older and undated URLs are left to `newswire backfill`. The cap
    bounds a sitemap whose every `lastmod` claims to be fresh (regenerated with the file): the
    same newest URLs each poll, each requested once."""
    oldest = now - max_age_s
    dated: list[tuple[float, ParsedItem]] = []
    for item in doc.items:
        when = item.published or item.updated
        if when is not None and when.timestamp() >= oldest:
            dated.append((when.timestamp(), item))
    if cap is not None and len(dated) > cap:
        dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep document order
        dated = dated[:cap]
    return tuple(item for _, item in dated)


def backfill_items(
    items: Sequence[ParsedItem],
    *,
    since: datetime,
    until: datetime | None = None,
    include_undated: bool = False,
) -> list[ParsedItem]:
    """The URLs a backfill enqueues: dated (publication date, else `lastmod`) at or after
    `since` and before `until`, undated ones only if asked; each URL once, oldest first (a
    backfill that is stopped half-way has filled the oldest gap, and a rerun skips what it
    enqueued: see the CLI)."""
    chosen: dict[str, tuple[float, ParsedItem]] = {}
    for item in items:
        if item.link is None or item.link in chosen:
            continue
        when = item.published or item.updated
        if when is None:
            if include_undated:
                chosen[item.link] = (float("inf"), item)
            continue
        if when < since or (until is not None and when >= until):
            continue
        chosen[item.link] = (when.timestamp(), item)
    return [item for _, item in sorted(chosen.values(), key=lambda pair: pair[0])]


def merge_children(
    root: ParsedFeed, parts: Sequence[ParsedFeed], *, capped: bool, failed: Sequence[str]
) -> ParsedFeed:
    """One document from an index and the sitemaps read under it: every child's items (a URL
    listed twice once), the index's fingerprint, and warnings for children capped or failed.
    If children were to be read and none could be, the first child's error is the poll's."""
    items: list[ParsedItem] = []
    links: set[str] = set()
    warnings: set[FeedWarningClass] = set(root.warnings)
    news = False
    for part in parts:
        warnings |= set(part.warnings)
        news = news or part.version == "sitemap-news"
        for item in part.items:
            if item.link is not None and item.link not in links:
                links.add(item.link)
                items.append(item)
    if capped:
        warnings.add("sitemap_children_capped")
    if failed:
        warnings.add("sitemap_child_failed")
    return ParsedFeed(
        items=tuple(items),
        version="sitemap-index",
        fingerprint=root.fingerprint,
        children=root.children,
        warnings=tuple(w for w in WARNING_CLASSES if w in warnings),
        warning_detail="; ".join(failed)[:500] or root.warning_detail,
    )
