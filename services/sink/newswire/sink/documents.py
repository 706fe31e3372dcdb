"""From messages to Elasticsearch documents and bulk actions: pure, no I/O.

Every document has a deterministic id, and ordering is guarded by external versions
(`external_gte`): an older version never overwrites a newer one, a duplicate is a no-op, and no
script is needed (the dev stack's Elasticsearch has no painless).

Documents are built field by field from the contracts, never dumped whole: the mappings are
strict, and the optional fields other stages add to their contracts must not turn every message
into a rejected document. A new field reaches Elasticsearch when it is mapped here and there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from newswire.contracts import (
    Contract,
    DeadLetter,
    EnrichedArticle,
    FeedStatus,
    RevisionEvent,
    StoryUpdate,
    utcnow,
)
from newswire.contracts.ids import host_of
from newswire.es.names import fixed_index, monthly_index


@dataclass(frozen=True)
class Action:
    """One bulk index action."""

    index: str
    id: str
    document: dict[str, Any]
    version: int | None = None

    def header(self) -> dict[str, Any]:
        """The bulk action line."""
        meta: dict[str, Any] = {"_index": self.index, "_id": self.id}
        if self.version is not None:
            meta["version"] = self.version
            meta["version_type"] = "external_gte"
        return {"index": meta}


def _ms(value: Any) -> int:
    return int(value.timestamp() * 1000)


def article_doc(message: EnrichedArticle) -> dict[str, Any]:
    """The newswire-articles document: the article's latest version, flattened for search."""
    a = message.article
    by_type: dict[str, list[str]] = {"person": [], "organisation": [], "place": [], "event": []}
    for entity in message.entities:
        if entity.type in by_type:
            by_type[entity.type].append(entity.name)
    return {
        "article_id": message.article_id,
        "version": message.version,
        "revision_count": message.version - 1,
        "canonical_url": str(a.canonical_url),
        "url": str(a.url),
        "host": a.host,
        "outlet": a.outlet,
        "title": a.title,
        "text": a.text,
        "paragraph_count": len(a.paragraphs),
        "word_count": message.word_count,
        "reading_time_s": message.reading_time_s,
        "authors": list(a.authors),
        "section": a.section,
        "description": a.description,
        "image_url": str(a.image_url) if a.image_url else None,
        "tags": list(a.tags),
        "language": message.language,
        "published": a.published,
        "modified": a.modified,
        "first_seen": message.first_seen,
        "last_changed": message.last_changed,
        "fetched_at": a.fetched_at,
        "indexed_at": utcnow(),
        "dateline": (
            {"place": a.dateline.place, "date_text": a.dateline.date_text, "raw": a.dateline.raw}
            if a.dateline
            else None
        ),
        "wire_source": a.wire_source,
        "content_hash": a.content_hash,
        "feed_id": a.feed_id,
        "entities": [
            {"name": e.name, "type": e.type, "mentions": e.mentions, "salience": e.salience}
            for e in message.entities
        ],
        "people": by_type["person"],
        "organisations": by_type["organisation"],
        "places": by_type["place"],
        "events": by_type["event"],
        "keyphrases": [k.text for k in message.keyphrases],
        "quotes": [{"text": q.text, "speaker": q.speaker} for q in message.quotes],
        "story_id": message.story_id,
        "duplicate_of": message.duplicate_of,
        "duplicate_similarity": message.duplicate_similarity,
        "flags": {
            "paywalled": a.flags.paywalled,
            "bot_challenge": a.flags.bot_challenge,
            "too_short": a.flags.too_short,
            "not_an_article": a.flags.not_an_article,
        },
        "provenance": dict(a.provenance),
        "notes": list(message.notes),
    }


def revision_doc(message: RevisionEvent) -> dict[str, Any]:
    """The newswire-revisions document of one revision event."""
    return {
        "revision_id": message.revision_id,
        "article_id": message.article_id,
        "version": message.version,
        "previous_version": message.previous_version,
        "canonical_url": str(message.canonical_url),
        "host": message.host,
        "outlet": message.outlet,
        "kinds": list(message.kinds),
        "title_old": message.title_old,
        "title_new": message.title_new,
        "revert_of": message.revert_of,
        "stats": _revision_stats(message),
        "minutes_since_first_seen": message.stats.minutes_since_first_seen,
        "first_edit": message.previous_version == 1,
        "changed_paragraphs": sorted(
            c.new_index for c in message.changes if c.op == "changed" and c.new_index is not None
        ),
        "diff_unified": message.diff_unified,
        "diff_html": message.diff_html,
        "first_seen": message.first_seen,
        "previous_observed_at": message.previous_observed_at,
        "detected_at": message.detected_at,
        # optional fields added by the tracker; read tolerantly
        "status": getattr(message, "status", None),
        "redirected_to": _str_or_none(getattr(message, "redirected_to", None)),
        "corrections": list(getattr(message, "corrections", ())),
    }


def _revision_stats(message: RevisionEvent) -> dict[str, Any]:
    s = message.stats
    return {
        "words_added": s.words_added,
        "words_removed": s.words_removed,
        "paragraphs_added": s.paragraphs_added,
        "paragraphs_removed": s.paragraphs_removed,
        "paragraphs_changed": s.paragraphs_changed,
        "similarity": s.similarity,
        "minutes_since_first_seen": s.minutes_since_first_seen,
        "minutes_since_previous": s.minutes_since_previous,
    }


