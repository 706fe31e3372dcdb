"""Enricher settings."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from newswire.config import ServiceSettings


class EnricherSettings(ServiceSettings):
    """Settings of the enricher (NEWSWIRE_*)."""

    words_per_minute: PositiveInt = Field(230, description="Reading speed for reading_time_s.")
