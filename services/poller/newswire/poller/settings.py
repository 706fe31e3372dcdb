"""Poller settings (`NEWSWIRE_*`), read once in `wiring.main` and passed down."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt, SecretStr

from newswire.config import ServiceSettings
from newswire.poller.incremental import DEFAULT_MEMO_ITEMS
from newswire.poller.logic import PollPolicy
from newswire.poller.scheduling import Bounds

DEFAULT_CONTACT_URL = "https://github.com/newswire/newswire"


class PollerSettings(ServiceSettings):
    """How the poller polls feeds."""

    user_agent: str = Field(
        "newswire-poller/0.1", description="Product token of the User-Agent of every feed request."
    )
    contact_url: str = Field(
        DEFAULT_CONTACT_URL, description="Contact URL sent in the User-Agent, for publishers."
    )
    request_timeout_s: PositiveFloat = Field(20.0, description="Total timeout of one feed request.")
    max_feed_bytes: PositiveInt = Field(
        10 * 1024 * 1024, description="Feed bodies beyond this size are aborted ('too_large')."
    )
    parse_timeout_s: PositiveFloat = Field(
        10.0, description="A feed whose parsing takes longer fails with 'timeout'."
    )
    parse_memo_items: NonNegativeInt = Field(
        DEFAULT_MEMO_ITEMS,
        description="Feed items remembered as parsed (about 1 KB each), so a feed read again "
        "costs only its new items; 0 parses every document in full.",
    )
    max_sitemap_bytes: PositiveInt = Field(
        50 * 1024 * 1024,
        description="Cap on a sitemap's body (decompressed), for URLs known to serve sitemaps "
        "(declared kind 'sitemap' or seen to): the protocol's 50 MB. Other URLs get max_feed_bytes.",
    )
    sitemap_max_age_s: PositiveFloat = Field(
        2 * 86400.0,
        description="Live polling requests the sitemap URLs dated (publication date, else lastmod) "
        "within this window and reads the child sitemaps of an index modified within it; older "
        "and undated URLs are for `newswire backfill`.",
    )
    sitemap_max_items: PositiveInt = Field(
        1000,
        description="Of a sitemap's URLs inside the window, live polling considers the newest this "
        "many per poll (Google News sitemaps hold at most 1,000); bounds a sitemap whose every "
        "lastmod claims to be fresh.",
    )
    max_sitemap_children: PositiveInt = Field(
        10, description="Child sitemaps read per poll of a sitemap index at most (newest first)."
    )
    max_sitemap_depth: PositiveInt = Field(
        3, description="Levels of nested sitemap indexes followed below the polled one at most."
    )
    max_redirects: PositiveInt = Field(5, description="Redirects followed at most per poll.")
    poll_interval_s: PositiveFloat = Field(
        900.0, description="Interval of a feed whose item rate is not known yet."
    )
    min_interval_s: PositiveFloat = Field(120.0, description="Lower bound of the adaptive interval.")
    max_interval_s: PositiveFloat = Field(86400.0, description="Upper bound of the adaptive interval.")
    max_hint_s: PositiveFloat = Field(
        86400.0, description="Cap on the delay a feed may ask for (ttl, max-age, Retry-After...)."
    )
    jitter: float = Field(0.1, ge=0.0, le=0.5, description="Relative jitter of every delay.")
    unconditional_every: int = Field(
        12, ge=0, description="Every n-th poll is unconditional, to catch lying validators (0: never)."
    )
    poll_tick_s: PositiveFloat = Field(2.0, description="How often due feeds are looked for.")
    max_backoff_s: PositiveFloat = Field(3600.0, description="Upper bound of the failure backoff.")
    max_failures: PositiveInt = Field(
        20, description="Consecutive failures after which a feed is disabled."
    )
    max_producer_backlog: PositiveInt = Field(
        1000, description="No new polls start while more table writes than this await Kafka."
    )
    per_host_concurrency: PositiveInt = Field(2, description="Polls at once to one host.")
    min_host_delay_s: NonNegativeFloat = Field(
        0.5, description="Minimum delay between the starts of two polls of one host."
    )
    global_concurrency: PositiveInt = Field(64, description="Polls at once in this process.")
    seen_ttl_s: PositiveFloat = Field(
        30 * 24 * 3600.0, description="How long an item identity is remembered for dedupe."
    )
    max_seen_per_feed: PositiveInt = Field(
        5000, description="Item identities remembered per feed at most (the newest kept)."
    )
    url_window_s: PositiveFloat = Field(
        24 * 3600.0, description="An article URL requested by one feed is not requested again "
        "by another within this window."
    )
    seen_sweep_s: PositiveFloat = Field(
        3600.0, description="How often expired item identities are swept from the seen table."
    )
    allow_private_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="CIDRs allowed although private/loopback/link-local (SSRF guard exceptions).",
    )
    websub_callback_url: str | None = Field(
        None,
        description="Public base URL of this instance's web server as hubs reach it, e.g. "
        "'https://poller-1.example.org:6101'; WebSub is off when unset.",
    )
    websub_secret: SecretStr = Field(
        SecretStr(""), description="Key from which each subscription's HMAC secret is derived."
    )
    websub_lease_s: PositiveInt = Field(7 * 86400, description="Lease asked of hubs, seconds.")
    websub_renew_before_s: PositiveFloat = Field(
        3600.0, description="Renew a subscription this long before its lease ends."
    )
    websub_poll_interval_s: PositiveFloat = Field(
        6 * 3600.0, description="Polling interval (safety net) of a feed with an active subscription."
    )
    max_push_bytes: PositiveInt = Field(
        2 * 1024 * 1024, description="Pushed content beyond this size is refused."
    )

    @property
    def full_user_agent(self) -> str:
        """`<product> (+<contact url>)`: identifiable, with a way to reach the operator."""
        return f"{self.user_agent} (+{self.contact_url})"

    def policy(self) -> PollPolicy:
        """The scheduling and health settings, as the pure logic takes them."""
        return PollPolicy(
            default_interval_s=self.poll_interval_s,
            bounds=Bounds(self.min_interval_s, max(self.min_interval_s, self.max_interval_s)),
            max_backoff_s=self.max_backoff_s,
            max_failures=self.max_failures,
            jitter=self.jitter,
            hint_cap_s=self.max_hint_s,
            websub_interval_s=self.websub_poll_interval_s,
            unconditional_every=self.unconditional_every,
            url_window_s=self.url_window_s,
            sitemap_max_age_s=self.sitemap_max_age_s,
            sitemap_max_items=self.sitemap_max_items,
        )
