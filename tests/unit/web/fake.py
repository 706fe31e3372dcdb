"""Sample documents and an in-memory `Reader` for the web service's unit tests.

Documents are the sink's own (`newswire.sink.documents`: article, revision, story and feed
documents), made from contract messages and passed through JSON as Elasticsearch would return
them; revisions carry real diffs built by the tracker's `diff_versions`. `FakeReader` answers
the `Reader` Protocol by filtering them in Python, and records what it was asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from newswire.contracts import EnrichedArticle, FeedStatus, RevisionEvent, RevisionStats, StoryUpdate
from newswire.contracts.ids import article_id, feed_id, revision_id
from newswire.sink.documents import article_doc, feed_doc, revision_doc, story_doc
from newswire.tracker.diff import diff_versions
from newswire.web.logic import (
    Doc,
    Found,
    OutletFound,
    Paging,
    RevisionFilter,
    SearchQuery,
    Unavailable,
    outlet_scope,
)
from tests.factories import T0, enriched_article, feed_status, story_update

STORY = "s-" + "a" * 24
#: Markup a sanitised diff may contain, and nothing else.
ALLOWED = re.compile(r"</?(p|ins|del|br)( class=\"(changed|added|removed)\")?>")
PARAGRAPHS = (
    "Talks between the United States and Russia on a ceasefire in Syria ended without a deal on Thursday.",
    "The two sides met in Geneva for more than twelve hours.",
    "Officials said the gaps that remained were technical.",
    "A further round is expected next week.",
)


def only_allowed_markup(html: str) -> bool:
    """Every `<` in the HTML opens an allowed tag (text `<` is escaped as `&lt;`)."""
    return all(ALLOWED.match(html, m.start()) for m in re.finditer("<", html))


def as_stored(doc: dict[str, Any]) -> Doc:
    """A document as Elasticsearch returns it (JSON: instants as ISO strings)."""
    loaded: Doc = orjson.loads(orjson.dumps(doc))
    return loaded


def article_message(
    url: str,
    *,
    title: str = "Syria talks end without a deal",
    outlet: str = "Example",
    host: str = "www.example.com",
    paragraphs: Sequence[str] = PARAGRAPHS,
    version: int = 1,
    story: str | None = STORY,
    first_seen: datetime = T0,
    authors: tuple[str, ...] = ("Jane Doe",),
) -> EnrichedArticle:
    """An enriched article at `url` (the factory's, with these fields)."""
    base = enriched_article()
    aid = article_id(url)
    body = {
        **base.article.model_dump(), "article_id": aid, "canonical_url": url, "url": url, "host": host,
        "outlet": outlet, "title": title, "paragraphs": tuple(paragraphs), "text": "\n\n".join(paragraphs),
        "authors": authors, "published": first_seen,
    }
    return EnrichedArticle.model_validate(
        {
            **base.model_dump(), "article_id": aid, "version": version, "revision_id": revision_id(aid, version),
            "article": body, "first_seen": first_seen, "last_changed": first_seen + timedelta(minutes=10 * (version - 1)),
            "story_id": story,
        }
    )


def revision_message(
    url: str,
    old: Sequence[str],
    new: Sequence[str],
    version: int,
    *,
    title_old: str = "Syria talks end without a deal",
    title_new: str | None = None,
    outlet: str = "Example",
    host: str = "www.example.com",
    first_seen: datetime = T0,
    detected_at: datetime | None = None,
    kinds: tuple[str, ...] | None = None,
) -> RevisionEvent:
    """A revision from version-1 to `version`, with the tracker's own diff of the two texts."""
    aid = article_id(url)
    title_new = title_new or title_old
    diff = diff_versions(title_old, list(old), title_new, list(new), old_label=f"v{version - 1}", new_label=f"v{version}")
    detected = detected_at or first_seen + timedelta(minutes=10 * (version - 1))
    if kinds is None:
        kinds = tuple(
            k for k, on in (
                ("title_changed", diff.title_changed), ("lede_changed", diff.lede_changed),
                ("body_edited", diff.paragraphs_changed > 0), ("paragraphs_added", diff.paragraphs_added > 0),
                ("paragraphs_removed", diff.paragraphs_removed > 0),
            ) if on
        ) or ("body_edited",)
    return RevisionEvent(
        revision_id=revision_id(aid, version), article_id=aid, version=version, previous_version=version - 1,
        canonical_url=url, host=host, outlet=outlet, kinds=kinds,  # type: ignore[arg-type]
        title_old=title_old, title_new=title_new,
        stats=RevisionStats(
            words_added=diff.words_added, words_removed=diff.words_removed, paragraphs_added=diff.paragraphs_added,
            paragraphs_removed=diff.paragraphs_removed, paragraphs_changed=diff.paragraphs_changed,
            similarity=diff.similarity, minutes_since_first_seen=(detected - first_seen).total_seconds() / 60,
            minutes_since_previous=10,
        ),
        changes=diff.changes, diff_unified=diff.unified, diff_html=diff.html,
        first_seen=first_seen, previous_observed_at=detected - timedelta(minutes=10), detected_at=detected,
    )


def story_message(story: str = STORY, outlets: tuple[str, ...] = ("Example", "Other"), title: str = "Syria talks") -> StoryUpdate:
    """A story update."""
    return story_update().model_copy(update={"story_id": story, "outlets": outlets, "title": title, "size": len(outlets)})


def feed_message(url: str = "https://www.example.com/world/rss", **update: Any) -> FeedStatus:
    """A feed status of `url`."""
    return feed_status().model_copy(update={"feed_id": feed_id(url), "feed_url": url, **update})


EDITED = (
    PARAGRAPHS[0],
    "The two sides met in Geneva for more than fourteen hours, officials said.",
    PARAGRAPHS[2],
    PARAGRAPHS[3],
    "A correction was appended.",
)
URL = "https://www.example.com/world/2016/sep/08/syria-talks"
OTHER_PARAGRAPHS = ("Diplomats gathered in Geneva on Thursday.", "No agreement was reached after the meeting.")
OTHER_URL = "https://other.example.org/news/syria"


def sample_docs() -> dict[str, list[Doc]]:
    """A small archive: two articles in one story (one edited twice), a feed, a story."""
    first = article_message(URL, version=3)
    other = article_message(OTHER_URL, title="Ceasefire talks in Geneva", outlet="Other", host="other.example.org",
                            first_seen=T0 + timedelta(minutes=5), authors=("Sam Roe",), paragraphs=OTHER_PARAGRAPHS)
    r2 = revision_message(URL, PARAGRAPHS, EDITED, 2)
    third = (*EDITED[:4], EDITED[4], "Officials will meet again in Vienna.")
    r3 = revision_message(URL, EDITED, third, 3, title_new="Syria talks end without a deal, again")
    return {
        "articles": [as_stored(article_doc(first)), as_stored(article_doc(other))],
        "revisions": [as_stored(revision_doc(r2)), as_stored(revision_doc(r3))],
        "stories": [as_stored(story_doc(story_message()))],
        "feeds": [as_stored(feed_doc(feed_message()))],
    }


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _outlet_match(doc: Doc, key: str) -> bool:
    host = key.lower()
    hosts = {host, host.removeprefix("www."), "www." + host.removeprefix("www.")}
    return doc.get("outlet") == key or doc.get("host") in hosts


def _facet(docs: Sequence[Doc], name: str) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for d in docs:
        values = d.get(name)
        for v in values if isinstance(values, list) else [values]:
            if v is not None:
                counts[str(v)] = counts.get(str(v), 0) + 1
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class FakeReader:
    """The `Reader` Protocol over documents in memory."""

    docs: dict[str, list[Doc]] = field(default_factory=sample_docs)
    status: str = "green"
    fail: BaseException | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def _check(self, name: str, args: Any) -> None:
        self.calls.append((name, args))
        if self.fail is not None:
            raise self.fail

    async def health(self) -> str:
        if self.fail is not None:
            raise Unavailable("down") from self.fail
        return self.status

    async def article(self, article_id: str) -> Doc | None:
        self._check("article", article_id)
        return next((d for d in self.docs["articles"] if d.get("article_id") == article_id), None)

    async def article_revisions(self, article_id: str, limit: int) -> Found:
        self._check("article_revisions", (article_id, limit))
        hits = sorted((d for d in self.docs["revisions"] if d.get("article_id") == article_id),
                      key=lambda d: -int(d["version"]))
        return Found(tuple(hits[:limit]), len(hits))

    async def revisions(
        self, flt: RevisionFilter, paging: Paging, *, with_diff: bool = False, facets: bool = True
    ) -> Found:
        self._check("revisions", (flt, paging, with_diff))
        hits = [
            d for d in self.docs["revisions"]
            if (not flt.outlet or _outlet_match(d, flt.outlet))
            and (not flt.kind or flt.kind in d.get("kinds", ()))
            and (not flt.since or _time(d["detected_at"]) >= flt.since)
            and (not flt.until or _time(d["detected_at"]) < flt.until)
            and (not flt.article_ids or d.get("article_id") in flt.article_ids)
        ]
        hits.sort(key=lambda d: (str(d["detected_at"]), str(d["revision_id"])), reverse=True)
        page = [
            {k: v for k, v in d.items() if k != "diff_unified" and (with_diff or k != "diff_html")}
            for d in hits[paging.offset:paging.offset + paging.per_page]
        ]
        found_facets = {"kinds": _facet(hits, "kinds"), "outlets": _facet(hits, "outlet")} if facets else {}
        return Found(tuple(page), len(hits), found_facets)

    async def story(self, story_id: str) -> Doc | None:
        self._check("story", story_id)
        return next((d for d in self.docs["stories"] if d.get("story_id") == story_id), None)

    async def story_articles(self, story_ids: Sequence[str], limit: int) -> Found:
        self._check("story_articles", (tuple(story_ids), limit))
        hits = sorted((d for d in self.docs["articles"] if d.get("story_id") in story_ids),
                      key=lambda d: str(d.get("first_seen")))
        return Found(tuple(hits[:limit]), len(hits))

    async def outlet(self, key: str, recent: int, now: datetime) -> OutletFound:
        self._check("outlet", key)
        articles = [d for d in self.docs["articles"] if _outlet_match(d, key)]
        revised = [d for d in articles if int(d.get("revision_count") or 0) >= 1]
        found_articles = Found(
            tuple(sorted(articles, key=lambda d: str(d.get("first_seen")), reverse=True)[:recent]), len(articles),
            {"names": _facet(articles, "outlet"), "hosts": _facet(articles, "host"), "feeds": _facet(articles, "feed_id")},
            {"revised": len(revised), "revisions": sum(int(d.get("revision_count") or 0) for d in articles)},
            {"most_edited": tuple(sorted(revised, key=lambda d: -int(d["revision_count"]))[:5])},
        )
        scope = outlet_scope(key, found_articles)
        revisions = [d for d in self.docs["revisions"] if d.get("outlet") in scope.names or d.get("host") in scope.hosts]
        feeds = [d for d in self.docs["feeds"] if d.get("host") in scope.hosts or d.get("feed_id") in scope.feed_ids]
        return OutletFound(
            key, found_articles,
            Found(tuple(revisions[:10]), len(revisions), {"kinds": _facet(revisions, "kinds")},
                  {"last_7d": 0, "last_30d": 0}),
            Found(tuple(feeds), len(feeds)),
        )

    async def search(self, query: SearchQuery, paging: Paging) -> Found:
        self._check("search", (query, paging))
        words = [w.lower() for w in query.q.split() if w.isalnum()]
        hits = []
        for d in self.docs["articles"]:
            text = f"{d.get('title')} {d.get('text')}".lower()
            if words and all(w in text for w in words) and (not query.outlet or _outlet_match(d, query.outlet)):
                hit = {k: v for k, v in d.items() if k != "text"}
                hit["_highlight"] = {"title": [f"\ue000{d.get('title')}\ue001"]}
                hits.append(hit)
        return Found(tuple(hits[paging.offset:paging.offset + paging.per_page]), len(hits))
