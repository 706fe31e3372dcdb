"""Feed registry and feed health messages."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, NonNegativeFloat, NonNegativeInt, PositiveInt

from newswire.contracts.base import Contract, FeedId, UtcDatetime


FeedKind = Literal["feed", "sitemap"]


class FeedConfig(Contract):
    """One feed to poll. Lives on the compacted feeds topic, keyed by feed id; a tombstone
    (null value) removes the feed."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    feed_id: FeedId
    url: AnyHttpUrl = Field(
        description="The feed URL (RSS, Atom, RDF or JSON Feed) or sitemap URL (sitemap, sitemap "
        "index, Google News sitemap; gzipped or not)."
    )
    kind: FeedKind | None = Field(
        None,
        description="What the URL serves: 'feed' or 'sitemap'; null: sniffed from each document. "
        "Declaring 'sitemap' lets the poller read up to its sitemap size cap (the protocol's "
        "50 MB) instead of the feed cap.",
    )
    title: str | None = Field(None, description="Human name of the feed, if known.")
    outlet: str | None = Field(None, description="The publishing outlet, e.g. 'The Guardian'.")
    language: str | None = Field(None, description="Expected language (BCP 47), if known.")
    tags: tuple[str, ...] = Field((), description="Free-form labels for grouping feeds.")
    enabled: bool = Field(True, description="False pauses polling without removing the feed.")
    min_interval_s: PositiveInt | None = Field(
        None, description="Override of the poller's lower bound on the poll interval, seconds."
    )
    max_interval_s: PositiveInt | None = Field(
        None,
        description="Override of the poller's upper bound on the poll interval, seconds; it also "
        "caps the delay the feed itself asks for (RSS ttl, Cache-Control).",
    )
    added_at: UtcDatetime = Field(description="When the feed was added to the registry.")


FeedErrorClass = Literal[
    "dns",
    "connect",
    "timeout",
    "tls",
    "http_4xx",
    "http_5xx",
    "rate_limited",
    "gone",
    "too_large",
    "not_a_feed",
    "malformed",
    "bot_challenge",
    "refused_address",
    "redirect_loop",
    "too_deep",
    "other",
]
"""Why a poll failed. Sitemaps add `too_deep` (sitemap indexes nested beyond the poller's bound,
or looping back on themselves, with no sitemap of URLs within it); an oversized sitemap, a gzip
body that expands beyond the cap and a sitemap over the protocol's 50,000 URLs are `too_large`."""

FeedWarningClass = Literal[
    "leading_whitespace",
    "byte_order_mark",
    "encoding_mismatch",
    "undefined_entity",
    "bare_ampersand",
    "invalid_character",
    "mismatched_tag",
    "truncated",
    "not_well_formed",
    "sitemap_children_capped",
    "sitemap_child_failed",
]
"""What was wrong with a feed document that was read anyway (the poller recovers its items and
says what it had to forgive): whitespace or a byte-order mark before the XML declaration, a
declared encoding that is not the document's, HTML entities XML does not define, bare `&`,
characters XML forbids, mis-nested tags, a document cut short (the items before the cut are
kept), `not_well_formed` for any other XML error. Sitemap indexes: `sitemap_children_capped` (more
recent child sitemaps than the poller reads per poll: the newest were read) and
`sitemap_child_failed` (a child sitemap could not be read; the others' URLs were kept)."""


class FeedStatus(Contract):
    """The outcome of one poll of one feed: the feed-health time series."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    feed_id: FeedId
    feed_url: AnyHttpUrl = Field(description="The URL polled (after any stored permanent redirect).")
    polled_at: UtcDatetime = Field(description="When the poll started.")
    status_code: int | None = Field(None, description="HTTP status, or null if no response.")
    duration_ms: NonNegativeInt = Field(description="Wall time of the poll, milliseconds.")
    bytes: NonNegativeInt = Field(0, description="Response body size, bytes (0 on a 304).")
    items_total: NonNegativeInt = Field(0, description="Items in the feed document.")
    items_new: NonNegativeInt = Field(0, description="Items not seen before (fetch requests emitted).")
    validator: Literal["etag", "last-modified", "both", "none"] = Field(
        "none", description="Which conditional-GET validators were sent."
    )
    not_modified: bool = Field(False, description="The server answered 304 Not Modified.")
    error_class: FeedErrorClass | None = Field(None, description="Failure class, null on success.")
    error_message: str | None = Field(None, description="Human-readable failure detail.")
    consecutive_failures: NonNegativeInt = Field(0, description="Failures in a row, this one included.")
    next_poll_at: UtcDatetime | None = Field(None, description="When the feed is due again.")
    disabled: bool = Field(False, description="The feed has been disabled (see disabled_reason).")
    disabled_reason: str | None = Field(None, description="Why the feed was disabled.")
    source: Literal["poll", "push"] = Field(
        "poll", description="'push' for content delivered by a WebSub hub, else 'poll'."
    )
    interval_s: NonNegativeFloat | None = Field(
        None, description="The feed's current adaptive poll interval, seconds."
    )
    validators_trusted: bool = Field(
        True, description="False once the feed's ETag/Last-Modified were caught lying."
    )
    validator_problem: str | None = Field(
        None, description="Why the validators are no longer trusted."
    )
    redirected_to: AnyHttpUrl | None = Field(
        None, description="New feed URL after a permanent redirect (301/308), now stored."
    )
    websub_hub: AnyHttpUrl | None = Field(
        None, description="The WebSub hub the feed advertises, if any."
    )
    warnings: tuple[FeedWarningClass, ...] = Field(
        (),
        description=(
            "What the poller had to forgive to read the document (its items were recovered and "
            "emitted; error_class stays null): leading_whitespace, byte_order_mark, "
            "encoding_mismatch, undefined_entity, bare_ampersand, invalid_character, "
            "mismatched_tag, truncated (items after the cut are lost), not_well_formed (any "
            "other XML error), sitemap_children_capped, sitemap_child_failed. Empty for a clean "
            "document, a 304 or a failure."
        ),
    )
