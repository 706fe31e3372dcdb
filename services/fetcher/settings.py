"""Fetcher settings (`NEWSWIRE_*`), read once in `wiring.main` and passed down."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork, NonNegativeFloat, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings

DEFAULT_USER_AGENT = "newswire/0.1 (+https://github.com/newswire/newswire)"


class FetcherSettings(ServiceSettings):
    """How the fetcher fetches article pages."""

    user_agent: str = Field(DEFAULT_USER_AGENT, description="User-Agent of every request.")
    concurrency: PositiveInt = Field(32, description="Fetch requests processed at once.")
    per_host_concurrency: PositiveInt = Field(2, description="Requests at once to one host.")
    min_host_delay_s: NonNegativeFloat = Field(
        0.2, description="Minimum delay between the starts of two requests to one host."
    )
    connect_timeout_s: PositiveFloat = Field(10.0, description="TCP/TLS connect timeout.")
    read_timeout_s: PositiveFloat = Field(20.0, description="Timeout between two reads.")
    total_timeout_s: PositiveFloat = Field(30.0, description="Timeout of one whole request.")
    max_body_bytes: PositiveInt = Field(
        8 * 1024 * 1024, description="Bodies beyond this size are aborted (failed 'too_large')."
    )
    max_redirects: PositiveInt = Field(10, description="Redirects followed at most.")
    allow_private_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="CIDRs allowed although private/loopback/link-local (SSRF guard exceptions).",
    )
