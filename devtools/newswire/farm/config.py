"""Farm configuration: per-outlet behaviours, named presets and how they are assigned."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "ALL_KINDS",
    "ALTERNATE_FORMATS",
    "Assign",
    "CharsetFault",
    "FarmConfig",
    "FeedFault",
    "FeedFormat",
    "MIXES",
    "OutletBehaviour",
    "PRESETS",
    "PageFault",
    "RobotsFault",
    "assign_behaviours",
    "combine",
    "parse_assign",
    "resolve_behaviour",
]

#: How an outlet announces its articles: an RSS or Atom feed, or only sitemaps: a gzipped plain
#: sitemap (`/sitemap.xml.gz`, every article with `lastmod`), or a Google News sitemap under a
#: nested index (`/sitemap_index.xml` -> `/sitemaps/news-index.xml` -> `/sitemaps/news.xml`).
FeedFormat = Literal["rss", "atom", "sitemap", "news-sitemap"]
#: What ``feed_format="alternate"`` cycles through, by outlet index.
ALTERNATE_FORMATS: tuple[FeedFormat, ...] = ("rss", "atom", "sitemap", "news-sitemap")
FeedFault = Literal["truncated", "html", "bad_entities"]
CharsetFault = Literal["header_utf8_body_cp1252", "meta_latin1_only"]
#: Article-page misbehaviours (see :mod:`newswire.farm.misbehaviours`).
PageFault = Literal[
    "slowloris", "no_answer", "endless_chunked", "lying_length", "lying_length_stall",
    "gzip_bomb", "brotli_bomb", "binary_as_html", "octet_stream", "pdf", "bot_challenge",
    "js_shell", "consent_wall", "paywall", "amp",
]
#: robots.txt misbehaviours (see :mod:`newswire.farm.misbehaviours`).
RobotsFault = Literal["disallow_all", "server_error", "not_found", "no_answer"]
ALL_KINDS: frozenset[str] = frozenset({"feed", "article", "robots", "home", "private", "other"})
FIXTURE_OUTLETS = 5  # outlets 0..4 carry the real texts; shares avoid them when they can


@dataclass(frozen=True)
class OutletBehaviour:
    """How one outlet (mis)behaves. The default is a healthy, well-behaved site."""

    dead: bool = False
    """Not bound at all: connections are refused."""
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    conditional: bool = True
    """Feed answers 304 to a matching If-None-Match / If-Modified-Since."""
    throttle_requests: int = 0
    """The first N requests (of ``fault_kinds``) get 429 with Retry-After."""
    throttle_window: tuple[float, float] | None = None
    """Every request (of ``fault_kinds``) between these seconds after start gets 429."""
    retry_after_s: int = 1
    retry_after_http_date: bool = False
    error_rate: float = 0.0
    """Share of requests (of ``fault_kinds``) answered with ``error_status``."""
    error_status: int = 503
    fault_window: tuple[float, float] | None = None
    """``latency_ms`` and ``error_rate`` apply only between these seconds after start (None: always)."""
    fault_kinds: frozenset[str] = frozenset({"feed", "article"})
    redirect_articles: bool = False
    """Article links (``/news/...``) answer 301 to the canonical ``/story/...`` URL."""
    redirect_loop: bool = False
    """Article links redirect forever between two URLs."""
    huge_page_bytes: int = 0
    """Article pages padded to this size and streamed in chunks (no Content-Length)."""
    huge_page_declare_length: bool = False
    charset_fault: CharsetFault | None = None
    feed_fault: FeedFault | None = None
    feed_format: FeedFormat | None = None
    """Override of the farm-wide RSS/Atom choice."""
    jsonld_article_body: bool | None = None
    """Override of whether JSON-LD carries ``articleBody``."""
    crawl_delay: float | None = None
    """Override of the farm-wide robots.txt Crawl-delay."""
    page_fault: PageFault | None = None
    """How article pages misbehave (slow drip, bombs, walls, ...); see misbehaviours."""
    robots_fault: RobotsFault | None = None
    """How robots.txt misbehaves."""

    @property
    def faults(self) -> tuple[str, ...]:
        """Short names of the misbehaviours that can stop an article being ingested."""
        out: list[str] = []
        if self.dead:
            out.append("dead")
        if self.redirect_loop:
            out.append("redirect_loop")
        if self.error_rate >= 1.0 and self.fault_window is None:
            out.append("always_error")
        if self.feed_fault is not None:
            out.append(f"feed_{self.feed_fault}")
        if self.huge_page_bytes:
            out.append("huge_page")
        if self.charset_fault is not None:
            out.append(f"charset_{self.charset_fault}")
        if self.page_fault is not None:
            out.append(f"page_{self.page_fault}")
        if self.robots_fault is not None:
            out.append(f"robots_{self.robots_fault}")
        return tuple(out)


_DEFAULT = OutletBehaviour()


def combine(*behaviours: OutletBehaviour) -> OutletBehaviour:
    """Overlay behaviours left to right: a field set to a non-default value wins."""
    result = _DEFAULT
    for b in behaviours:
        changes = {
            f.name: getattr(b, f.name)
            for f in dataclasses.fields(b)
            if getattr(b, f.name) != getattr(_DEFAULT, f.name)
        }
        result = dataclasses.replace(result, **changes)
    return result


PRESETS: dict[str, OutletBehaviour] = {
    "healthy": OutletBehaviour(),
    "slow": OutletBehaviour(latency_ms=300.0, latency_jitter_ms=100.0),
    "very-slow": OutletBehaviour(latency_ms=2000.0),
    "no-304": OutletBehaviour(conditional=False),
    "throttled": OutletBehaviour(throttle_requests=3, retry_after_s=1),
    "throttle-window": OutletBehaviour(throttle_window=(0.0, 10.0), retry_after_s=2),
    "flaky": OutletBehaviour(error_rate=0.2),
    "broken": OutletBehaviour(error_rate=1.0, error_status=500),
    "redirecting": OutletBehaviour(redirect_articles=True),
    "redirect-loop": OutletBehaviour(redirect_loop=True),
    "huge": OutletBehaviour(huge_page_bytes=20 * 1024 * 1024),
    "cp1252": OutletBehaviour(charset_fault="header_utf8_body_cp1252"),
    "latin1-meta": OutletBehaviour(charset_fault="meta_latin1_only"),
    "truncated-feed": OutletBehaviour(feed_fault="truncated"),
    "html-feed": OutletBehaviour(feed_fault="html"),
    "bad-entities": OutletBehaviour(feed_fault="bad_entities"),
    "dead": OutletBehaviour(dead=True),
    "crawl-delay": OutletBehaviour(crawl_delay=2.0),
}


@dataclass(frozen=True)
class Assign:
    """Give a behaviour (or preset name) to specific outlet indexes and/or a share of outlets."""

    behaviour: OutletBehaviour | str
    share: float = 0.0
    indexes: Sequence[int] = ()

    def resolved(self) -> OutletBehaviour:
        """The behaviour, looking preset names up in :data:`PRESETS`."""
        if isinstance(self.behaviour, str):
            try:
                return PRESETS[self.behaviour]
            except KeyError:
                raise ValueError(
                    f"unknown preset {self.behaviour!r}; known: {', '.join(sorted(PRESETS))}"
                ) from None
        return self.behaviour


MIXES: dict[str, tuple[Assign, ...]] = {
    "none": (),
    # A believable internet: mostly fine, some slow, a few rude or broken.
    "realistic": (
        Assign("slow", share=0.10),
        Assign("no-304", share=0.10),
        Assign("throttled", share=0.03),
        Assign("flaky", share=0.03),
        Assign("redirecting", share=0.05),
        Assign("cp1252", share=0.02),
        Assign("latin1-meta", share=0.02),
        Assign("bad-entities", share=0.01),
        Assign("dead", share=0.01),
    ),
    # Every misbehaviour at least once (needs a few dozen outlets).
    "chaos": tuple(
        Assign(name, share=0.03) for name in PRESETS if name not in ("healthy", "very-slow")
    ),
}


def parse_assign(spec: str) -> Assign:
    """Parse ``preset=0.1`` (a share) or ``preset@3,7,9`` (indexes) or ``preset`` (all)."""
    if "@" in spec:
        name, _, idx = spec.partition("@")
        return Assign(name.strip(), indexes=tuple(int(i) for i in idx.split(",") if i.strip()))
    if "=" in spec:
        name, _, share = spec.partition("=")
        return Assign(name.strip(), share=float(share))
    return Assign(spec.strip(), share=1.0)


def assign_behaviours(
    n: int, rules: Sequence[Assign], seed: int, base: OutletBehaviour = _DEFAULT
) -> list[OutletBehaviour]:
    """One behaviour per outlet, deterministic for a seed.

    Rules apply in order and combine (:func:`combine`) with what earlier rules set. A share picks
    ``round(share * n)`` outlets at random, preferring outlets past the first five (which carry the
    real fixture texts); explicit indexes are exact.
    """
    out = [base] * n
    rng = random.Random(f"newswire-farm:{seed}:behaviours")
    for rule in rules:
        b = rule.resolved()
        chosen: set[int] = {i for i in rule.indexes if 0 <= i < n}
        if rule.share > 0:
            k = min(n, round(rule.share * n)) if rule.share < 1 else n
            preferred = list(range(min(FIXTURE_OUTLETS, n), n))
            rng.shuffle(preferred)
            rest = list(range(min(FIXTURE_OUTLETS, n)))
            rng.shuffle(rest)
            chosen.update((preferred + rest)[:k])
        for i in chosen:
            out[i] = combine(out[i], b)
    return out


def resolve_behaviour(b: OutletBehaviour | str) -> OutletBehaviour:
    """A behaviour, looking preset names up."""
    return Assign(b).resolved()


@dataclass
class FarmConfig:
    """Everything that shapes a farm. Defaults: a healthy, static farm of 10 outlets."""

    outlets: int = 10
    port: int = 8900
    """Same port on every address; 0 picks one free on all of them."""
    seed: int = 0
    articles_per_outlet: int = 5
    arrival_rate: float = 0.0
    """New generated articles per second across the farm (0 = static)."""
    edit_rate: float = 0.0
    """Share of generated articles that get one edit."""
    edit_after_s: float = 20.0
    """Seconds after start when the Guardian article moves to version 1."""
    generated_edit_after_s: float | None = None
    """Delay of generated edits after publication (after start for the initial set).

    None = ``edit_after_s``.
    """
    fixtures_dir: Path | None = None
    """None = locate (``$NEWSWIRE_FIXTURES_DIR``, then ``<repo>/../shared/fixtures``)."""
    use_fixtures: bool = True
    feed_format: Literal["alternate", "rss", "atom", "sitemap", "news-sitemap"] = "alternate"
    """One format for every outlet, or ``alternate``: outlet i gets ``ALTERNATE_FORMATS[i % 4]``
    (so any farm of four or more outlets has sources of both kinds, feeds and sitemaps)."""
    feed_items: int = 50
    jsonld_article_body: Literal["alternate", "always", "never"] = "alternate"
    crawl_delay: float | None = None
    behaviours: Sequence[Assign] = field(default_factory=tuple)
    default_behaviour: OutletBehaviour = field(default_factory=OutletBehaviour)
    host: str = "127.0.0.1"
    """The control address (outlets live on 127.0.1.1 onwards)."""
    hub: bool = False
    """Serve a WebSub hub at ``<control>/hub``: RSS and Atom feeds advertise it, and each feed is
    pushed to its subscribers when new articles or edits appear in it."""
    shutdown_timeout: float = 1.0

    def validate(self) -> None:
        """Raise ValueError on impossible settings."""
        if not 1 <= self.outlets <= 250 * 254:
            raise ValueError("outlets must be between 1 and 63500")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be 0..65535")
        if self.arrival_rate < 0 or not 0 <= self.edit_rate <= 1:
            raise ValueError("arrival_rate must be >= 0 and edit_rate in [0, 1]")
        if self.articles_per_outlet < 0 or self.feed_items < 1:
            raise ValueError("articles_per_outlet must be >= 0 and feed_items >= 1")

    def behaviour_list(self) -> list[OutletBehaviour]:
        """The resolved behaviour of every outlet."""
        return assign_behaviours(self.outlets, self.behaviours, self.seed, self.default_behaviour)
