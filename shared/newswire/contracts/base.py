"""Building blocks shared by every message contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    Field(description="A timezone-aware instant, normalised to UTC (ISO 8601 on the wire)."),
]
"""Aware datetimes only: a naive timestamp is a validation error, not a guess."""

ArticleId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="Deterministic article id: 128-bit BLAKE2b of the canonical URL, hex.",
    ),
]
FeedId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="Deterministic feed id: 128-bit BLAKE2b of the normalised feed URL, hex.",
    ),
]


def utcnow() -> datetime:
    """The current instant in UTC (aware)."""
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every message on a newswire topic.

    Frozen (messages are facts), strict about unknown fields on the way in (a producer's typo is
    an error, not silently dropped data), and versioned: each subclass pins `schema_version` to a
    Literal so that a message of another version fails validation instead of being misread.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=False,
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    def to_bytes(self) -> bytes:
        """The message's wire form: UTF-8 JSON."""
        return self.model_dump_json(exclude_none=False).encode("utf-8")
