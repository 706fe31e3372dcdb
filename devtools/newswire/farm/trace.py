"""Where articles that never arrived stopped: how many messages of each pipeline topic carry
each article id, and the stage and reason of their dead letters. Reads whole topics, so it is for
failure reports (the demo's timeout, a failing end-to-end test), not for the hot path."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter
from newswire.contracts.ids import article_id as id_of
from newswire.kafka.reader import read_to_end
from newswire.runtime.codec import decode_as
from newswire.topics import (
    ARTICLES_ENRICHED,
    ARTICLES_NORMALISED,
    ARTICLES_VERSIONS,
    DLQ,
    ENRICHER_CLUSTERING,
    FETCH_REQUESTS,
    PAGES,
    TopicSpec,
)

#: The topics an article travels through, in pipeline order (the dead letters last).
PIPELINE: tuple[TopicSpec, ...] = (
    FETCH_REQUESTS, PAGES, ARTICLES_NORMALISED, ARTICLES_VERSIONS, ENRICHER_CLUSTERING,
    ARTICLES_ENRICHED, DLQ,
)


async def trace(kafka: KafkaSettings, ids: set[str]) -> dict[str, dict[str, Any]]:
    """article id -> {topic name: messages carrying it, "dead_letters": ["stage: type: reason"]}."""
    found: dict[str, dict[str, Any]] = {i: {} for i in ids}
    for spec in PIPELINE:
        async with aclosing(read_to_end(kafka, spec)) as records:
            async for record in records:
                try:
                    message = decode_as(spec.value, record.value)
                except Exception:  # a poison record is the DLQ's business, not the trace's
                    continue
                aid = getattr(message, "article_id", None)
                if aid is None and hasattr(message, "url"):
                    aid = id_of(str(message.url))
                if aid is None and spec is DLQ and record.value is not None:
                    aid = next((i for i in ids if i.encode() in record.value), None)
                if aid in found:
                    found[aid][spec.name] = found[aid].get(spec.name, 0) + 1
                    if spec is DLQ and isinstance(message, DeadLetter):
                        found[aid].setdefault("dead_letters", []).append(
                            f"{message.stage}: {message.error_type}: {message.error_message[:160]}"
                        )
    return found


def last_topic(counts: dict[str, Any]) -> str:
    """The furthest pipeline topic an article reached, in words ("nowhere" if none)."""
    if counts.get("dead_letters"):
        return "dead letter: " + "; ".join(counts["dead_letters"][:2])
    reached = [spec.name for spec in PIPELINE if spec is not DLQ and counts.get(spec.name)]
    return f"last seen on {reached[-1]}" if reached else "on no pipeline topic (not polled yet?)"
