"""Valid sample messages of every contract, for tests at every tier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswire.contracts import (
    ArticleFlags,
    ArticleVersion,
    Contract,
    Dateline,
    DeadLetter,
    DormantStory,
    EnrichedArticle,
    Entity,
    FeedConfig,
    FeedItemHint,
    FeedStatus,
    FetchedPage,
    FetchRequest,
    Keyphrase,
    NormalisedArticle,
    ParagraphChange,
    Quote,
    RecheckResult,
    RevisionEvent,
    RevisionStats,
    StoryUpdate,
    WordOp,
)
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import article_id, dead_letter_id, feed_id, host_of, revision_id, story_id

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
URL = "https://www.example.com/world/2016/sep/08/syria-talks?utm_source=rss"
CANONICAL = "https://www.example.com/world/2016/sep/08/syria-talks"
FEED_URL = "https://www.example.com/world/rss"
AID = article_id(CANONICAL)
FID = feed_id(FEED_URL)


def feed_config() -> FeedConfig:
    return FeedConfig(feed_id=FID, url=FEED_URL, title="World", outlet="Example", added_at=T0)


def feed_status() -> FeedStatus:
    return FeedStatus(
        feed_id=FID, feed_url=FEED_URL, polled_at=T0, status_code=200, duration_ms=120,
        bytes=5120, items_total=20, items_new=3, validator="etag", next_poll_at=T0 + timedelta(minutes=5),
    )


def fetch_request() -> FetchRequest:
    return FetchRequest(
        url=URL, host=host_of(URL), article_id=AID, reason="new", requested_at=T0, feed_id=FID,
        item=FeedItemHint(guid="g-1", title="Syria talks", published=T0, authors=("Jane Doe",)),
        # a re-check's fingerprint (issue #20): here so that every nested model has a sample
        fingerprint=PageFingerprint(body_digest="1" * 32, region=("#story", "div.body:0"), region_digest="2" * 32),
    )


def fetched_page() -> FetchedPage:
    return FetchedPage(
        article_id=AID, requested_url=URL, final_url=CANONICAL, reason="new", outcome="ok", status=200,
        headers={"content-type": "text/html; charset=utf-8"}, fetched_at=T0,
        html="<html><body><p>Hello</p></body></html>", charset="utf-8", content_type="text/html",
        byte_size=38, elapsed_ms=80,
    )


def recheck_result() -> RecheckResult:
    return RecheckResult(
        article_id=AID, requested_url=CANONICAL, final_url=CANONICAL, outcome="failed", status=404,
        failure="not_found", failure_detail="HTTP 404", etag='"v1"',
        last_modified="Thu, 08 Sep 2016 09:00:00 GMT", fetched_at=T0,
    )


def normalised_article(paragraphs: tuple[str, ...] = ("First paragraph.", "Second paragraph.")) -> NormalisedArticle:
    return NormalisedArticle(
        article_id=AID, canonical_url=CANONICAL, url=CANONICAL, host="www.example.com", outlet="Example",
        title="Syria talks", paragraphs=paragraphs, text="\n\n".join(paragraphs), authors=("Jane Doe",),
        published=T0, language="en", dateline=Dateline(place="GENEVA", raw="GENEVA:"), wire_source="Reuters",
        content_hash="0" * 32, word_count=4, flags=ArticleFlags(), provenance={"title": "json-ld"}, fetched_at=T0,
    )


def article_version() -> ArticleVersion:
    return ArticleVersion(
        article_id=AID, version=1, revision_id=revision_id(AID, 1), first_seen=T0, observed_at=T0,
        article=normalised_article(),
    )


def revision_event() -> RevisionEvent:
    return RevisionEvent(
        revision_id=revision_id(AID, 2), article_id=AID, version=2, previous_version=1,
        canonical_url=CANONICAL, host="www.example.com", kinds=("body_edited",),
        title_old="Syria talks", title_new="Syria talks",
        stats=RevisionStats(words_added=1, words_removed=1, paragraphs_changed=1, similarity=0.9,
                            minutes_since_first_seen=35, minutes_since_previous=35),
        changes=(ParagraphChange(op="changed", old_index=1, new_index=1,
                                 words=(WordOp(op="delete", text="Fatah"), WordOp(op="insert", text="Fateh"))),),
        diff_unified="-Fatah\n+Fateh\n", diff_html="<del>Fatah</del><ins>Fateh</ins>",
        first_seen=T0, previous_observed_at=T0, detected_at=T0 + timedelta(minutes=35),
    )


def enriched_article() -> EnrichedArticle:
    return EnrichedArticle(
        article_id=AID, version=1, revision_id=revision_id(AID, 1), first_seen=T0, last_changed=T0,
        article=normalised_article(), language="en", word_count=4, reading_time_s=1,
        entities=(Entity(name="Sergey Lavrov", type="person", mentions=2, first_offset=0, salience=1.0,
                         surface_forms=("Lavrov", "Sergei Lavrov")),),
        keyphrases=(Keyphrase(text="syria talks", score=0.9),),
        quotes=(Quote(text="We are close", speaker="John Kerry"),),
        story_id=story_id(AID), enriched_at=T0,
    )


def story_update() -> StoryUpdate:
    return StoryUpdate(
        story_id=story_id(AID), event="created", size=1, outlets=("Example",), title="Syria talks",
        first_seen=T0, last_seen=T0, top_entities=("Sergey Lavrov",), latest_article_id=AID, updated_at=T0,
    )


def dormant_story() -> DormantStory:
    return DormantStory(
        story_id=story_id(AID), state="dormant", title="Syria talks", title_score=0.42, size=3,
        first_seen=T0, last_seen=T0, centroid={"syria": 0.61, "talks": 0.33}, title_terms={"syria": 0.7},
        body_terms={"geneva": 0.25}, entity_terms={"e:sergey lavrov": 0.5}, number_terms={"n:3": 0.1},
        typed={"person": {"Sergey Lavrov": 2}, "place": {"Geneva": 1}}, days={736215: 2}, ages={},
        entities={"Sergey Lavrov": 3}, outlets={"Example": 3}, updated_at=T0,
    )


def dead_letter() -> DeadLetter:
    return DeadLetter(
        dead_letter_id=dead_letter_id("normaliser", "newswire.pages.v1", 0, 42), stage="normaliser",
        source_topic="newswire.pages.v1", source_partition=0, source_offset=42, key=b"k",
        value=b"\x00not json\xff", error_class="permanent", error_type="ContractViolation",
        error_message="not a valid FetchedPage", attempts=1, failed_at=T0,
    )


SAMPLES: dict[type[Contract], Contract] = {
    type(m): m
    for m in (
        feed_config(), feed_status(), fetch_request(), fetched_page(), recheck_result(), normalised_article(),
        article_version(), revision_event(), enriched_article(), story_update(), dormant_story(),
        dead_letter(),
    )
}
