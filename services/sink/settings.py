"""Sink settings."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings


class SinkSettings(ServiceSettings):
    """Settings of the Elasticsearch sink (NEWSWIRE_*)."""

    batch_max_docs: PositiveInt = Field(500, description="Most documents in one bulk request.")
    batch_max_bytes: PositiveInt = Field(5 * 1024 * 1024, description="Most bytes in one bulk request.")
    batch_max_wait_s: PositiveFloat = Field(1.0, description="Longest wait to fill a batch.")
    es_setup: bool = Field(True, description="Install index templates at start-up (idempotent).")
    es_retry_max_delay_s: PositiveFloat = Field(30.0, description="Cap of the backoff while ES refuses.")
