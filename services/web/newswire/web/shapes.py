"""What the pages, feeds and API show: views shaped from the documents Elasticsearch returns.

Everything read from Elasticsearch is treated as untrusted: the text came from outlets' pages,
and a document may lack a field or carry an odd type. Documents are read field by field with
tolerant getters, so a strange document shows as a gap, never as an error page; URLs are kept
only when they are plain http(s); the stored diff HTML is parsed, not trusted
(`newswire.web.diffs`). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newswire.web.diffs import DiffView, parse_diff_html, to_html
from newswire.web.logic import (
    CONTROL,
    MARK_END,
    MARK_START,
    Found,
    Limits,
    NotFound,
    OutletFound,
    Paging,
    RevisionFilter,
    SearchQuery,
    iso,
)


# -- tolerant readers of untrusted documents ---------------------------------------------------------


def _str(doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text if text.strip() else None


def _int(doc: Mapping[str, Any], key: str) -> int | None:
    value = doc.get(key)
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError, OverflowError):
        return None


def _float(doc: Mapping[str, Any], key: str) -> float | None:
    value = doc.get(key)
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _strs(doc: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key)
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if v is not None and not isinstance(v, (dict, list)))


def _ints(doc: Mapping[str, Any], key: str) -> tuple[int, ...]:
    value = doc.get(key)
    values = value if isinstance(value, list) else [value] if value is not None else []
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError, OverflowError):
            continue
    return tuple(out)


def _time(doc: Mapping[str, Any], key: str) -> datetime | None:
    value = doc.get(key)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            return None
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def safe_url(value: Any) -> str | None:
    """A URL fit for an `href`: absolute http(s) with a host and no whitespace or control
    characters; anything else (`javascript:`, `data:`, relative) is dropped."""
    if not isinstance(value, str) or len(value) > 4096 or CONTROL.search(value) or re.search(r"\s", value):
        return None
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


# -- views ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityView:
    """A named entity of an article."""

    name: str
    type: str
    salience: float | None = None


@dataclass(frozen=True)
class ArticleView:
    """An article's metadata (its latest version), and its text when it was read."""

    article_id: str
    title: str
    outlet: str | None = None
    host: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    first_seen: datetime | None = None
    last_changed: datetime | None = None
    language: str | None = None
    section: str | None = None
    description: str | None = None
    story_id: str | None = None
    version: int | None = None
    revision_count: int = 0
    word_count: int | None = None
    duplicate_of: str | None = None
    entities: tuple[EntityView, ...] = ()
    paragraphs: tuple[str, ...] = ()
    fragments: tuple[tuple[tuple[str, bool], ...], ...] = ()
    """Search highlights: fragments of (text, matched) runs."""

    @property
    def source(self) -> str:
        """Who published it: the outlet's name, else its host."""
        return self.outlet or self.host or "unknown outlet"

    @property
    def when(self) -> datetime | None:
        """When it came out: published, else first seen."""
        return self.published or self.first_seen


@dataclass(frozen=True)
class StatsView:
    """How much a revision changed."""

    words_added: int = 0
    words_removed: int = 0
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0
    similarity: float | None = None
    minutes_since_first_seen: float | None = None
    minutes_since_previous: float | None = None


@dataclass(frozen=True)
class RevisionView:
    """One revision: what kind of change, how much, and (when read) its safe diff."""

    revision_id: str
    article_id: str
    version: int
    previous_version: int | None
    title: str
    title_old: str | None
    title_new: str | None
    outlet: str | None
    host: str | None
    url: str | None
    kinds: tuple[str, ...]
    stats: StatsView
    changed_paragraphs: tuple[int, ...]
    detected_at: datetime | None
    first_seen: datetime | None
    status: str | None = None
    redirected_to: str | None = None
    revert_of: int | None = None
    corrections: tuple[str, ...] = ()
    diff: DiffView | None = None
    diff_unified: str | None = None

    @property
    def title_changed(self) -> bool:
        """Whether the headline changed in this revision."""
        return bool(self.title_old and self.title_new and self.title_old != self.title_new)

    @property
    def source(self) -> str:
        """The outlet's name, else its host."""
        return self.outlet or self.host or "unknown outlet"

    @property
    def paragraph_numbers(self) -> tuple[int, ...]:
        """Changed paragraphs, numbered from 1 as a reader counts."""
        return tuple(i + 1 for i in self.changed_paragraphs)


