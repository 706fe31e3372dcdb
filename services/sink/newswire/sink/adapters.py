"""The sink's I/O: Elasticsearch bulk writes behind a small Protocol."""

from __future__ import annotations

from typing import Any, Protocol, cast

import orjson
from elasticsearch import ApiError, AsyncElasticsearch

from newswire.sink.batching import split_by_size
from newswire.sink.documents import Action


class BulkWriter(Protocol):
    """Writes a batch of actions and returns one HTTP-like status (and error) per action."""

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]: ...


def encode(action: Action) -> tuple[bytes, bytes]:
    """The two NDJSON lines of one action. orjson rather than the client's json: it is several
    times faster, serializes datetimes natively, and gives the exact byte size to bound requests."""
    return orjson.dumps(action.header()), orjson.dumps(action.document)


class ElasticsearchBulkWriter:
    """Bulk writes to Elasticsearch, in requests of at most `max_bytes` / `max_docs`.

    A transport failure (cluster down, connection reset) raises, and the caller retries the whole
    batch (writes are idempotent). An HTTP error answering a whole request becomes the status of
    each of its items, so a single oversized document is rejected instead of retried forever.
    """

    def __init__(self, client: AsyncElasticsearch, max_bytes: int = 5 * 1024 * 1024, max_docs: int = 1000) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.max_docs = max_docs

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]:
        lines = [encode(a) for a in actions]
        sizes = [len(h) + len(d) + 2 for h, d in lines]
        results: list[tuple[int, str | None]] = [(500, "not sent")] * len(actions)
        for chunk in split_by_size(sizes, self.max_bytes, self.max_docs):
            operations: list[bytes] = []
            for i in chunk:
                operations.extend(lines[i])
            try:
                # pre-encoded lines: the client's NDJSON serializer passes bytes through as they are
                response = await self.client.bulk(
                    operations=cast(Any, operations), filter_path=["items.*.status", "items.*.error"]
                )
            except ApiError as exc:
                reason = f"bulk request refused: HTTP {exc.meta.status}: {str(exc)[:500]}"
                for i in chunk:
                    results[i] = (int(exc.meta.status), reason)
                continue
            for i, item in zip(chunk, response["items"]):
                results[i] = _item_result(item)
        return results


def _item_result(item: dict[str, Any]) -> tuple[int, str | None]:
    outcome = next(iter(item.values()))
    return int(outcome.get("status", 500)), describe_error(outcome.get("error"))


def describe_error(error: Any) -> str | None:
    """'type: reason' of a bulk item error and of its causes (the cause says what was wrong:
    "failed to parse field [x]" is caused by "Document contains at least one immense term")."""
    parts: list[str] = []
    while isinstance(error, dict) and len(parts) < 4:
        parts.append(f"{error.get('type')}: {str(error.get('reason'))[:300]}")
        error = error.get("caused_by")
    return " <- ".join(parts) or None
