"""Documents and bulk actions: deterministic ids, external versions, item outcomes."""

from __future__ import annotations

import json

from newswire.contracts.ids import revision_id
from newswire.es.setup import load_template
from newswire.sink.documents import actions_for, item_outcome
from tests.factories import AID, dead_letter, enriched_article, feed_status, revision_event, story_update


def _mapped_fields(template: str) -> set[str]:
    body = load_template(template, "p")
    props = body.get("template", {}).get("mappings", {}).get("properties")
    if props is None:
        props = load_template("component-feed-status", "p")["template"]["mappings"]["properties"]
    return set(props)


def test_article_action_is_idempotent_and_version_guarded() -> None:
    (action,) = actions_for(enriched_article(), "p")
    assert action.index == "p-articles-v1" and action.id == AID
    assert action.header() == {"index": {"_index": "p-articles-v1", "_id": AID, "version": 1, "version_type": "external_gte"}}
    assert set(action.document) <= _mapped_fields("articles")


def test_revision_goes_to_its_month_with_the_changed_paragraphs() -> None:
    (action,) = actions_for(revision_event(), "p")
    assert action.index == "p-revisions-2016.09" and action.id == revision_id(AID, 2)
    assert action.document["changed_paragraphs"] == [1]
    assert set(action.document) <= _mapped_fields("revisions")


def test_feed_status_is_stored_as_latest_and_as_a_poll() -> None:
    latest, poll = actions_for(feed_status(), "p")
    assert latest.index == "p-feeds-v1" and latest.version is not None
    assert poll.index == "p-polls-2016.09" and poll.version is None
    assert set(latest.document) <= _mapped_fields("feeds")


def test_story_and_dead_letter() -> None:
    (story,) = actions_for(story_update(), "p")
    assert story.index == "p-stories-v1" and set(story.document) <= _mapped_fields("stories")
    (letter,) = actions_for(dead_letter(), "p")
    assert letter.index == "p-dead-letters-v1" and letter.document["value_bytes"] == 10
    assert set(letter.document) <= _mapped_fields("dead-letters")
    json.dumps(letter.document, default=str)


def test_item_outcomes() -> None:
    assert [item_outcome(s) for s in (200, 201, 409, 429, 500, 503, 400, 404)] == [
        "ok", "ok", "stale", "retry", "retry", "retry", "reject", "reject"
    ]


def test_documents_are_built_field_by_field_and_survive_new_optional_fields() -> None:
    """Other stages add optional fields to their contracts; a strict mapping must not see them."""
    from newswire.contracts import EnrichedArticle, FeedStatus

    class FutureStatus(FeedStatus):
        retry_after_s: int | None = None

    class FutureArticle(EnrichedArticle):
        sentiment: float | None = 0.5

    status = FutureStatus.model_validate({**feed_status().model_dump(), "retry_after_s": 30})
    latest, _ = actions_for(status, "p")
    assert "retry_after_s" not in latest.document and set(latest.document) <= _mapped_fields("feeds")
    article = FutureArticle.model_validate(enriched_article().model_dump())
    (action,) = actions_for(article, "p")
    assert "sentiment" not in action.document and set(action.document) <= _mapped_fields("articles")
    assert action.document["people"] == ["Sergey Lavrov"] and action.document["flags"]["paywalled"] is False


def test_optional_fields_may_be_absent() -> None:
    from newswire.contracts import EnrichedArticle

    bare = EnrichedArticle.model_validate(
        {**enriched_article().model_dump(), "entities": (), "keyphrases": (), "quotes": (), "story_id": None,
         "article": {**enriched_article().article.model_dump(), "dateline": None, "outlet": None}}
    )
    (action,) = actions_for(bare, "p")
    assert action.document["dateline"] is None and action.document["entities"] == []
    assert action.document["story_id"] is None


def test_revision_document_carries_first_edit_and_minutes() -> None:
    (action,) = actions_for(revision_event(), "p")
    assert action.document["first_edit"] is True
    assert action.document["minutes_since_first_seen"] == 35


def test_a_rejection_names_the_document_and_the_reason_within_bounds() -> None:
    from newswire.sink.documents import rejection

    (action,) = actions_for(enriched_article(), "p")
    text = rejection(action, 400, "mapper_parsing_exception: " + "x" * 5000)
    assert text.startswith(f"p-articles-v1/{AID}: HTTP 400: mapper_parsing_exception")
    assert "document: {" in text and len(text) < 4000
