"""Articles: normalised, versioned and enriched."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, NonNegativeFloat, NonNegativeInt, PositiveInt

from newswire.contracts.base import ArticleId, Contract, FeedId, UtcDatetime
from newswire.contracts.fetch import PageFingerprint

Provenance = Literal["json-ld", "meta", "html", "heuristic", "url", "feed", "extractor", "http"]


class Dateline(Contract):
    """A dateline lifted from the start of the body ("GENEVA, Aug. 27 (Reuters) -")."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    place: str | None = Field(None, description="The place named by the dateline.")
    date_text: str | None = Field(None, description="The date as written in the dateline.")
    raw: str = Field(description="The dateline exactly as it stood in the text.")


class ArticleFlags(Contract):
    """What the normaliser and fetcher noticed about the page."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    paywalled: bool = Field(False, description="A hard paywall hides the body.")
    bot_challenge: bool = Field(False, description="The fetcher got a bot wall, not the article.")
    too_short: bool = Field(False, description="The body is too short to be an article.")
    not_an_article: bool = Field(False, description="An index, listing or live-blog page.")


class NormalisedArticle(Contract):
    """Clean text and metadata of one fetched article page."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    article_id: ArticleId = Field(description="Hash of `canonical_url` (the message key).")
    canonical_url: AnyHttpUrl = Field(description="Canonical URL, tracking parameters removed.")
    url: AnyHttpUrl = Field(description="The URL the page was fetched from (after redirects).")
    host: str = Field(description="Lower-case host of the canonical URL.")
    outlet: str | None = Field(None, description="Outlet name (og:site_name or host).")
    title: str | None = Field(None, description="Headline, site name stripped.")
    paragraphs: tuple[str, ...] = Field((), description="Body paragraphs in reading order.")
    text: str = Field("", description="Body text: the paragraphs joined by blank lines.")
    authors: tuple[str, ...] = Field((), description="People credited with the article.")
    published: UtcDatetime | None = Field(None, description="First publication time.")
    modified: UtcDatetime | None = Field(None, description="Last modification time the page claims.")
    language: str | None = Field(None, description="ISO 639-1 language of the body.")
    section: str | None = Field(None, description="Section of the outlet, e.g. 'World'.")
    description: str | None = Field(None, description="The page's own summary.")
    image_url: AnyHttpUrl | None = Field(None, description="Lead image.")
    tags: tuple[str, ...] = Field((), description="Tags or keywords the page declares.")
    dateline: Dateline | None = Field(None, description="Dateline lifted out of the body.")
    wire_source: str | None = Field(None, description="Wire credit lifted out of the body (e.g. 'ANI').")
    content_hash: str = Field(
        pattern=r"^[0-9a-f]{32}$",
        description="Hash of the normalised body and title (NFKC, whitespace and quotes folded): "
        "changes only with a real edit.",
    )
    word_count: NonNegativeInt = Field(0, description="Words in `text`.")
    flags: ArticleFlags = Field(default_factory=ArticleFlags, description="Page flags.")
    provenance: dict[str, Provenance] = Field(
        default_factory=dict, description="For each metadata field, where its value came from."
    )
    fetched_at: UtcDatetime = Field(description="When the page was fetched.")
    http_status: int | None = Field(None, description="HTTP status of the fetch.")
    feed_id: FeedId | None = Field(None, description="The feed that announced the article, if any.")
    etag: str | None = Field(None, description="ETag of the fetched page, for re-checks.")
    last_modified: str | None = Field(None, description="Last-Modified of the fetched page, for re-checks.")
    fingerprint: PageFingerprint | None = Field(
        None,
        description="What a re-check compares to find the article unchanged without extracting "
        "it again (the page's body digest, the article's region and its digest), for re-checks.",
    )


ArticleStatus = Literal["live", "deleted", "redirected", "paywalled"]


class ArticleVersion(Contract):
    """One version of an article, as kept by the tracker (version 1 is the first seen)."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    article_id: ArticleId = Field(description="The article (the message key).")
    version: PositiveInt = Field(description="Version number, 1 for a new article.")
    revision_id: str = Field(description="article_id + version: the id of this version.")
    first_seen: UtcDatetime = Field(description="When the tracker first saw the article.")
    observed_at: UtcDatetime = Field(description="When this version was observed.")
    status: ArticleStatus = Field("live", description="The article's state with this version.")
    revert_of: PositiveInt | None = Field(None, description="This version restores version k's text.")
    article: NormalisedArticle = Field(description="The article's content at this version.")


EntityType = Literal["person", "organisation", "place", "event", "other"]


class Entity(Contract):
    """A named entity of an article, canonicalised across articles."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    name: str = Field(description="Canonical name (the same entity has one name across articles).")
    type: EntityType = Field(description="Entity type.")
    mentions: PositiveInt = Field(description="Mentions in the article.")
    first_offset: NonNegativeInt = Field(description="Character offset of the first mention in text.")
    salience: NonNegativeFloat = Field(description="0..1: higher when in the title or lead.")
    surface_forms: tuple[str, ...] = Field((), description="Forms the entity took in the text.")


class Keyphrase(Contract):
    """A keyphrase with its score (lower YAKE score = more relevant; we publish 1 - normalised)."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    text: str
    score: NonNegativeFloat = Field(description="Relevance, 0..1, higher is more relevant.")


class Quote(Contract):
    """A direct quote and, where attributable, its speaker."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    text: str
    speaker: str | None = Field(None, description="Canonical name of the speaker, if attributable.")


class EnrichedArticle(Contract):
    """An article version with entities, keyphrases, duplicates and its story."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    article_id: ArticleId = Field(description="The article (the message key).")
    version: PositiveInt = Field(description="The article version this enrichment is for.")
    revision_id: str = Field(description="article_id + version.")
    first_seen: UtcDatetime = Field(description="When the tracker first saw the article.")
    last_changed: UtcDatetime = Field(description="When this version was observed.")
    article: NormalisedArticle = Field(description="The article's content at this version.")
    language: str | None = Field(None, description="Language used for enrichment.")
    word_count: NonNegativeInt = Field(0, description="Words in the body.")
    reading_time_s: NonNegativeInt = Field(0, description="Estimated reading time, seconds.")
    entities: tuple[Entity, ...] = Field((), description="Named entities, most salient first.")
    keyphrases: tuple[Keyphrase, ...] = Field((), description="Keyphrases, best first.")
    quotes: tuple[Quote, ...] = Field((), description="Direct quotes with speakers.")
    duplicate_of: ArticleId | None = Field(None, description="Earliest near-duplicate, if any.")
    duplicate_similarity: NonNegativeFloat | None = Field(None, description="Similarity to it, 0..1.")
    story_id: str | None = Field(None, description="The story this article belongs to.")
    notes: tuple[str, ...] = Field(
        (), description="What enrichment could not do and why, e.g. 'entities: no model for xx'."
    )
    enriched_at: UtcDatetime = Field(description="When enrichment ran.")
