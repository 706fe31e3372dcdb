"""Settings of the normaliser (env `NEWSWIRE_*`, read once in `wiring.main`)."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings


class NormaliserSettings(ServiceSettings):
    """The normaliser's own knobs, on top of the common stage settings."""

    extract_timeout_s: PositiveFloat = Field(
        20.0, description="Longest extraction of one page (NEWSWIRE_EXTRACT_TIMEOUT_S); beyond it "
        "the page is dead-lettered."
    )
    min_article_words: PositiveInt = Field(
        50, description="Bodies with fewer words are flagged too_short (NEWSWIRE_MIN_ARTICLE_WORDS)."
    )
