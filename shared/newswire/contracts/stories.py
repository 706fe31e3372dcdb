"""Stories: one event reported by many outlets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from newswire.contracts.base import ArticleId, Contract, UtcDatetime


class StoryUpdate(Contract):
    """The current state of a story. Compacted topic keyed by story id: the latest wins."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    story_id: str = Field(description="Stable story id (the message key).")
    event: Literal["created", "updated", "merged"] = Field(description="What happened to the story.")
    size: PositiveInt = Field(description="Articles in the story.")
    outlets: tuple[str, ...] = Field(description="Outlets that reported it.")
    title: str = Field(description="Representative title.")
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    top_entities: tuple[str, ...] = Field((), description="Most frequent canonical entities.")
    latest_article_id: ArticleId | None = Field(None, description="The article that caused this update.")
    merged_into: str | None = Field(None, description="For event 'merged': the surviving story.")
    merged_from: tuple[str, ...] = Field((), description="Stories merged into this one.")
    updated_at: UtcDatetime


class DormantStory(Contract):
    """A dormant story: past the clustering window, kept cut down so late follow-ups rejoin it.

    The enricher's internal compacted topic, keyed by story id: the latest wins, a tombstone drops
    it. ``state`` 'dormant': the story as it sleeps, holding all its articles; 'revived': the
    cut-down base a follow-up brought back into the window, whose later articles (in the window)
    join it again when the state is rebuilt. Weight maps keep their order (it breaks ties)."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    story_id: str = Field(description="Stable story id (the message key).")
    state: Literal["dormant", "revived"] = Field(description="Asleep, or brought back into the window.")
    title: str = Field(description="Representative title.")
    title_score: float = Field(description="How well the title fits the centroid (a new title must beat it).")
    size: NonNegativeInt = Field(description="Articles in the story.")
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    centroid: dict[str, float] = Field(description="The cut-down combined TF-IDF centroid.")
    title_terms: dict[str, float] = Field(description="The cut-down title sub-centroid.")
    body_terms: dict[str, float] = Field(description="The cut-down body-lead sub-centroid.")
    entity_terms: dict[str, float] = Field(description="The cut-down entity-bag sub-centroid.")
    number_terms: dict[str, float] = Field(description="The cut-down numbers sub-centroid.")
    typed: dict[str, dict[str, int]] = Field(description="Top names per entity type, with counts.")
    days: dict[int, int] = Field(description="Top incident days (proleptic ordinals), with counts.")
    ages: dict[int, int] = Field(description="Top ages, with counts.")
    entities: dict[str, int] = Field(description="Top entities, with mentions.")
    outlets: dict[str, int] = Field(description="Top outlets, with articles.")
    merged_from: tuple[str, ...] = Field((), description="Stories merged into this one.")
    updated_at: UtcDatetime
