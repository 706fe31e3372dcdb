"""Revision events: a published article changed."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, NonNegativeFloat, NonNegativeInt, PositiveInt

from newswire.contracts.articles import ArticleStatus
from newswire.contracts.base import ArticleId, Contract, UtcDatetime

RevisionKind = Literal[
    "title_changed",
    "lede_changed",
    "body_edited",
    "paragraphs_added",
    "paragraphs_removed",
    "byline_changed",
    "correction_appended",
    "deleted",
    "redirected",
    "paywall_added",
    "paywall_removed",
    "reverted",
]


class WordOp(Contract):
    """One word-level operation inside a changed paragraph."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    op: Literal["equal", "insert", "delete"]
    text: str


class ParagraphChange(Contract):
    """One aligned paragraph pair (or an added / removed paragraph)."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    op: Literal["changed", "added", "removed"]
    old_index: NonNegativeInt | None = Field(None, description="Index in the old version (0-based).")
    new_index: NonNegativeInt | None = Field(None, description="Index in the new version (0-based).")
    words: tuple[WordOp, ...] = Field((), description="Word-level operations (for 'changed').")


class RevisionStats(Contract):
    """How much changed."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    words_added: NonNegativeInt = 0
    words_removed: NonNegativeInt = 0
    paragraphs_added: NonNegativeInt = 0
    paragraphs_removed: NonNegativeInt = 0
    paragraphs_changed: NonNegativeInt = 0
    similarity: NonNegativeFloat = Field(description="0..1 text similarity of the two versions.")
    minutes_since_first_seen: NonNegativeFloat
    minutes_since_previous: NonNegativeFloat


class RevisionEvent(Contract):
    """An article changed from `previous_version` to `version`."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    revision_id: str = Field(description="article_id + new version: the event's id.")
    article_id: ArticleId = Field(description="The article (the message key).")
    version: PositiveInt = Field(description="The new version.")
    previous_version: PositiveInt = Field(description="The version it replaced.")
    canonical_url: AnyHttpUrl
    host: str
    outlet: str | None = None
    kinds: tuple[RevisionKind, ...] = Field(description="What kind of change (several may apply).")
    title_old: str | None = None
    title_new: str | None = None
    revert_of: PositiveInt | None = Field(None, description="The new text restores version k.")
    stats: RevisionStats
    changes: tuple[ParagraphChange, ...] = Field((), description="The structured diff.")
    diff_unified: str = Field("", description="The diff as unified text.")
    diff_html: str = Field("", description="The diff as HTML with <ins>/<del>.")
    first_seen: UtcDatetime
    previous_observed_at: UtcDatetime
    detected_at: UtcDatetime
    status: ArticleStatus = Field("live", description="The article's state after this revision.")
    redirected_to: AnyHttpUrl | None = Field(
        None, description="Where the article's URL now redirects (kind 'redirected')."
    )
    corrections: tuple[str, ...] = Field(
        (), description="Correction or update notes this revision appended (kind 'correction_appended')."
    )
