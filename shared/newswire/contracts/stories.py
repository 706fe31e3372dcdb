"""Stories: one event reported by many outlets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt

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
