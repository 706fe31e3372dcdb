"""The poller's pure logic: the poll state of a feed, and turning a poll's (or a WebSub push's)
outcome into FetchRequests, a FeedStatus and the next state. Item identity and dedupe live in
`items` (re-exported here).

Feed records (the `feeds` table) are `FeedRecord`s and seen sets (the `seen` table)
`SeenRecord`s, frozen models defined in `state` (stored with `to_table`, read with
`from_table`). Parsing lives in `parsing`, interval arithmetic in `scheduling`, feed lists in
`feedlist`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from newswire.contracts import FeedConfig, FeedStatus, FetchRequest
from newswire.contracts.feeds import FeedErrorClass
from newswire.net.addresses import parse_retry_after
from newswire.net.status import feed_status_error
from newswire.poller.feedlist import FeedEntry, parse_feed_list, render_opml
from newswire.poller.items import (
    content_fingerprint,
    fetch_request,
    item_identity,
    new_items,
    seen_expired,
    seen_key,
)
from newswire.poller.parsing import ParsedFeed, ParsedItem, html_to_text, parse_feed
from newswire.poller.scheduling import (
    Bounds,
    adaptive_interval,
    asked_delay,
    backoff_s,
    bounds_for,
    hint_cap,
    next_delay,
    poll_interval,
    rate_from_dates,
    update_rate,
)
from newswire.poller.sitemap import fresh_items, parse_document
from newswire.poller.state import (
    FeedRecord,
    PollState,
    SitemapChild,
    WebSubSubscription,
)

__all__ = [
    "FeedEntry", "FeedResponse", "ParsedFeed", "ParsedItem", "PollOutcome", "PollPolicy",
    "backoff_s", "conditional_headers", "evaluate_poll", "evaluate_push", "html_to_text",
    "is_due", "item_identity", "new_items", "new_record", "parse_feed", "parse_feed_list",
    "poll_interval", "render_opml", "seen_expired", "seen_key", "validator_used", "with_state",
]


# -- state ------------------------------------------------------------------------------------

Validator = Literal["etag", "last-modified", "both", "none"]


@dataclass(frozen=True)
class PollPolicy:
    """The poller's scheduling and health settings, as the pure logic needs them."""

    default_interval_s: float = 300.0
    bounds: Bounds = Bounds(120.0, 86400.0)
    max_backoff_s: float = 3600.0
    max_failures: int = 10
    jitter: float = 0.1
    hint_cap_s: float = 86400.0
    websub_interval_s: float = 6 * 3600.0
    unconditional_every: int = 12
    url_window_s: float = 86400.0
    sitemap_max_age_s: float = 2 * 86400.0
    """Live polling requests the sitemap URLs dated within this window (older: backfill)."""
    sitemap_max_items: int = 1000
    """... and of those the newest this many per poll."""


def validator_used(etag: str | None, last_modified: str | None) -> Validator:
    """Which conditional-GET validators a request carries."""
    if etag and last_modified:
        return "both"
    if etag:
        return "etag"
    if last_modified:
        return "last-modified"
    return "none"


def new_record(config: FeedConfig, partition: int, previous: FeedRecord | None) -> FeedRecord:
    """The table record of a (re)configured feed, keeping the poll state of an existing one.
    Re-publishing a feed's config re-enables a feed the poller disabled and forgets its stored
    redirect only if the configured URL changed."""
    url = str(config.url)
    if previous is None:
        return FeedRecord(config=config, partition=partition, poll=PollState(url=url))
    poll = previous.poll
    if str(previous.config.url) == url and poll.url:
        url = poll.url
    return previous.model_copy(update={
        "config": config,
        "partition": partition,
        "poll": poll.model_copy(update={
            "url": url,
            "next_poll_at": 0.0 if poll.disabled else poll.next_poll_at,
            "consecutive_failures": 0 if poll.disabled else poll.consecutive_failures,
            "disabled": False,
            "disabled_reason": None,
        }),
    })


def is_due(record: FeedRecord, now: float) -> bool:
    """True if the feed should be polled now."""
    if record.poll.disabled or not record.config.enabled:
        return False
    return record.poll.next_poll_at <= now


def conditional_headers(record: FeedRecord, policy: PollPolicy) -> tuple[str | None, str | None]:
    """The (ETag, Last-Modified) validators the next poll sends: none once they were caught
    lying, and none on every `unconditional_every`-th poll (which checks that they still tell
    the truth)."""
    poll = record.poll
    if not poll.validators_trusted:
        return None, None
    if poll.content_hash and policy.unconditional_every > 0 and poll.polls % policy.unconditional_every == policy.unconditional_every - 1:
        return None, None
    return poll.etag, poll.last_modified


