"""The poller stage: the feed registry in, fetch requests and feed statuses out.

Feeds live in the `feeds` table (co-partitioned with the feeds topic); a timer polls the due
feeds of this instance's partitions, each poll in its own task so that a slow host never holds
up the others.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from newswire.contracts import FeedConfig
from newswire.poller.adapters import AiohttpFeedClient, FeedClient
from newswire.runtime.tables import partition_scope
from newswire.poller.logic import (
    evaluate_poll,
    is_due,
    new_record,
    seen_expired,
    with_state,
)
from newswire.poller.settings import PollerSettings
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import FEED_STATUS, FEEDS, FETCH_REQUESTS

log = get_logger("newswire.poller")


def build(settings: PollerSettings, client: FeedClient | None = None) -> Stage:
    """The poller stage, polling with `client` (the aiohttp one by default)."""
    stage = Stage("poller", settings)
    feeds = stage.table("feeds", source=FEEDS, default=None)
    seen = stage.table("seen", source=FEEDS, default=None)
    http: FeedClient = client or AiohttpFeedClient(settings)
    feeds_topic = FEEDS.full_name(stage.prefix)
    in_flight: set[str] = set()
    tasks: set[asyncio.Task[None]] = set()

    @stage.handler(FEEDS)
    async def on_feed(config: FeedConfig, ctx: Context) -> None:
        # A tombstone never gets here (the runtime dead-letters it): enabled=False removes.
        partition = ctx.origin.partition
        with partition_scope(feeds_topic, partition):
            current = feeds.get(config.feed_id)
            if not config.enabled:
                if current is not None:
                    del feeds[config.feed_id]
                log.info("feed_removed", feed_id=config.feed_id, url=str(config.url))
                return
            feeds[config.feed_id] = new_record(config, partition, current)
        log.info("feed_added" if current is None else "feed_updated", feed_id=config.feed_id)

    async def poll(feed_id: str, record: dict[str, Any]) -> None:
        try:
            url = record["config"]["url"]
            started = time.time()
            response = await http.get(
                url, etag=record.get("etag"), last_modified=record.get("last_modified")
            )
            partition = int(record["partition"])
            with partition_scope(feeds_topic, partition):
                outcome = evaluate_poll(
                    record,
                    response,
                    started_at=started,
                    now=time.time(),
                    interval_default_s=settings.poll_interval_s,
                    max_backoff_s=settings.max_backoff_s,
                    seen=lambda key: seen.get(key) is not None,
                )
            for request in outcome.requests:
                await stage.send(Emit(FETCH_REQUESTS, request.host, request))
            with partition_scope(feeds_topic, partition):
                first_seen = time.time()
                for key in outcome.seen_keys:
                    seen[key] = [first_seen, partition]
                current = feeds.get(feed_id)
                if current is not None and current["config"]["url"] == url:
                    feeds[feed_id] = with_state(current, outcome.state)
            await stage.send(Emit(FEED_STATUS, feed_id, outcome.status))
            log.info(
                "feed_polled",
                feed_id=feed_id,
                status=outcome.status.status_code,
                items_new=outcome.status.items_new,
                not_modified=outcome.status.not_modified,
                error_class=outcome.status.error_class,
            )
        except Exception:  # one feed must never take the poller down
            log.exception("poll_failed", feed_id=feed_id)
        finally:
            in_flight.discard(feed_id)

    def active_partitions() -> set[int]:
        # The in-memory store also holds standby copies of other instances' partitions: only
        # the partitions this instance actively owns are polled (RocksDB iterates just those).
        actives = stage.app.assignor.assigned_actives()
        return {tp.partition for tp in actives if tp.topic == feeds_topic}

    @stage.timer(settings.poll_tick_s)
    async def poll_due() -> None:
        now = time.time()
        mine = active_partitions()
        for feed_id, record in list(feeds.items()):
            if record is None or feed_id in in_flight or not is_due(record, now):
                continue
            if int(record.get("partition", -1)) not in mine:
                continue
            in_flight.add(feed_id)
            task = asyncio.ensure_future(poll(feed_id, dict(record)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    @stage.timer(settings.seen_sweep_s)
    async def sweep_seen() -> None:
        now = time.time()
        dropped = 0
        mine = active_partitions()
        for key, value in list(seen.items()):
            if not value or int(value[1]) not in mine:
                continue
            if not seen_expired(float(value[0]), now, settings.seen_ttl_s):
                continue
            with partition_scope(feeds_topic, int(value[1])):
                del seen[key]
            dropped += 1
            if dropped % 1000 == 0:
                await asyncio.sleep(0)
        if dropped:
            log.info("seen_swept", dropped=dropped)

    async def close_client(sender: Any, **kwargs: Any) -> None:
        for task in list(tasks):
            task.cancel()
        await http.close()

    stage.app.on_before_shutdown.connect(cast(Any, close_client))
    return stage


def main() -> None:
    """`newswire run poller`."""
    build(PollerSettings()).run()