@dataclass(frozen=True)
class VersionView:
    """One version of an article and when it was seen."""

    version: int
    at: datetime | None
    revision_id: str | None = None
    kinds: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class ArticlePage:
    """The article page: metadata, versions, and every revision with its diff (oldest first)."""

    article: ArticleView
    versions: tuple[VersionView, ...]
    revisions: tuple[RevisionView, ...]
    revisions_total: int = 0

    @property
    def revisions_cut(self) -> bool:
        """Whether only the latest revisions are shown."""
        return self.revisions_total > len(self.revisions)


@dataclass(frozen=True)
class RevisionsPage:
    """A page of revisions with counts by kind and outlet."""

    revisions: tuple[RevisionView, ...]
    total: int
    page: int
    per_page: int
    pages: int
    kinds: tuple[tuple[str, int], ...]
    outlets: tuple[tuple[str, int], ...]
    filter: RevisionFilter


@dataclass(frozen=True)
class StoryView:
    """A story's own document."""

    story_id: str
    title: str
    size: int | None
    outlets: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    top_entities: tuple[str, ...]
    merged_into: str | None
    merged_from: tuple[str, ...]
    updated_at: datetime | None


@dataclass(frozen=True)
class StoryPage:
    """A story and every report of it, in time order."""

    story: StoryView
    reports: tuple[ArticleView, ...]
    reports_total: int

    @property
    def reports_cut(self) -> bool:
        """Whether only the first reports are listed."""
        return self.reports_total > len(self.reports)


@dataclass(frozen=True)
class FeedView:
    """A feed of an outlet and its health at the latest poll."""

    feed_id: str
    url: str | None
    feed_url: str
    host: str | None
    health: str
    status_code: int | None
    error_class: str | None
    error_message: str | None
    consecutive_failures: int
    polled_at: datetime | None
    next_poll_at: datetime | None
    items_total: int | None
    disabled_reason: str | None


@dataclass(frozen=True)
class OutletPage:
    """An outlet: its feeds, recent articles, and how often it edits."""

    key: str
    names: tuple[str, ...]
    hosts: tuple[str, ...]
    feeds: tuple[FeedView, ...]
    articles_total: int
    articles_revised: int
    revisions_total: int
    revisions_7d: int
    revisions_30d: int
    kinds: tuple[tuple[str, int], ...]
    recent: tuple[ArticleView, ...]
    most_edited: tuple[ArticleView, ...]
    recent_revisions: tuple[RevisionView, ...]

    @property
    def edit_share(self) -> float | None:
        """The share of its articles edited at least once."""
        return self.articles_revised / self.articles_total if self.articles_total else None

    @property
    def revisions_per_article(self) -> float | None:
        """Revisions per article."""
        return self.revisions_total / self.articles_total if self.articles_total else None


@dataclass(frozen=True)
class SearchPage:
    """A page of search results."""

    query: SearchQuery | None
    results: tuple[ArticleView, ...]
    total: int
    page: int
    per_page: int
    pages: int


def article_view(doc: Mapping[str, Any], *, with_text: bool = False) -> ArticleView:
    """An article document as a view (tolerant of odd documents)."""
    entities: list[EntityView] = []
    raw_entities = doc.get("entities")
    for e in raw_entities if isinstance(raw_entities, list) else ():
        if isinstance(e, dict) and _str(e, "name"):
            entities.append(EntityView(str(_str(e, "name")), _str(e, "type") or "other", _float(e, "salience")))
    text = _str(doc, "text") if with_text else None
    return ArticleView(
        article_id=_str(doc, "article_id") or "",
        title=_str(doc, "title") or "(untitled)",
        outlet=_str(doc, "outlet"),
        host=_str(doc, "host"),
        url=safe_url(doc.get("canonical_url")) or safe_url(doc.get("url")),
        authors=_strs(doc, "authors"),
        published=_time(doc, "published"),
        modified=_time(doc, "modified"),
        first_seen=_time(doc, "first_seen"),
        last_changed=_time(doc, "last_changed"),
        language=_str(doc, "language"),
        section=_str(doc, "section"),
        description=_str(doc, "description"),
        story_id=_str(doc, "story_id"),
        version=_int(doc, "version"),
        revision_count=_int(doc, "revision_count") or 0,
        word_count=_int(doc, "word_count"),
        duplicate_of=_str(doc, "duplicate_of"),
        entities=tuple(entities),
        paragraphs=tuple(p for p in (text or "").split("\n\n") if p.strip()),
        fragments=_fragments(doc.get("_highlight")),
    )


