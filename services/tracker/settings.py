"""Settings of the tracker (env `NEWSWIRE_*`, read once in `wiring.main`)."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings


class TrackerSettings(ServiceSettings):
    """The tracker's own knobs: the re-check schedule, on top of the common stage settings."""

    recheck_tick_s: PositiveFloat = Field(
        10.0, description="How often the table is scanned for due re-checks (NEWSWIRE_RECHECK_TICK_S)."
    )
    recheck_initial_s: PositiveFloat = Field(
        1800.0, description="First re-check interval, and the interval after a change "
        "(NEWSWIRE_RECHECK_INITIAL_S).",
    )
    recheck_growth: float = Field(
        1.5, ge=1.0, description="Interval factor after each unchanged check (NEWSWIRE_RECHECK_GROWTH)."
    )
    recheck_horizon_s: PositiveFloat = Field(
        7 * 24 * 3600.0, description="No re-checks later than this after first seen "
        "(NEWSWIRE_RECHECK_HORIZON_S).",
    )
    recheck_batch_max: PositiveInt = Field(
        500, description="Most re-check requests issued per tick (NEWSWIRE_RECHECK_BATCH_MAX)."
    )
