"""Poller settings (`NEWSWIRE_*`), read once in `wiring.main` and passed down."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings

DEFAULT_USER_AGENT = "newswire/0.1 (+https://github.com/newswire/newswire)"


class PollerSettings(ServiceSettings):
    """How the poller polls feeds."""

    user_agent: str = Field(DEFAULT_USER_AGENT, description="User-Agent of every feed request.")
    request_timeout_s: PositiveFloat = Field(20.0, description="Total timeout of one feed request.")
    max_feed_bytes: PositiveInt = Field(
        10 * 1024 * 1024, description="Feed bodies beyond this size are aborted ('too_large')."
    )
    max_redirects: PositiveInt = Field(5, description="Redirects followed at most per poll.")
    poll_interval_s: PositiveFloat = Field(300.0, description="Interval between polls of a feed.")
    poll_tick_s: PositiveFloat = Field(5.0, description="How often due feeds are looked for.")
    max_backoff_s: PositiveFloat = Field(3600.0, description="Upper bound of the failure backoff.")
    per_host_concurrency: PositiveInt = Field(2, description="Polls at once to one host.")
    global_concurrency: PositiveInt = Field(64, description="Polls at once in this process.")
    seen_ttl_s: PositiveFloat = Field(
        30 * 24 * 3600.0, description="How long an item identity is remembered for dedupe."
    )
    seen_sweep_s: PositiveFloat = Field(
        3600.0, description="How often expired item identities are swept from the seen table."
    )
    allow_private_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="CIDRs allowed although private/loopback/link-local (SSRF guard exceptions).",
    )
