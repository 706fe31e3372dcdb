"""The farm's data: outlets, articles and their versions, and the public article record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newswire.farm.config import FeedFormat, OutletBehaviour

__all__ = [
    "Article",
    "ArticleRecord",
    "ArticleVersion",
    "OUTLETS_PER_OCTET",
    "Outlet",
    "iso",
    "outlet_address",
]

OUTLETS_PER_OCTET = 250


def outlet_address(index: int) -> str:
    """Loopback address of outlet ``index``: 127.0.<1 + i // 250>.<1 + i % 250>."""
    if index < 0:
        raise ValueError("outlet index must be >= 0")
    third = 1 + index // OUTLETS_PER_OCTET
    if third > 255:
        raise ValueError(f"outlet index {index} does not fit in 127.0.0.0/8 addressing")
    return f"127.0.{third}.{1 + index % OUTLETS_PER_OCTET}"


def iso(ts: float) -> str:
    """UTC ISO-8601 with seconds, e.g. ``2026-11-21T06:15:00+00:00``."""
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0).isoformat()


FEED_PATHS: dict[str, str] = {
    "rss": "/feed.xml",
    "atom": "/atom.xml",
    "sitemap": "/sitemap.xml.gz",
    "news-sitemap": "/sitemap_index.xml",
}
NEWS_INDEX_PATH = "/sitemaps/news-index.xml"
NEWS_SITEMAP_PATH = "/sitemaps/news.xml"


@dataclass(frozen=True)
class Outlet:
    """One synthetic outlet: its identity, address and behaviour."""

    index: int
    name: str
    slug: str
    host: str
    port: int
    feed_format: FeedFormat
    jsonld_article_body: bool
    crawl_delay: float | None
    behaviour: OutletBehaviour

    @property
    def netloc(self) -> str:
        """``host:port``."""
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://host:port/``."""
        return f"http://{self.netloc}/"

    @property
    def feed_path(self) -> str:
        """Where the outlet announces its articles: ``/feed.xml`` (RSS), ``/atom.xml`` (Atom),
        ``/sitemap.xml.gz`` (a gzipped sitemap) or ``/sitemap_index.xml`` (the index above its
        news sitemap)."""
        return FEED_PATHS[self.feed_format]

    @property
    def sitemap_only(self) -> bool:
        """The outlet publishes no feed, only sitemaps."""
        return self.feed_format in ("sitemap", "news-sitemap")

    @property
    def feed_url(self) -> str:
        """Absolute feed URL."""
        return f"http://{self.netloc}{self.feed_path}"

    @property
    def dead(self) -> bool:
        """Not served at all."""
        return self.behaviour.dead

    def url(self, path: str) -> str:
        """Absolute URL of a path on this outlet."""
        return f"http://{self.netloc}{path}"

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "index": self.index,
            "name": self.name,
            "host": self.host,
            "base_url": self.base_url,
            "feed_url": self.feed_url,
            "feed_format": self.feed_format,
            "dead": self.dead,
            "faults": list(self.behaviour.faults),
        }


@dataclass(frozen=True)
class ArticleVersion:
    """The text of one version and when it went live."""

    paragraphs: tuple[str, ...]
    modified_at: float


@dataclass
class Article:
    """A published article; ``versions`` grows when an edit is applied."""

    outlet: int
    serial: int
    guid: str
    title: str
    author: str
    category: str
    path: str
    """Canonical path (what the page declares)."""
    link_path: str
    """Path the feed links to (differs from ``path`` on redirecting outlets)."""
    published_at: float
    versions: list[ArticleVersion]
    source: str
    """``generated``, ``seed:<file>`` or ``revision:<file>``."""
    pending: list[ArticleVersion] = field(default_factory=list)
    """Future versions, applied once their ``modified_at`` has passed."""

    @property
    def current(self) -> ArticleVersion:
        """The live version."""
        return self.versions[-1]

    @property
    def modified_at(self) -> float:
        """When the live version went live."""
        return self.current.modified_at

    @property
    def description(self) -> str:
        """A short summary: the first paragraph, cut at about 40 words."""
        first = self.current.paragraphs[0] if self.current.paragraphs else self.title
        words = first.split()
        return first if len(words) <= 40 else " ".join(words[:40]) + "…"


@dataclass(frozen=True)
class ArticleRecord:
    """Ground truth about one published article (what ``/_farm/articles`` lists)."""

    outlet: int
    outlet_name: str
    host: str
    url: str
    """The clean canonical URL."""
    link: str
    """The URL as listed in the feed (tracking parameters, maybe redirecting)."""
    title: str
    paragraphs: int
    versions: int
    published: str
    modified: str
    guid: str
    source: str
    author: str
    category: str
    faults: tuple[str, ...]
    text: tuple[str, ...]
    """Paragraphs of the live version."""
    published_ts: float = 0.0
    """``published`` as a Unix timestamp with sub-second precision (latency benchmarks)."""

    def to_json(self, *, with_text: bool = False) -> dict[str, Any]:
        """JSON-friendly dict (the text only on request)."""
        out: dict[str, Any] = {
            "outlet": self.outlet,
            "outlet_name": self.outlet_name,
            "host": self.host,
            "url": self.url,
            "link": self.link,
            "title": self.title,
            "paragraphs": self.paragraphs,
            "versions": self.versions,
            "published": self.published,
            "published_ts": self.published_ts,
            "modified": self.modified,
            "guid": self.guid,
            "source": self.source,
            "author": self.author,
            "category": self.category,
            "faults": list(self.faults),
        }
        if with_text:
            out["text"] = list(self.text)
        return out