@dataclass(frozen=True)
class FeedResponse:
    """What the adapter saw when it polled a feed."""

    url: str
    final_url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error_class: FeedErrorClass | None = None
    error_message: str | None = None
    duration_ms: int = 0
    permanent_url: str | None = None
    """Where every hop of the redirect chain was permanent (301/308): the new feed URL."""


@dataclass(frozen=True)
class WebSubHint:
    """A feed's advertised hub and the topic URL to subscribe to."""

    hub: str
    topic: str


@dataclass(frozen=True)
class PollOutcome:
    """Everything one poll produces: requests, seen keys, the new poll state and the status."""

    requests: tuple[FetchRequest, ...]
    seen_keys: tuple[str, ...]
    state: PollState | None
    """The feed's poll state after the poll (None: unchanged, as after a WebSub push)."""
    status: FeedStatus
    url_keys: tuple[str, ...] = ()
    """Article ids requested now (the cross-feed dedupe window)."""
    host_retry_until: float | None = None
    """Set when the host answered Retry-After: no feed of that host is polled before it."""
    websub: WebSubHint | None = None


def _select_new(
    feed_id: str,
    parsed: ParsedFeed,
    now: float,
    seen: Callable[[str], bool],
    url_recent: Callable[[str], bool],
) -> tuple[list[FetchRequest], list[str], list[str], list[ParsedItem]]:
    """Requests, seen keys and article ids of the new items; an item whose URL another feed had
    requested within the window is marked seen but not requested again."""
    when = datetime.fromtimestamp(now, UTC)
    requests: list[FetchRequest] = []
    keys: list[str] = []
    url_keys: list[str] = []
    fresh: list[ParsedItem] = []
    for key, item in new_items(feed_id, parsed.items, seen):
        req = fetch_request(feed_id, item, when)
        if req is None:
            continue
        keys.append(key)
        fresh.append(item)
        if req.article_id in url_keys or url_recent(req.article_id):
            continue
        requests.append(req)
        url_keys.append(req.article_id)
    return requests, keys, url_keys, fresh


def _validator_check(
    previous_poll: PollState,
    fingerprint: str,
    etag: str | None,
    last_modified: str | None,
    fresh: Sequence[ParsedItem],
) -> str | None:
    """Why the feed's validators cannot be trusted, judged from a full (200) response; None if
    nothing is wrong. Two lies are caught: the same validator as the last content but different
    content; and content that changed before a 304 the server answered since (seen by the
    occasional unconditional poll, from the new items' dates)."""
    previous = previous_poll.content_hash
    if not previous or previous == fingerprint:
        return None
    if etag and etag == previous_poll.content_etag:
        return f"same ETag {etag} for changed content"
    if not etag and last_modified and last_modified == previous_poll.content_lm:
        return f"same Last-Modified {last_modified} for changed content"
    last_304 = previous_poll.last_304_at
    if last_304:
        dated = [i.published or i.updated for i in fresh if (i.published or i.updated)]
        if dated and min(d.timestamp() for d in dated if d) < last_304 - 60:
            return "304 Not Modified answered although the content had changed"
    return None


