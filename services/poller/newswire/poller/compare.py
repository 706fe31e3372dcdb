"""Feed parsing measured against its anchor: plain `feedparser.parse` on the same bytes. Every
document from which feedparser recovers items must give items in newswire too
(`newswire feeds parse --compare-feedparser DIR`, and the fault corpus test). Pure (no I/O)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import feedparser

from newswire.contracts.feeds import FeedErrorClass, FeedWarningClass
from newswire.poller.parsing import entry_link, parse_feed



@dataclass(frozen=True)
class Comparison:
    """One document read both ways: plain `feedparser.parse` and `parse_feed`.

    Items are counted by what an ingestion system can use: entries with an http(s) link (or
    GUID URL), on both sides. An entry without one cannot become an article either way.
    """

    name: str
    group: str
    """The first directory of `name` (a fault class in the fixture corpus), '' if none."""
    feedparser_items: int
    """Entries plain feedparser yields with a usable link; -1 when feedparser itself raised."""
    newswire_items: int
    """Items `parse_feed` yields with a link."""
    warnings: tuple[FeedWarningClass, ...] = ()
    error_class: FeedErrorClass | None = None
    error_message: str | None = None

    @property
    def missed(self) -> bool:
        """feedparser recovers items and newswire none: the silent data loss to rule out."""
        return self.feedparser_items > 0 and self.newswire_items == 0

    @property
    def fewer(self) -> bool:
        """newswire keeps some items but fewer than feedparser (e.g. a cut last item dropped)."""
        return 0 < self.newswire_items < self.feedparser_items


@dataclass
class Tally:
    """Counts over a set of comparisons (one fault class, or all)."""

    documents: int = 0
    feedparser_documents: int = 0
    """Documents from which feedparser recovers at least one item."""
    newswire_documents: int = 0
    """Documents from which newswire recovers at least one item."""
    feedparser_items: int = 0
    newswire_items: int = 0
    missed: int = 0
    fewer: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    """newswire's error classes."""
    warnings: Counter[str] = field(default_factory=Counter)
    """newswire's warning classes (a document counts once per class)."""


def compare_with_feedparser(
    documents: Iterable[tuple[str, bytes]],
    base_url: str = "http://localhost/feed",
    content_type: str | None = None,
) -> list[Comparison]:
    """Parse every (name, body) both with plain `feedparser.parse` and with `parse_feed`: the
    anchor of 'never refuse a feed that a lenient reader can read'. Pure (no I/O)."""
    out: list[Comparison] = []
    for name, body in documents:
        headers = {"content-type": content_type} if content_type else {}
        try:
            plain = feedparser.parse(io.BytesIO(body), response_headers=headers)
            theirs = sum(1 for e in plain.get("entries") or [] if entry_link(e, base_url) is not None)
        except Exception:  # feedparser 6.0.14 raises on a few ill-formed documents
            theirs = -1
        ours = parse_feed(body, base_url, content_type=content_type)
        out.append(
            Comparison(
                name=name,
                group=name.split("/", 1)[0] if "/" in name else "",
                feedparser_items=theirs,
                newswire_items=sum(1 for item in ours.items if item.link),
                warnings=ours.warnings,
                error_class=ours.error_class,
                error_message=ours.error_message,
            )
        )
    return out


def tally(comparisons: Iterable[Comparison]) -> dict[str, Tally]:
    """Counts per group, and over everything under the key '*'."""
    groups: dict[str, Tally] = {}
    for c in comparisons:
        for key in (c.group, "*"):
            t = groups.setdefault(key, Tally())
            t.documents += 1
            t.feedparser_documents += c.feedparser_items > 0
            t.newswire_documents += c.newswire_items > 0
            t.feedparser_items += max(c.feedparser_items, 0)
            t.newswire_items += c.newswire_items
            t.missed += c.missed
            t.fewer += c.fewer
            if c.error_class:
                t.refused[c.error_class] += 1
            t.warnings.update(c.warnings)
    return groups
