"""What a handler sees besides its message, and what it returns: `Emit` (a message to produce),
`Origin` (where the message being processed came from, for dead letters) and `Context`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from newswire.contracts import Contract
from newswire.topics import TopicSpec


@dataclass(frozen=True)
class Emit:
    """A message a handler wants produced: topic, key and value (a contract of that topic)."""

    topic: TopicSpec
    key: str | bytes | None
    value: Contract | None


@dataclass(frozen=True)
class Origin:
    """Where the message being processed came from (for dead letters)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]
    attempts: int

    @classmethod
    def of(cls, message: Any) -> Origin:
        """The origin of a consumed Kafka message (its first attempt)."""
        return cls(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            value=message.value,
            headers=_headers(message.headers),
            attempts=1,
        )


@dataclass(frozen=True)
class Context:
    """What a handler may know about its message besides the value."""

    stage: str
    origin: Origin


def _headers(raw: Any) -> dict[str, str]:
    if not raw:
        return {}
    items: Sequence[tuple[str, Any]] = list(raw.items()) if isinstance(raw, dict) else list(raw)
    return {
        str(k): (v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else str(v))
        for k, v in items
    }