def evaluate_poll(
    record: FeedRecord,
    response: FeedResponse,
    *,
    started_at: float,
    now: float,
    policy: PollPolicy,
    seen: Callable[[str], bool],
    url_recent: Callable[[str], bool] = lambda _: False,
    draw: float = 0.5,
    parsed: ParsedFeed | None = None,
    sitemap_children: Mapping[str, SitemapChild] | None = None,
) -> PollOutcome:
    """Turn a poll's response into fetch requests, seen keys, new poll state and a FeedStatus.

    Never raises for a bad response: a malformed feed or a dead host is a FeedStatus with an
    error class and a backoff; 410 Gone, or `max_failures` failures in a row, disable the feed.
    `parsed` is the already parsed body (the service parses off the event loop with a time
    limit); None parses here. `draw` in [0, 1) is the jitter's random draw.

    Sitemaps: `parsed` of a sitemap index is the index merged with the child sitemaps read
    under it (the wiring reads them, `sitemap_children` is their validators, kept in the
    state); of an index that answered 304 it is its children read again. Only the URLs dated
    within `policy.sitemap_max_age_s` are requested; the fingerprint used against lying
    validators is the sitemap's own.
    """
    config = record.config
    previous = record.poll
    feed_id = config.feed_id
    sent_etag, sent_lm = conditional_headers(record, policy)
    bounds = bounds_for(policy.bounds, config)
    headers = {k.lower(): v for k, v in response.headers.items()}
    status = response.status
    error_class: FeedErrorClass | None = response.error_class
    error_message = response.error_message
    if error_class is None and status is not None:
        error_class = feed_status_error(status)
        if error_class is not None:
            error_message = f"HTTP {status}"
    not_modified = error_class is None and status == 304
    items_total = 0
    requests: list[FetchRequest] = []
    keys: list[str] = []
    url_keys: list[str] = []
    websub: WebSubHint | None = None
    trusted, problem = previous.validators_trusted, previous.validator_problem
    changes: dict[str, Any] = {"polls": previous.polls + 1}  # PollState fields this poll sets
    doc: ParsedFeed | None = None
    if error_class is None and not not_modified:
        doc = parsed or parse_document(
            response.body or b"", response.final_url or response.url,
            content_type=headers.get("content-type"), kind=config.kind,
        )
        if not doc.ok:
            error_class, error_message = doc.error_class, doc.error_message
            doc = None
    elif not_modified and parsed is not None and parsed.ok and parsed.is_sitemap:
        doc = parsed  # an unchanged index: the children it listed, read again
    if doc is not None and doc.is_sitemap:
        changes["kind"] = "sitemap"
        changes["sitemap_children"] = dict(sitemap_children or {})
    elif doc is not None:
        changes["kind"] = "feed"
    # rate and interval
    rate = previous.rate
    last_ok = previous.last_ok_at
    if doc is not None:
        items_total = len(doc.items)
        candidates = doc
        if doc.is_sitemap:
            candidates = dataclasses.replace(doc, items=fresh_items(doc, now, policy.sitemap_max_age_s, policy.sitemap_max_items))
        requests, keys, url_keys, fresh = _select_new(feed_id, candidates, now, seen, url_recent)
        if last_ok is None and rate is None:
            rate = rate_from_dates([d for d in (i.published or i.updated for i in candidates.items) if d])
        else:
            rate = update_rate(rate, len(keys), now - (last_ok or started_at))
        if not not_modified:
            fingerprint = doc.fingerprint or content_fingerprint(doc.items)
            new_etag, new_lm = headers.get("etag"), headers.get("last-modified")
            # an index's items come from its children (fetched or 304 on their own): only its own
            # listing speaks for its validators
            own = () if doc.version == "sitemap-index" else fresh
            lie = _validator_check(previous, fingerprint, new_etag, new_lm, own)
            if lie and trusted:
                trusted, problem = False, lie
            changes.update(
                content_hash=fingerprint, content_etag=new_etag, content_lm=new_lm, last_304_at=None
            )
        else:
            changes["last_304_at"] = previous.last_304_at or started_at
        if doc.hints.hub:
            websub = WebSubHint(doc.hints.hub, doc.hints.self_url or response.final_url or response.url)
    elif not_modified:
        rate = update_rate(rate, 0, now - (last_ok or started_at))
        changes["last_304_at"] = previous.last_304_at or started_at
    interval = adaptive_interval(rate, poll_interval(policy.default_interval_s, config), bounds)
    if record.websub is not None and (record.websub.lease_until or 0) > now:
        interval = max(interval, min(policy.websub_interval_s, bounds.max_s))
    # validators kept for the next poll
    etag, last_modified = previous.etag, previous.last_modified
    if error_class is None:
        etag = headers.get("etag") or (etag if not_modified else None)
        last_modified = headers.get("last-modified") or (last_modified if not_modified else None)
    failures = previous.consecutive_failures + 1 if error_class else 0
    host_retry_until: float | None = None
    if error_class is None:
        asked = asked_delay(
            headers, now,
            ttl_s=doc.hints.ttl_s if doc else None,
            update_period_s=doc.hints.update_period_s if doc else None,
        )
        delay = next_delay(
            interval, asked_s=asked, hint_cap_s=hint_cap(policy.hint_cap_s, config),
            jitter=policy.jitter, draw=draw,
        )
        changes["last_ok_at"] = now
    else:
        cap = max(policy.max_backoff_s, interval)
        delay = backoff_s(interval, failures, cap)
        retry_after = parse_retry_after(headers.get("retry-after"), datetime.fromtimestamp(now, UTC))
        if retry_after is not None:
            delay = max(delay, min(retry_after, cap))
            if status in (429, 503):
                host_retry_until = now + min(retry_after, cap)
        delay = next_delay(delay, asked_s=None, hint_cap_s=0.0, jitter=policy.jitter, draw=draw)
    disabled, disabled_reason = False, None
    if error_class == "gone":
        disabled, disabled_reason = True, "410 Gone"
    elif error_class is not None and failures >= policy.max_failures:
        disabled = True
        disabled_reason = f"{failures} failures in a row (last: {error_class}: {error_message or ''})"[:500]
    redirected_to = None
    polled_url = record.url
    if response.permanent_url and response.permanent_url != polled_url and error_class is None:
        redirected_to = response.permanent_url
        changes["url"] = redirected_to
    next_poll_at = now + delay
    changes.update(
        validators_trusted=trusted,
        validator_problem=problem,
        etag=etag,
        last_modified=last_modified,
        next_poll_at=next_poll_at,
        consecutive_failures=failures,
        rate=rate,
        interval_s=interval,
        disabled=disabled,
        disabled_reason=disabled_reason,
    )
    feed_status = FeedStatus(
        feed_id=feed_id,
        feed_url=polled_url,  # type: ignore[arg-type]
        polled_at=datetime.fromtimestamp(started_at, UTC),
        status_code=status,
        duration_ms=max(0, response.duration_ms),
        bytes=len(response.body or b""),
        items_total=items_total,
        items_new=len(keys),
        validator=validator_used(sent_etag, sent_lm),
        not_modified=not_modified,
        error_class=error_class,
        error_message=(error_message or None) if error_class else None,
        consecutive_failures=failures,
        next_poll_at=None if disabled else datetime.fromtimestamp(next_poll_at, UTC),
        disabled=disabled,
        disabled_reason=disabled_reason,
        interval_s=round(interval, 3),
        validators_trusted=trusted,
        validator_problem=problem,
        redirected_to=redirected_to,  # type: ignore[arg-type]
        websub_hub=websub.hub if websub else None,  # type: ignore[arg-type]
        warnings=doc.warnings if doc is not None else (),
    )
    return PollOutcome(
        tuple(requests), tuple(keys), previous.model_copy(update=changes), feed_status,
        tuple(url_keys), host_retry_until, websub,
    )