def story_doc(message: StoryUpdate) -> dict[str, Any]:
    """The newswire-stories document of a story's latest state."""
    return {
        "story_id": message.story_id,
        "event": message.event,
        "size": message.size,
        "outlet_count": len(message.outlets),
        "outlets": list(message.outlets),
        "title": message.title,
        "first_seen": message.first_seen,
        "last_seen": message.last_seen,
        "top_entities": list(message.top_entities),
        "merged_into": message.merged_into,
        "merged_from": list(message.merged_from),
        "updated_at": message.updated_at,
    }


def feed_doc(message: FeedStatus) -> dict[str, Any]:
    """A FeedStatus as a document (the feeds and polls indices share the mapping).

    Field by field rather than `model_dump`: the mappings are strict, and a field added to the
    contract later must not make every poll a rejected document.
    """
    return {
        "feed_id": message.feed_id,
        "feed_url": str(message.feed_url),
        "host": host_of(str(message.feed_url)),
        "polled_at": message.polled_at,
        "status_code": message.status_code,
        "duration_ms": message.duration_ms,
        "bytes": message.bytes,
        "items_total": message.items_total,
        "items_new": message.items_new,
        "validator": message.validator,
        "not_modified": message.not_modified,
        "error_class": message.error_class,
        "error_message": message.error_message,
        "consecutive_failures": message.consecutive_failures,
        "next_poll_at": message.next_poll_at,
        "disabled": message.disabled,
        "disabled_reason": message.disabled_reason,
        "ok": message.error_class is None,
        # optional fields added by the poller; read tolerantly so that a contract without them works
        "source": getattr(message, "source", None),
        "interval_s": getattr(message, "interval_s", None),
        "validators_trusted": getattr(message, "validators_trusted", None),
        "validator_problem": getattr(message, "validator_problem", None),
        "redirected_to": _str_or_none(getattr(message, "redirected_to", None)),
        "websub_hub": _str_or_none(getattr(message, "websub_hub", None)),
        "warnings": list(getattr(message, "warnings", ())),
    }


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def dead_letter_doc(message: DeadLetter) -> dict[str, Any]:
    """A dead letter for dashboards; the original bytes stay in Kafka (replay reads them there)."""
    value = message.value or b""
    return {
        "dead_letter_id": message.dead_letter_id,
        "stage": message.stage,
        "source_topic": message.source_topic,
        "source_partition": message.source_partition,
        "source_offset": message.source_offset,
        "key": message.key.decode("utf-8", "replace") if message.key else None,
        "value_preview": value[:2000].decode("utf-8", "replace"),
        "value_bytes": len(value),
        "error_class": message.error_class,
        "error_type": message.error_type,
        "error_message": message.error_message,
        "attempts": message.attempts,
        "failed_at": message.failed_at,
    }


def actions_for(message: Contract, prefix: str) -> list[Action]:
    """The bulk actions that store one message (a feed status is stored twice: latest and log)."""
    if isinstance(message, EnrichedArticle):
        return [Action(fixed_index(prefix, "articles"), message.article_id, article_doc(message), message.version)]
    if isinstance(message, RevisionEvent):
        index = monthly_index(prefix, "revisions", message.detected_at)
        return [Action(index, message.revision_id, revision_doc(message))]
    if isinstance(message, StoryUpdate):
        return [Action(fixed_index(prefix, "stories"), message.story_id, story_doc(message), _ms(message.updated_at))]
    if isinstance(message, FeedStatus):
        doc = feed_doc(message)
        return [
            Action(fixed_index(prefix, "feeds"), message.feed_id, doc, _ms(message.polled_at)),
            Action(monthly_index(prefix, "polls", message.polled_at), f"{message.feed_id}-{_ms(message.polled_at)}", doc),
        ]
    if isinstance(message, DeadLetter):
        return [Action(fixed_index(prefix, "dead-letters"), message.dead_letter_id, dead_letter_doc(message))]
    raise TypeError(f"the sink does not store {type(message).__name__}")


def rejection(action: Action, status: int, reason: str | None, limit: int = 1500) -> str:
    """Why Elasticsearch refused one action, with the document it refused (truncated), for the
    dead letter: the original message bytes travel with it, the document shows what was sent."""
    document = json.dumps(action.document, default=str, ensure_ascii=False)
    if len(document) > limit:
        document = document[:limit] + f"... ({len(document)} chars)"
    why = reason or "no reason given"
    if len(why) > 800:
        why = why[:800] + "..."
    return f"{action.index}/{action.id}: HTTP {status}: {why}; document: {document}"


def item_outcome(status: int) -> str:
    """How to treat one bulk item's status: ok, stale (an equal or newer version is stored),
    retry (429/5xx: back off, nothing lost) or reject (400-class: dead-letter with the reason)."""
    if status < 300:
        return "ok"
    if status == 409:
        return "stale"
    if status == 429 or status >= 500:
        return "retry"
    return "reject"
