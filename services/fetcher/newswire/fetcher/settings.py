"""Fetcher settings (`NEWSWIRE_*`), read once in `wiring.main` and passed down."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork, NonNegativeFloat, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings

DEFAULT_USER_AGENT = "newswire/0.1 (+https://github.com/newswire/newswire)"


class FetcherSettings(ServiceSettings):
    """How the fetcher fetches article pages."""

    user_agent: str = Field(DEFAULT_USER_AGENT, description="User-Agent of every request.")
    concurrency: PositiveInt = Field(
        256, description="Fetch requests processed at once (across hosts; per host see below)."
    )
    backfill_concurrency: PositiveInt = Field(
        2,
        description="Backfill requests (their own topic, `newswire backfill`) processed at once: a "
        "backlog takes at most this many slots, never the live requests' share.",
    )
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
    fetch_budget_s: PositiveFloat = Field(
        60.0, description="Budget of one whole fetch: robots.txt, every redirect hop, the body."
    )
    max_compression_ratio: PositiveFloat = Field(
        100.0, description="Decompressed/compressed ratio beyond which a body is a bomb."
    )
    obey_robots: bool = Field(True, description="Fetch and honour robots.txt (RFC 9309).")
    robots_ttl_s: PositiveFloat = Field(3600.0, description="robots.txt cache time without max-age.")
    robots_min_ttl_s: PositiveFloat = Field(60.0, description="Shortest robots.txt cache time.")
    robots_max_ttl_s: PositiveFloat = Field(86400.0, description="Longest robots.txt cache time.")
    robots_retry_s: PositiveFloat = Field(
        60.0, description="After robots.txt was unreachable (5xx, timeout): wait before retrying."
    )
    robots_max_bytes: PositiveInt = Field(512 * 1024, description="robots.txt bytes read at most.")
    robots_cache_hosts: PositiveInt = Field(20000, description="Hosts whose robots.txt is kept.")
    max_crawl_delay_s: NonNegativeFloat = Field(
        30.0, description="Crawl-delay honoured up to this many seconds."
    )
    host_backoff_base_s: PositiveFloat = Field(
        5.0, description="First back-off of a host after 429/503 (doubles while they go on)."
    )
    host_backoff_max_s: PositiveFloat = Field(300.0, description="Longest back-off of a host.")
    max_host_wait_s: NonNegativeFloat = Field(
        15.0,
        description="A request expecting to wait longer for its host (back-off or backlog) is "
        "deferred through the retry topic instead of waiting in the process.",
    )
    allow_private_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="CIDRs allowed although private/loopback/link-local (SSRF guard exceptions).",
    )