def evaluate_push(
    record: FeedRecord,
    body: bytes,
    *,
    content_type: str | None,
    received_at: float,
    seen: Callable[[str], bool],
    url_recent: Callable[[str], bool] = lambda _: False,
    parsed: ParsedFeed | None = None,
) -> PollOutcome:
    """Content a WebSub hub pushed: new items become fetch requests as on a poll; the poll state
    (validators, schedule, failures) is left alone, polling being the safety net."""
    config = record.config
    url = record.url
    doc = parsed or parse_document(body, url, content_type=content_type, kind=config.kind)
    requests: list[FetchRequest] = []
    keys: list[str] = []
    url_keys: list[str] = []
    if doc.ok:
        requests, keys, url_keys, _ = _select_new(config.feed_id, doc, received_at, seen, url_recent)
    status = FeedStatus(
        feed_id=config.feed_id,
        feed_url=url,  # type: ignore[arg-type]
        polled_at=datetime.fromtimestamp(received_at, UTC),
        status_code=200,
        duration_ms=0,
        bytes=len(body),
        items_total=len(doc.items),
        items_new=len(keys),
        error_class=doc.error_class,
        error_message=doc.error_message,
        consecutive_failures=record.poll.consecutive_failures,
        next_poll_at=datetime.fromtimestamp(record.poll.next_poll_at or received_at, UTC),
        source="push",
        interval_s=record.poll.interval_s,
        validators_trusted=record.poll.validators_trusted,
        validator_problem=record.poll.validator_problem,
        warnings=doc.warnings,
    )
    return PollOutcome(tuple(requests), tuple(keys), None, status, tuple(url_keys))


def with_state(record: FeedRecord, state: PollState | None) -> FeedRecord:
    """`record` with its poll state replaced by a poll's (`PollOutcome.state`; None: as it is)."""
    return record if state is None else record.model_copy(update={"poll": state})


# -- WebSub -----------------------------------------------------------------------------------


def websub_due(
    record: FeedRecord, hint: WebSubHint, now: float, renew_before_s: float, key_id: str
) -> bool:
    """True if the feed should (re)subscribe: no subscription, another hub, topic or secret key,
    or a lease ending within `renew_before_s`."""
    sub = record.websub or WebSubSubscription()
    if sub.hub != hint.hub or sub.topic != hint.topic or sub.key_id != key_id:
        return True
    pending = sub.requested_at or 0.0
    if not sub.lease_until:
        return now - pending > renew_before_s  # asked, never verified: ask again later
    return sub.lease_until - now < renew_before_s and now - pending > 60.0
