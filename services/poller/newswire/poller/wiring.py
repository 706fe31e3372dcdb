"""The poller stage: the feed registry in, fetch requests and feed statuses out.

Feeds live in the `feeds` table (co-partitioned with the feeds topic); a timer polls the due
feeds of this instance's active partitions, each poll in its own task so that a slow host never
holds up the others. WebSub callbacks are routes on the stage's web server. Table values are
`FeedRecord`s and `SeenRecord`s (`state`), stored with `to_table` and read with `from_table`;
feed records through a `RecordCache` (the poll timer scans every feed every tick; seen sets are
large and read once per poll, so they are not cached).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from newswire.contracts import FeedConfig
from newswire.contracts.feeds import FeedKind
from newswire.poller.adapters import (
    AiohttpFeedClient,
    AiohttpHubClient,
    FeedClient,
    HubClient,
    read_sitemap_children,
)
from newswire.poller.logic import FeedResponse, PollOutcome, WebSubHint, conditional_headers, evaluate_poll, evaluate_push, is_due, new_record, websub_due, with_state
from newswire.poller.items import RecentUrls, merge_seen, seen_digest
from newswire.poller.parsing import ParsedFeed
from newswire.poller.incremental import ItemMemo
from newswire.poller.sitemap import parse_document
from newswire.poller.scheduling import host_deferred
from newswire.poller.settings import PollerSettings
from newswire.poller.state import FeedRecord, SeenRecord, SitemapChild, WebSubSubscription
from newswire.poller.websub import (
    CALLBACK_PATH,
    callback_url,
    signature_valid,
    subscription_secret,
    verify_intent,
)
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.runtime.state import (
    NewerRecordError,
    RecordCache,
    StateError,
    TableRecord,
    from_table,
    to_table,
)
from newswire.runtime.tables import partition_scope
from newswire.runtime.web import WebRequest, WebResponse
from newswire.topics import FEED_STATUS, FEEDS, FETCH_REQUESTS

log = get_logger("newswire.poller")

R = TypeVar("R", bound=TableRecord)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def build(
    settings: PollerSettings, client: FeedClient | None = None, hub_client: HubClient | None = None
) -> Stage:
    """The poller stage, polling with `client` (the aiohttp one by default)."""
    stage = Stage("poller", settings)
    # feed id -> FeedRecord; feed id -> SeenRecord, one per feed (see `merge_seen`)
    feeds = stage.table("feeds", source=FEEDS, default=None)
    seen = stage.table("seen", source=FEEDS, default=None)
    feed_records = RecordCache(FeedRecord)
    unreadable: set[tuple[str, str]] = set()
    aio = AiohttpFeedClient(settings) if client is None else None
    http: FeedClient = client or cast(FeedClient, aio)
    hubs: HubClient | None = hub_client or (AiohttpHubClient(aio, settings) if aio else None)
    policy = settings.policy()
    feeds_topic = FEEDS.full_name(stage.prefix)
    in_flight: set[str] = set()
    host_load: Counter[str] = Counter()
    tasks: set[asyncio.Task[None]] = set()
    deferred_hosts: dict[str, float] = {}
    pending_subs: dict[str, dict[str, str]] = {}
    rng = random.Random()
    # Without a configured key, a random one per process: subscriptions made by an earlier
    # process are then renewed on the next poll (their key id differs).
    websub_key = settings.websub_secret.get_secret_value() or secrets.token_hex(32)
    key_id = subscription_secret(websub_key, "key-id")[:16]

    def read(cls: type[R], feed_id: str, value: Any, cache: RecordCache[R] | None = None) -> R | None:
        """The record stored under `feed_id` (None if there is none). A record this release
        cannot read (corrupt, or restructured by a newer one) is left alone: logged once, and
        skipped as if absent."""
        if value is None:
            return None
        try:
            return from_table(cls, value) if cache is None else cache.read(feed_id, value)
        except StateError as exc:
            if (cls.__name__, feed_id) not in unreadable:
                unreadable.add((cls.__name__, feed_id))
                log.warning("record_unreadable", record=cls.__name__, feed_id=feed_id, error=str(exc))
            return None

    def read_feed(feed_id: str, value: Any = None) -> FeedRecord | None:
        """The feed's record (`value`: as the table already gave it)."""
        return read(FeedRecord, feed_id, feeds.get(feed_id) if value is None else value, feed_records)

    @stage.handler(FEEDS)
    async def on_feed(config: FeedConfig, ctx: Context) -> None:
        # A tombstone never gets here (the runtime dead-letters it): enabled=False removes.
        partition = ctx.origin.partition
        with partition_scope(feeds_topic, partition):
            stored = feeds.get(config.feed_id)
            if not config.enabled:
                if stored is not None:
                    del feeds[config.feed_id]
                if seen.get(config.feed_id) is not None:
                    del seen[config.feed_id]
                feed_records.forget(config.feed_id)
                log.info("feed_removed", feed_id=config.feed_id, url=str(config.url))
                return
            current: FeedRecord | None = None
            if stored is not None:
                try:
                    current = feed_records.read(config.feed_id, stored)
                except NewerRecordError:
                    raise  # not overwritten by an older release: dead-lettered, replay after the deploy
                except StateError as exc:  # a corrupt record: the config starts it afresh
                    log.warning("record_unreadable", record="FeedRecord", feed_id=config.feed_id, error=str(exc))
            feeds[config.feed_id] = feed_records.write(config.feed_id, new_record(config, partition, current))
        log.info("feed_added" if stored is None else "feed_updated", feed_id=config.feed_id)

    recent_urls = RecentUrls(settings.url_window_s)
    # a feed read again (a push, a changed poll) parses only its items not seen before
    memo = ItemMemo(settings.parse_memo_items) if settings.parse_memo_items else None

    def url_recent(now: float) -> Callable[[str], bool]:
        return lambda aid: recent_urls.recent(aid, now)

    def seen_check(feed_id: str) -> Callable[[str], bool]:
        current = read(SeenRecord, feed_id, seen.get(feed_id))
        digests: Mapping[str, float] = current.first_seen if current is not None else {}
        return lambda key: seen_digest(key) in digests

    async def parse_off_loop(response: FeedResponse, kind: FeedKind | None = None) -> ParsedFeed | None:
        """Parse a full response in a worker thread with a time limit (the loop keeps serving
        other polls; a pathological document fails with 'timeout')."""
        if response.error_class or response.status is None or not 200 <= response.status < 300:
            return None
        content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type")
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(
                    parse_document, response.body or b"", response.final_url or response.url,
                    content_type=content_type, kind=kind, max_feed_bytes=settings.max_feed_bytes,
                    max_sitemap_bytes=settings.max_sitemap_bytes, memo=memo,
                ),
                timeout=settings.parse_timeout_s,
            )
        except TimeoutError:
            return ParsedFeed(
                error_class="timeout", error_message=f"parsing took over {settings.parse_timeout_s}s"
            )

    async def parse_child(response: FeedResponse) -> ParsedFeed:
        return await parse_off_loop(response, "sitemap") or ParsedFeed(
            error_class="other", error_message="no body"
        )

    async def with_children(
        record: FeedRecord, response: FeedResponse, parsed: ParsedFeed | None
    ) -> tuple[ParsedFeed | None, dict[str, SitemapChild] | None]:
        """A sitemap index's children read (or, after a 304 of the index, those read last time
        read again): the merged document and the children's validators."""
        previous = record.poll.sitemap_children
        if parsed is not None and parsed.ok and parsed.version == "sitemap-index":
            root: ParsedFeed | None = parsed
        elif response.status == 304 and response.error_class is None and previous:
            root = None
        else:
            return parsed, None
        return await read_sitemap_children(
            http, parse_child, response.final_url or response.url, root, previous,
            now=time.time(), max_age_s=settings.sitemap_max_age_s,
            max_children=settings.max_sitemap_children, max_depth=settings.max_sitemap_depth,
            max_bytes=settings.max_sitemap_bytes,
        )

    async def publish(outcome: PollOutcome, partition: int) -> None:
        for request in outcome.requests:
            await stage.send(Emit(FETCH_REQUESTS, request.host, request))
        now = time.time()
        recent_urls.add(outcome.url_keys, now)
        if outcome.seen_keys:
            feed_id = outcome.status.feed_id
            with partition_scope(feeds_topic, partition):
                stored = seen.get(feed_id)
                current = read(SeenRecord, feed_id, stored)
                if stored is None or current is not None:  # an unreadable one is left alone
                    seen[feed_id] = to_table(merge_seen(
                        current, outcome.seen_keys, now, settings.seen_ttl_s,
                        settings.max_seen_per_feed,
                    ))
        await stage.send(Emit(FEED_STATUS, outcome.status.feed_id, outcome.status))

    async def poll(feed_id: str, record: FeedRecord, host: str) -> None:
        try:
            url = record.url
            etag, last_modified = conditional_headers(record, policy)
            started = time.time()
            kind: FeedKind | None = record.config.kind or record.poll.kind
            response = await http.get(
                url, etag=etag, last_modified=last_modified,
                max_bytes=settings.max_sitemap_bytes if kind == "sitemap" else None,
            )
            parsed = await parse_off_loop(response, kind)
            parsed, children = await with_children(record, response, parsed)
            partition = record.partition
            with partition_scope(feeds_topic, partition):
                now = time.time()
                outcome = evaluate_poll(
                    record, response, started_at=started, now=now, policy=policy,
                    seen=seen_check(feed_id), url_recent=url_recent(now),
                    draw=rng.random(), parsed=parsed, sitemap_children=children,
                )
            if outcome.host_retry_until is not None:
                host = _host(response.final_url or url)
                deferred_hosts[host] = max(deferred_hosts.get(host, 0.0), outcome.host_retry_until)
            await publish(outcome, partition)
            with partition_scope(feeds_topic, partition):
                current = read_feed(feed_id)
                if current is not None and str(current.config.url) == str(record.config.url):
                    feeds[feed_id] = feed_records.write(feed_id, with_state(current, outcome.state))
            if outcome.websub is not None:
                await maybe_subscribe(feed_id, outcome.websub, partition)
            status = outcome.status
            log.info(
                "feed_polled", feed_id=feed_id, status=status.status_code,
                items_new=status.items_new, not_modified=status.not_modified,
                error_class=status.error_class, interval_s=status.interval_s,
                disabled=status.disabled or None, redirected_to=status.redirected_to and str(status.redirected_to),
            )
        except Exception:  # one feed must never take the poller down
            log.exception("poll_failed", feed_id=feed_id)
        finally:
            in_flight.discard(feed_id)
            host_load[host] -= 1
            if host_load[host] <= 0:
                del host_load[host]
            poll_finished()

    async def maybe_subscribe(feed_id: str, hint: WebSubHint, partition: int) -> None:
        base = settings.websub_callback_url
        if not base or hubs is None:
            return
        with partition_scope(feeds_topic, partition):
            record = read_feed(feed_id)
        now = time.time()
        if record is None or not websub_due(record, hint, now, settings.websub_renew_before_s, key_id):
            return
        sub = WebSubSubscription(hub=hint.hub, topic=hint.topic, requested_at=now, key_id=key_id)
        if record.websub is not None and record.websub.topic == hint.topic:
            sub = sub.model_copy(update={"lease_until": record.websub.lease_until})  # renewal keeps the old lease
        pending_subs[feed_id] = {"hub": hint.hub, "topic": hint.topic}
        with partition_scope(feeds_topic, partition):
            feeds[feed_id] = feed_records.write(feed_id, record.model_copy(update={"websub": sub}))
        ok, detail = await hubs.subscribe(
            hint.hub, topic=hint.topic, callback=callback_url(base, feed_id),
            secret=subscription_secret(websub_key, feed_id), lease_s=settings.websub_lease_s,
        )
        log.info("websub_subscribe", feed_id=feed_id, hub=hint.hub, accepted=ok, detail=detail)

    def active_partitions() -> set[int]:
        # The in-memory store also holds standby copies of other instances' partitions: only
        # the partitions this instance actively owns are polled (RocksDB iterates just those).
        return stage.active_partitions(FEEDS)

    scan_state = {"backlog": False, "pending": False}

    def start_due() -> None:
        """Start the polls of due feeds, most overdue first, at most as many as the process can
        have in flight (plus a queue as deep) and never more than a host's limit at once: an
        overloaded poller stays fair instead of re-polling the same feeds."""
        now = time.time()
        mine = active_partitions()
        for host in [h for h, until in deferred_hosts.items() if until <= now]:
            del deferred_hosts[host]
        room = settings.global_concurrency * 2 - len(in_flight)
        if stage.producer_backlog() > settings.max_producer_backlog:
            # Table writes wait in the producer's buffer: polling faster than Kafka takes
            # them would only grow memory (and starve the feeds topic's consumer).
            scan_state["backlog"] = True
            return
        due: list[tuple[float, str, FeedRecord]] = []
        for feed_id, value in list(feeds.items()):
            if feed_id in in_flight:
                continue
            record = read_feed(feed_id, value)
            if record is None or not is_due(record, now) or record.partition not in mine:
                continue
            if host_deferred(deferred_hosts, _host(record.url), now):
                continue
            due.append((record.poll.next_poll_at, feed_id, record))
        due.sort(key=lambda d: d[0])
        started = 0
        for _, feed_id, record in due:
            if room <= 0:
                break
            host = _host(record.url)
            if host_load[host] >= settings.per_host_concurrency:
                continue  # its host is busy: feeds of idle hosts go first
            room -= 1
            started += 1
            host_load[host] += 1
            in_flight.add(feed_id)
            task = asyncio.ensure_future(poll(feed_id, record, host))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        scan_state["backlog"] = started < len(due)

    def poll_finished() -> None:
        """With feeds left waiting, look again soon after polls finish (not only on the tick)."""
        if not scan_state["backlog"] or scan_state["pending"]:
            return
        scan_state["pending"] = True

        async def rescan() -> None:
            await asyncio.sleep(0.05)  # let a few more polls finish: one scan starts them all
            scan_state["pending"] = False
            try:
                start_due()
            except Exception:  # the tick will try again
                log.exception("rescan_failed")

        task = asyncio.ensure_future(rescan())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    @stage.timer(settings.poll_tick_s)
    async def poll_due() -> None:
        start_due()

    @stage.timer(settings.seen_sweep_s)
    async def sweep_seen() -> None:
        """Drop expired identities of feeds that have had no new item for a while (a feed's set
        is otherwise pruned whenever it is written) and the sets of removed feeds."""
        now = time.time()
        dropped = 0
        mine = active_partitions()
        for n, (fid, value) in enumerate(list(seen.items())):
            current = read(SeenRecord, fid, value)
            record = read_feed(fid)
            if current is None or (record is not None and record.partition not in mine):
                continue
            if record is None:
                continue  # a removed feed: its partition's owner cannot be known here
            kept = merge_seen(current, (), now, settings.seen_ttl_s, settings.max_seen_per_feed)
            if len(kept.first_seen) != len(current.first_seen):
                dropped += len(current.first_seen) - len(kept.first_seen)
                with partition_scope(feeds_topic, record.partition):
                    seen[fid] = to_table(kept)
            if n % 500 == 0:
                await asyncio.sleep(0)
        if dropped:
            log.info("seen_swept", dropped=dropped)

    # -- WebSub callback --------------------------------------------------------------------

    def owned_record(feed_id: str) -> FeedRecord | None:
        record = read_feed(feed_id)
        if record is None or record.partition not in active_partitions():
            return None
        return record

    async def on_verify(feed_id: str, params: Mapping[str, str]) -> tuple[int, str]:
        record = owned_record(feed_id)
        known = record.websub.topic if record is not None and record.websub is not None else None
        answer = verify_intent(params, pending_subs.get(feed_id), known)
        if record is not None and (answer.lease_s is not None or answer.denied):
            sub = record.websub or WebSubSubscription()
            if answer.lease_s is not None:
                sub = sub.model_copy(update={
                    "lease_until": time.time() + (answer.lease_s or settings.websub_lease_s),
                    "topic": params.get("hub.topic"),
                })
            else:
                sub = sub.model_copy(update={"lease_until": None, "denied": answer.denied})
            with partition_scope(feeds_topic, record.partition):
                feeds[feed_id] = feed_records.write(feed_id, record.model_copy(update={"websub": sub}))
            pending_subs.pop(feed_id, None)
        log.info("websub_verify", feed_id=feed_id, mode=params.get("hub.mode"), status=answer.status)
        return answer.status, answer.body

    async def on_push(feed_id: str, body: bytes, signature: str | None, content_type: str | None) -> None:
        record = owned_record(feed_id)
        if record is None:
            log.info("websub_push_ignored", feed_id=feed_id, reason="feed not polled here")
            return
        if not signature_valid(subscription_secret(websub_key, feed_id), body, signature):
            # The spec: ignore content with a bad signature, but still answer 2xx.
            log.warning("websub_bad_signature", feed_id=feed_id)
            return
        url = record.url
        parsed = await parse_off_loop(
            FeedResponse(url=url, final_url=url, status=200, body=body,
                         headers={"content-type": content_type or ""})
        )
        partition = record.partition
        with partition_scope(feeds_topic, partition):
            now = time.time()
            outcome = evaluate_push(
                record, body, content_type=content_type, received_at=now,
                seen=seen_check(feed_id), url_recent=url_recent(now), parsed=parsed,
            )
        await publish(outcome, partition)
        log.info("websub_push", feed_id=feed_id, items_new=outcome.status.items_new,
                 error_class=outcome.status.error_class)

    @stage.web_route(CALLBACK_PATH, methods=("GET", "POST"))
    async def websub_callback(request: WebRequest) -> WebResponse:
        """`/websub/{feed_id}/`: GET verification of intent, POST content distribution."""
        feed_id = request.params["feed_id"]
        if request.method == "GET":
            status, text = await on_verify(feed_id, dict(request.query))
            return WebResponse(status, text)
        if (request.content_length or 0) > settings.max_push_bytes:
            return WebResponse(413, "too large")
        body = await request.read(settings.max_push_bytes + 1)
        if len(body) > settings.max_push_bytes:
            return WebResponse(413, "too large")
        try:
            await on_push(feed_id, body, request.headers.get("x-hub-signature"), request.headers.get("content-type"))
        except Exception:  # a push must never take the poller down; polling catches up
            log.exception("websub_push_failed", feed_id=feed_id)
        return WebResponse(202, "")

    @stage.on_shutdown
    async def close_client() -> None:
        for task in list(tasks):
            task.cancel()
        await http.close()

    return stage


def main() -> None:
    """`newswire run poller`."""
    build(PollerSettings()).run()
