"""Finding an outlet's feeds and sitemaps, pure: the `<link rel="alternate">` feeds of an HTML
page, the `Sitemap:` lines of a robots.txt, the conventional paths worth trying, and what a
fetched candidate turned out to be. The fetching is the CLI's (`newswire feeds discover`, over
the poller's SSRF-guarded client).

Nothing here knows any particular site: the common paths are the conventions of the feed and
sitemap formats and of the widespread publishing systems (WordPress `/feed`, `/sitemap.xml`,
`/sitemap_index.xml`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from newswire.contracts.feeds import FeedKind
from newswire.poller.parsing import ParsedFeed, http_url

__all__ = [
    "COMMON_PATHS",
    "FEED_TYPES",
    "Discovered",
    "alternate_feeds",
    "common_candidates",
    "judge",
    "robots_sitemaps",
    "site_root",
]

Via = Literal["html", "robots", "common_path", "given"]

#: Media types of `<link rel="alternate">` that announce a feed.
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/feed+json",
    "application/rdf+xml", "application/json", "application/xml", "text/xml",
})  # fmt: skip
#: Conventional places of feeds and sitemaps, tried when a site announces nothing.
COMMON_PATHS: tuple[str, ...] = (
    "/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json",
    "/sitemap.xml", "/sitemap_index.xml", "/sitemap-index.xml", "/sitemap.xml.gz",
    "/news-sitemap.xml", "/sitemap-news.xml", "/sitemap_news.xml",
)  # fmt: skip
#: Most bytes of HTML read for links (the head comes first).
MAX_HTML_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Discovered:
    """A feed or sitemap found for an outlet."""

    url: str
    kind: FeedKind
    via: Via
    title: str | None = None
    detail: str = ""
    """What it holds: 'rss20, 25 items', 'sitemap-index, 3 sitemaps', ..."""


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str | None]] = []  # (type, href, title)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        if "alternate" in rels or "sitemap" in rels:
            kind = "sitemap" if "sitemap" in rels else values.get("type", "").lower().split(";")[0].strip()
            self.links.append((kind, values.get("href", ""), values.get("title") or None))


def alternate_feeds(html: bytes, base_url: str) -> list[tuple[str, FeedKind, str | None]]:
    """(URL, kind, title) of every feed an HTML page announces with `<link rel="alternate"
    type="application/rss+xml|atom+xml|feed+json|...">` (and `rel="sitemap"`), absolute, in
    page order, each once. Never raises."""
    parser = _LinkParser()
    try:
        parser.feed(html[:MAX_HTML_BYTES].decode("utf-8", "replace"))
        parser.close()
    except Exception:  # noqa: BLE001, S110 - lenient parser; a page never stops discovery
        pass  # the links read before the fault are kept
    out: list[tuple[str, FeedKind, str | None]] = []
    seen: set[str] = set()
    for media, href, title in parser.links:
        if media != "sitemap" and media not in FEED_TYPES:
            continue  # rel=alternate also names translations, AMP and print pages
        url = http_url(href, base_url)
        if url is None or url in seen:
            continue
        seen.add(url)
        out.append((url, "sitemap" if media == "sitemap" else "feed", title))
    return out


def robots_sitemaps(text: str, base_url: str) -> list[str]:
    """The URLs of a robots.txt's `Sitemap:` lines (any case, anywhere in the file), each once."""
    out: list[str] = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if not sep or name.strip().lower() != "sitemap":
            continue
        url = http_url(value.split("#", 1)[0].strip(), base_url)
        if url is not None and url not in out:
            out.append(url)
    return out


def site_root(url: str) -> str:
    """`scheme://host[:port]/` of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def common_candidates(url: str, known: set[str]) -> list[str]:
    """The conventional feed and sitemap URLs of a site not already known."""
    root = site_root(url).rstrip("/")
    return [f"{root}{path}" for path in COMMON_PATHS if f"{root}{path}" not in known]


def judge(url: str, via: Via, doc: ParsedFeed, title: str | None = None) -> Discovered | None:
    """What a fetched candidate is: a feed or sitemap worth adding (a readable document with
    items or child sitemaps), or None."""
    if not doc.ok or not (doc.items or doc.children):
        return None
    if doc.is_sitemap:
        count = f"{len(doc.children)} sitemaps" if doc.children else f"{len(doc.items)} URLs"
        return Discovered(url, "sitemap", via, title, f"{doc.version}, {count}")
    return Discovered(url, "feed", via, title or doc.title, f"{doc.version}, {len(doc.items)} items")
