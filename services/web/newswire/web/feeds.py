"""Atom and RSS 2.0 feeds of revisions: entries built from revision views, documents written by
feedgen (lxml underneath, so every text is escaped as XML). Pure: no I/O.

Text from outlets' pages may hold characters XML 1.0 cannot carry (NUL, most C0 controls, lone
surrogates, U+FFFE/U+FFFF); they are removed before they reach the document, which otherwise would
not be well-formed. The entry content is the revision's diff as HTML rebuilt from the parsed
diff (`newswire.web.diffs.to_html`: only `p`, `ins`, `del`, `br`), so a feed reader that renders
it shows marked words and never markup from the page.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from newswire.web.diffs import to_html
from newswire.web.logic import KIND_LABELS, when_text
from newswire.web.shapes import RevisionView

#: What XML 1.0 cannot carry.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def xml_text(value: str) -> str:
    """A string without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


@dataclass(frozen=True)
class FeedEntry:
    """One entry (Atom) / item (RSS): a revision."""

    id: str
    title: str
    link: str
    updated: datetime
    summary: str
    content_html: str
    categories: tuple[str, ...]
    author: str


@dataclass(frozen=True)
class FeedMeta:
    """The feed itself: id, title, the page it mirrors and its own address."""

    id: str
    title: str
    subtitle: str
    page: str
    self_url: str


def kind_labels(kinds: Sequence[str]) -> str:
    """Kinds as words: `title, lede`."""
    return ", ".join(KIND_LABELS.get(k, k) for k in kinds) or "edit"


def revision_summary(revision: RevisionView) -> str:
    """One line saying what changed: kinds, words, paragraphs."""
    s = revision.stats
    parts = [f"{revision.source} edited this article (version {revision.version}): {kind_labels(revision.kinds)}"]
    parts.append(f"+{s.words_added} / -{s.words_removed} words")
    if revision.paragraph_numbers:
        numbers = ", ".join(str(n) for n in revision.paragraph_numbers[:20])
        parts.append(f"paragraphs changed: {numbers}")
    if revision.title_changed:
        parts.append(f"headline was: {revision.title_old}")
    parts.append(f"detected {when_text(revision.detected_at)}")
    return "; ".join(parts) + "."


def revision_entry(revision: RevisionView, base_url: str) -> FeedEntry:
    """The feed entry of a revision, linking to the article page at that version."""
    link = f"{base_url.rstrip('/')}/articles/{revision.article_id}#v{revision.version}"
    header = f"<p>{_escape(revision_summary(revision))}</p>"
    body = to_html(revision.diff) if revision.diff is not None else ""
    return FeedEntry(
        id=f"urn:newswire:revision:{urllib.parse.quote(revision.revision_id, safe='-._')}",
        title=f"{revision.title} [{kind_labels(revision.kinds)}]",
        link=link,
        updated=revision.detected_at or EPOCH,
        summary=revision_summary(revision),
        content_html=header + ("\n" + body if body else ""),
        categories=revision.kinds,
        author=revision.source,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def feed_id(kind: str, value: str = "") -> str:
    """A stable feed id: `urn:newswire:feed:<kind>[:<value>]` (value percent-encoded)."""
    suffix = f":{urllib.parse.quote(value, safe='')}" if value else ""
    return f"urn:newswire:feed:{kind}{suffix}"


def _generator(meta: FeedMeta, entries: Sequence[FeedEntry], self_type: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(xml_text(meta.id))
    fg.title(xml_text(meta.title))
    fg.subtitle(xml_text(meta.subtitle))
    fg.description(xml_text(meta.subtitle))
    fg.author({"name": "newswire"})
    fg.link(href=xml_text(meta.page), rel="alternate", type="text/html")
    fg.link(href=xml_text(meta.self_url), rel="self", type=self_type)
    fg.generator("newswire")
    fg.updated(max((e.updated for e in entries), default=EPOCH))
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(xml_text(entry.id))
        fe.guid(xml_text(entry.id), permalink=False)
        fe.title(xml_text(entry.title))
        fe.link(href=xml_text(entry.link), rel="alternate", type="text/html")
        fe.updated(entry.updated)
        fe.published(entry.updated)
        fe.author({"name": xml_text(entry.author)})
        fe.summary(xml_text(entry.summary))
        fe.content(xml_text(entry.content_html), type="html")
        for category in entry.categories:
            fe.category(term=xml_text(category), label=xml_text(KIND_LABELS.get(category, category)))
    return fg


def atom(meta: FeedMeta, entries: Sequence[FeedEntry]) -> bytes:
    """An Atom 1.0 document."""
    data: bytes = _generator(meta, entries, "application/atom+xml").atom_str(pretty=False)
    return data


def rss(meta: FeedMeta, entries: Sequence[FeedEntry]) -> bytes:
    """An RSS 2.0 document."""
    data: bytes = _generator(meta, entries, "application/rss+xml").rss_str(pretty=False)
    return data
