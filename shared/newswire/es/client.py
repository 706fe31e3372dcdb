"""The Elasticsearch client, built once from ElasticsearchSettings."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from elasticsearch import AsyncElasticsearch

from newswire.config import ElasticsearchSettings


def make_client(settings: ElasticsearchSettings) -> AsyncElasticsearch:
    """An async client with the configured auth and TLS (API key preferred over basic auth)."""
    basic = (
        (settings.username, settings.password.get_secret_value())
        if settings.username and settings.password and not settings.api_key
        else None  # the client refuses both at once: the API key wins, as documented
    )
    options: dict[str, Any] = {}
    if settings.ca_certs:
        options["ca_certs"] = str(settings.ca_certs)
    return AsyncElasticsearch(
        hosts=settings.hosts,
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        basic_auth=basic,
        request_timeout=settings.request_timeout_s,
        retry_on_timeout=True,
        max_retries=3,
        **options,
    )


async def wait_healthy(client: AsyncElasticsearch, timeout_s: float = 60.0) -> str:
    """Wait until the cluster is yellow or green; returns the status.

    Uses cluster health, not `ping()`: the minimal distribution used by the dev stack has no
    `GET /` handler that ping relies on in every version.
    """
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            health = await client.cluster.health(wait_for_status="yellow", timeout="5s")
            status = str(health["status"])
            if status in ("yellow", "green"):
                return status
        except Exception as exc:  # not up yet: keep waiting until the deadline
            last_error = exc
        await asyncio.sleep(1.0)
    raise TimeoutError(f"Elasticsearch not healthy after {timeout_s}s: {last_error}")
