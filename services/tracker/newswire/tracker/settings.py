"""Settings of the tracker (env `NEWSWIRE_*`, read once in `wiring.main`)."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings
from newswire.tracker.schedule import RecheckPolicy

_D = RecheckPolicy()


class TrackerSettings(ServiceSettings):
    """The tracker's own knobs: the re-check schedule, on top of the common stage settings.
    Defaults are the evidence-based policy of `newswire.tracker.schedule` (see its README)."""

    recheck_tick_s: PositiveFloat = Field(
        1.0, description="How often due re-checks are issued (NEWSWIRE_RECHECK_TICK_S). With "
        "recheck_batch_max it caps the re-checks one instance issues (see recheck_batch_max).",
    )
    recheck_initial_s: PositiveFloat = Field(
        _D.initial_s, description="First re-check interval, and the interval after a change "
        "(NEWSWIRE_RECHECK_INITIAL_S).",
    )
    recheck_growth: float = Field(
        _D.growth, ge=1.0, description="Interval factor after each unchanged check (NEWSWIRE_RECHECK_GROWTH)."
    )
    recheck_early_max_s: PositiveFloat = Field(
        _D.early_max_s, description="Longest interval while the article is young "
        "(NEWSWIRE_RECHECK_EARLY_MAX_S).",
    )
    recheck_early_window_s: float = Field(
        _D.early_window_s, ge=0, description="How long an article counts as young "
        "(NEWSWIRE_RECHECK_EARLY_WINDOW_S).",
    )
    recheck_max_interval_s: PositiveFloat = Field(
        _D.max_interval_s, description="Longest interval ever (NEWSWIRE_RECHECK_MAX_INTERVAL_S)."
    )
    recheck_horizon_s: PositiveFloat = Field(
        _D.horizon_s, description="No re-checks later than this after first seen "
        "(NEWSWIRE_RECHECK_HORIZON_S).",
    )
    recheck_learn_outlets: bool = Field(
        True, description="Shorten the intervals of outlets that edit more often than the prior "
        "(NEWSWIRE_RECHECK_LEARN_OUTLETS).",
    )
    recheck_batch_max: PositiveInt = Field(
        2000, description="Most re-check requests issued per tick (NEWSWIRE_RECHECK_BATCH_MAX). "
        "Issuing one costs about 0.6 ms and the next tick waits a full period after this one's "
        "work, so one instance issues at most batch / (tick + batch x 0.6 ms): ~900/s by default, "
        "near the ~750 re-check cycles per CPU second an instance handles (a 10 s tick of 500, the "
        "default before, capped it at 50/s).",
    )
    redirect_confirm_s: PositiveFloat = Field(
        600.0, description="How long a re-check's redirect waits for the article to come back "
        "under its own id before it counts as 'redirected' (NEWSWIRE_REDIRECT_CONFIRM_S).",
    )

    def policy(self) -> RecheckPolicy:
        """The re-check policy these settings describe."""
        return RecheckPolicy(
            initial_s=self.recheck_initial_s,
            growth=self.recheck_growth,
            early_max_s=self.recheck_early_max_s,
            early_window_s=self.recheck_early_window_s,
            max_interval_s=self.recheck_max_interval_s,
            horizon_s=self.recheck_horizon_s,
        )