def _fragments(highlight: Any) -> tuple[tuple[tuple[str, bool], ...], ...]:
    """Highlighted fragments (title first) as runs of (text, matched)."""
    if not isinstance(highlight, dict):
        return ()
    out: list[tuple[tuple[str, bool], ...]] = []
    for name in ("title", "text"):
        for fragment in highlight.get(name) or ():
            if isinstance(fragment, str):
                out.append(split_marks(fragment))
    return tuple(out)


def split_marks(fragment: str) -> tuple[tuple[str, bool], ...]:
    """A highlighted fragment as runs of (text, matched), split on the private-use markers."""
    runs: list[tuple[str, bool]] = []
    for i, part in enumerate(fragment.split(MARK_START)):
        if i == 0:
            if part:
                runs.append((part.replace(MARK_END, ""), False))
            continue
        marked, _, rest = part.partition(MARK_END)
        if marked:
            runs.append((marked.replace(MARK_END, ""), True))
        if rest:
            runs.append((rest.replace(MARK_END, ""), False))
    return tuple(runs)


def revision_view(doc: Mapping[str, Any], *, with_diff: bool = False) -> RevisionView:
    """A revision document as a view; with its stored diff parsed when asked."""
    raw_stats = doc.get("stats")
    stats: Mapping[str, Any] = raw_stats if isinstance(raw_stats, dict) else {}
    diff_html = doc.get("diff_html")
    diff_unified = doc.get("diff_unified")
    title_old, title_new = _str(doc, "title_old"), _str(doc, "title_new")
    version = _int(doc, "version") or 0
    article = _str(doc, "article_id") or ""
    return RevisionView(
        revision_id=_str(doc, "revision_id") or f"{article}-v{version}",
        article_id=article,
        version=version,
        previous_version=_int(doc, "previous_version"),
        title=title_new or title_old or "(untitled)",
        title_old=title_old,
        title_new=title_new,
        outlet=_str(doc, "outlet"),
        host=_str(doc, "host"),
        url=safe_url(doc.get("canonical_url")),
        kinds=_strs(doc, "kinds"),
        stats=StatsView(
            words_added=_int(stats, "words_added") or 0,
            words_removed=_int(stats, "words_removed") or 0,
            paragraphs_added=_int(stats, "paragraphs_added") or 0,
            paragraphs_removed=_int(stats, "paragraphs_removed") or 0,
            paragraphs_changed=_int(stats, "paragraphs_changed") or 0,
            similarity=_float(stats, "similarity"),
            minutes_since_first_seen=_float(stats, "minutes_since_first_seen"),
            minutes_since_previous=_float(stats, "minutes_since_previous"),
        ),
        changed_paragraphs=_ints(doc, "changed_paragraphs"),
        detected_at=_time(doc, "detected_at"),
        first_seen=_time(doc, "first_seen"),
        status=_str(doc, "status"),
        redirected_to=safe_url(doc.get("redirected_to")),
        revert_of=_int(doc, "revert_of"),
        corrections=_strs(doc, "corrections"),
        diff=parse_diff_html(diff_html) if with_diff and isinstance(diff_html, str) else None,
        diff_unified=diff_unified if with_diff and isinstance(diff_unified, str) else None,
    )


def article_page(article_id: str, doc: Mapping[str, Any] | None, revisions: Found) -> ArticlePage:
    """The article page from its document (None: not indexed yet) and its revisions (newest
    first, as queried); NotFound when there is neither."""
    views = sorted((revision_view(d, with_diff=True) for d in revisions.hits), key=lambda r: r.version)
    if doc is None and not views:
        raise NotFound(f"no article {article_id}")
    if doc is not None:
        article = article_view(doc, with_text=True)
    else:  # revisions before the enriched article reached the index: what they say
        latest = views[-1]
        article = ArticleView(
            article_id=article_id, title=latest.title, outlet=latest.outlet, host=latest.host, url=latest.url,
            first_seen=latest.first_seen, last_changed=latest.detected_at, version=latest.version,
            revision_count=len(views),
        )
    versions: dict[int, VersionView] = {}
    first_seen = article.first_seen or (views[0].first_seen if views else None)
    first_title = views[0].title_old if views else article.title
    if not views or views[0].previous_version == 1 or revisions.total <= len(views):
        versions[1] = VersionView(1, first_seen, title=first_title)
    for r in views:
        versions[r.version] = VersionView(r.version, r.detected_at, r.revision_id, r.kinds, r.title_new)
    if article.version and article.version not in versions:
        versions[article.version] = VersionView(article.version, article.last_changed, title=article.title)
    return ArticlePage(article, tuple(versions[v] for v in sorted(versions)), tuple(views), revisions.total)


