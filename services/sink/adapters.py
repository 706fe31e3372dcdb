"""The sink's I/O: Elasticsearch bulk writes behind a small Protocol."""

from __future__ import annotations

from typing import Any, Protocol

from elasticsearch import AsyncElasticsearch

from newswire.sink.documents import Action


class BulkWriter(Protocol):
    """Writes a batch of actions and returns one HTTP-like status (and error) per action."""

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]: ...


class ElasticsearchBulkWriter:
    """Bulk writes to Elasticsearch. A transport failure (cluster down) raises; per-item
    failures come back as statuses for the caller to sort into retry or reject."""

    def __init__(self, client: AsyncElasticsearch) -> None:
        self.client = client

    async def write(self, actions: list[Action]) -> list[tuple[int, str | None]]:
        operations: list[dict[str, Any]] = []
        for action in actions:
            operations.append(action.header())
            operations.append(action.document)
        response = await self.client.bulk(operations=operations)
        results: list[tuple[int, str | None]] = []
        for item in response["items"]:
            outcome = next(iter(item.values()))
            error = outcome.get("error")
            reason = f"{error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else None
            results.append((int(outcome.get("status", 500)), reason))
        return results
