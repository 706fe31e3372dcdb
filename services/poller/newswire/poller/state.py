"""The poller's table records: what the `feeds` and `seen` tables hold, typed and versioned.

`feeds`, per feed id: a `FeedRecord` (the feed's config, its partition, its `PollState`, its
WebSub subscription). `seen`, per feed id: a `SeenRecord` (digests of the item identities
already requested, with when each was first seen). Written with `to_table`, read with
`from_table` (`newswire.runtime.state`: versions, migrations, unknown keys kept).

Version 1 of both is the plain dict the poller stored before these types (no `schema_version`
key; see `tests/unit/poller/state/legacy_records.json`); version 2 is the shape below. The
migrations from 1 move a feed's flat poll fields under `poll` and a seen dict under
`first_seen`, keeping every value as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, field_validator

from newswire.contracts import FeedConfig
from newswire.contracts.feeds import FeedKind
from newswire.runtime.state import StateModel, TableRecord

__all__ = ["FeedRecord", "PollState", "SeenRecord", "SitemapChild", "WebSubSubscription"]


class SitemapChild(StateModel):
    """A child sitemap an index listed, as read at the last poll: its validators for the next
    conditional GET and the `lastmod` the index gave it (epoch s)."""

    etag: str | None = None
    last_modified: str | None = None
    lastmod: float | None = None


class PollState(StateModel):
    """What polling has learnt about a feed (all times epoch seconds)."""

    url: str | None = None
    """The URL polled: the configured one, or where permanent redirects (301/308) moved it."""
    etag: str | None = None
    """The validators sent on the next conditional GET."""
    last_modified: str | None = None
    next_poll_at: float = 0.0
    consecutive_failures: int = 0
    rate: float | None = None
    """Estimated new items per second; None while unknown."""
    interval_s: float | None = None
    """The adaptive interval of the last poll."""
    last_ok_at: float | None = None
    polls: int = 0
    content_hash: str | None = None
    """Fingerprint of the last full document, and the validators it came with: a changed
    document under the same validators is a lie (`validators_trusted` turns false)."""
    content_etag: str | None = None
    content_lm: str | None = None
    last_304_at: float | None = None
    """The first 304 since the last full document."""
    validators_trusted: bool = True
    validator_problem: str | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    kind: FeedKind | None = None
    """What the last document was (declared or not)."""
    sitemap_children: Mapping[str, SitemapChild] = Field(default_factory=dict)
    """Of a sitemap index: the children read at the last poll, by URL."""


class WebSubSubscription(StateModel):
    """A feed's WebSub subscription: asked for (`requested_at`), verified (`lease_until`) or
    denied. Every field may be missing: a verification can arrive for a request the record
    no longer shows."""

    hub: str | None = None
    topic: str | None = None
    requested_at: float | None = None
    lease_until: float | None = None
    key_id: str | None = None
    """Which secret key the subscription was made with (a new key resubscribes)."""
    denied: str | None = None
    """The hub's reason, when it denied the subscription."""


class FeedRecord(TableRecord):
    """The `feeds` table's record of one feed."""

    schema_version: int = 2
    config: FeedConfig
    partition: int
    """The feeds topic's partition the feed belongs to (its table writes go there)."""
    poll: PollState = PollState()
    websub: WebSubSubscription | None = None

    @field_validator("config", mode="before")
    @classmethod
    def _known_config_fields(cls, value: Any) -> Any:
        """A stored config is a copy of the feeds topic's message: keys a newer FeedConfig may
        carry are dropped here (the contract refuses unknown keys, the table tolerates them)."""
        if isinstance(value, Mapping):
            return {k: v for k, v in value.items() if k in FeedConfig.model_fields}
        return value

    @property
    def url(self) -> str:
        """The URL to poll: the configured one, unless permanent redirects moved the feed."""
        return self.poll.url or str(self.config.url)


@FeedRecord.migration(from_version=1)
def _feed_from_flat_dict(value: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (a flat dict: config, partition, websub and the poll fields side by side) to
    2: the poll fields under `poll`; other keys (config, partition, websub, unknown) stay."""
    poll = {k: value[k] for k in PollState.model_fields if k in value}
    rest = {k: v for k, v in value.items() if k not in poll}
    return {**rest, "poll": poll, "schema_version": 2}


class SeenRecord(TableRecord):
    """The `seen` table's record of one feed: {64-bit digest of an item identity: first seen,
    epoch s}, bounded by age and count (`logic.merge_seen`)."""

    schema_version: int = 2
    first_seen: Mapping[str, float] = Field(default_factory=dict)


@SeenRecord.migration(from_version=1)
def _seen_from_plain_dict(value: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (the digests themselves were the keys) to 2."""
    return {"first_seen": value, "schema_version": 2}