def revisions_page(result: Found, flt: RevisionFilter, paging: Paging, limits: Limits) -> RevisionsPage:
    """A page of revisions with its counts."""
    return RevisionsPage(
        revisions=tuple(revision_view(d, with_diff=bool(d.get("diff_html"))) for d in result.hits),
        total=result.total,
        page=paging.page,
        per_page=paging.per_page,
        pages=paging.pages(result.total, limits),
        kinds=result.facets.get("kinds", ()),
        outlets=result.facets.get("outlets", ()),
        filter=flt,
    )


def story_view(doc: Mapping[str, Any]) -> StoryView:
    """A story document as a view."""
    return StoryView(
        story_id=_str(doc, "story_id") or "",
        title=_str(doc, "title") or "(untitled story)",
        size=_int(doc, "size"),
        outlets=_strs(doc, "outlets"),
        first_seen=_time(doc, "first_seen"),
        last_seen=_time(doc, "last_seen"),
        top_entities=_strs(doc, "top_entities"),
        merged_into=_str(doc, "merged_into"),
        merged_from=_strs(doc, "merged_from"),
        updated_at=_time(doc, "updated_at"),
    )


def story_ids(story: StoryView) -> list[str]:
    """The story and the stories merged into it: their articles are its reports."""
    return [story.story_id, *[s for s in story.merged_from if s != story.story_id]]


def story_page(doc: Mapping[str, Any] | None, articles: Found, story_id: str) -> StoryPage:
    """A story with its reports in time order (published, else first seen)."""
    if doc is None:
        raise NotFound(f"no story {story_id}")
    far = datetime.max.replace(tzinfo=UTC)
    reports = sorted((article_view(d) for d in articles.hits), key=lambda a: (a.when or far, a.article_id))
    return StoryPage(story_view(doc), tuple(reports), articles.total)


def feed_view(doc: Mapping[str, Any]) -> FeedView:
    """A feed's latest status, with a one-word health."""
    disabled = doc.get("disabled") is True
    failures = _int(doc, "consecutive_failures") or 0
    error = _str(doc, "error_class")
    health = "disabled" if disabled else "failing" if error or failures else "ok"
    feed_url = _str(doc, "feed_url") or ""
    return FeedView(
        feed_id=_str(doc, "feed_id") or "",
        url=safe_url(feed_url),
        feed_url=feed_url,
        host=_str(doc, "host"),
        health=health,
        status_code=_int(doc, "status_code"),
        error_class=error,
        error_message=(_str(doc, "error_message") or "")[:300] or None,
        consecutive_failures=failures,
        polled_at=_time(doc, "polled_at"),
        next_poll_at=_time(doc, "next_poll_at"),
        items_total=_int(doc, "items_total"),
        disabled_reason=_str(doc, "disabled_reason"),
    )


def outlet_page(result: OutletFound) -> OutletPage:
    """An outlet page; NotFound when nothing at all is known of it."""
    articles, revisions, feeds = result.articles, result.revisions, result.feeds
    if not articles.total and not revisions.total and not feeds.hits:
        raise NotFound(f"no outlet {result.key!r}: no article, revision or feed of that name or host")
    return OutletPage(
        key=result.key,
        names=tuple(n for n, _ in articles.facets.get("names", ())),
        hosts=tuple(h for h, _ in articles.facets.get("hosts", ())),
        feeds=tuple(feed_view(d) for d in feeds.hits),
        articles_total=articles.total,
        articles_revised=articles.counts.get("revised", 0),
        revisions_total=revisions.total,
        revisions_7d=revisions.counts.get("last_7d", 0),
        revisions_30d=revisions.counts.get("last_30d", 0),
        kinds=revisions.facets.get("kinds", ()),
        recent=tuple(article_view(d) for d in articles.hits),
        most_edited=tuple(article_view(d) for d in articles.tops.get("most_edited", ())),
        recent_revisions=tuple(revision_view(d) for d in revisions.hits),
    )


def search_page(query: SearchQuery | None, result: Found, paging: Paging, limits: Limits) -> SearchPage:
    """A page of search results."""
    return SearchPage(
        query=query,
        results=tuple(article_view(d) for d in result.hits),
        total=result.total,
        page=paging.page,
        per_page=paging.per_page,
        pages=paging.pages(result.total, limits),
    )


def jsonable(value: Any) -> Any:
    """A view as plain JSON data: dataclasses as objects, instants as ISO 8601, diffs as safe HTML."""
    if isinstance(value, DiffView):
        return {"html": to_html(value), "truncated": value.truncated}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value
