"""Feed lists: OPML (import and export) or one URL a line. Pure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from newswire.contracts.feeds import FeedKind
from newswire.poller.parsing import http_url


@dataclass(frozen=True)
class FeedEntry:
    """A feed named by a feed list."""

    url: str
    title: str | None = None
    outlet: str | None = None
    min_interval_s: int | None = None
    """The feed's own bounds of its poll interval (`FeedConfig.min_interval_s` / `max_interval_s`)."""
    max_interval_s: int | None = None
    kind: FeedKind | None = None
    """'feed' or 'sitemap' when known (`newswire feeds discover --add`); None: sniffed."""


def parse_feed_list(text: str) -> list[FeedEntry]:
    """Feeds of an OPML document (every outline with an xmlUrl) or of a plain text list (one URL
    per line; blank lines and '#' comments ignored). Duplicates and non-http(s) URLs dropped.
    An OPML file with a DOCTYPE or entity declarations is refused (no entity expansion)."""
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
                outlet = outline.get("outlet")
                entries.append(
                    FeedEntry(url.strip(), title.strip() if title else None, outlet or None)
                )
    else:
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(FeedEntry(line.split()[0]))
    out: list[FeedEntry] = []
    urls: set[str] = set()
    for entry in entries:
        if http_url(entry.url, entry.url) is None or entry.url in urls:
            continue
        urls.add(entry.url)
        out.append(entry)
    return out


def render_opml(entries: Sequence[FeedEntry], title: str = "newswire feeds") -> str:
    """An OPML 2.0 document listing `entries` (readable back by `parse_feed_list`)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for entry in entries:
        attrs = {"type": "rss", "text": entry.title or entry.url, "xmlUrl": entry.url}
        if entry.title:
            attrs["title"] = entry.title
        if entry.outlet:
            attrs["outlet"] = entry.outlet
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
