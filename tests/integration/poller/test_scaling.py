"""Two poller instances in one consumer group on the 4-partition feeds topic: the feeds are
split between them (each polls only its partitions' feeds), and every feed is polled exactly
once per interval, with no feed polled by both."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, utcnow
from newswire.contracts.ids import feed_id
from newswire.farm.feeds_farm import FeedsFarmConfig, run_feeds_farm
from newswire.runtime.codec import encode
from newswire.topics import FEED_STATUS, FEEDS
from tests.integration.kafka_io import produce, read_until, wait_for
from tests.integration.stage_process import StageProcess

INTERVAL = 5.0
ENV = {
    "NEWSWIRE_POLL_TICK_S": "0.25",
    "NEWSWIRE_POLL_INTERVAL_S": str(INTERVAL),
    "NEWSWIRE_MIN_INTERVAL_S": str(INTERVAL),
    "NEWSWIRE_MAX_INTERVAL_S": str(INTERVAL),
    "NEWSWIRE_MAX_HINT_S": str(INTERVAL),
    "NEWSWIRE_JITTER": "0",
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
}
WINDOW = 4 * INTERVAL


def polled(log: str) -> list[tuple[str, float]]:
    """(feed id, epoch s) of every poll an instance logged."""
    out = []
    for line in log.splitlines():
        if '"feed_polled"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        stamp = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
        out.append((event["feed_id"], stamp))
    return out


async def test_two_pollers_split_the_feeds(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    async with run_feeds_farm(FeedsFarmConfig(feeds=40, hosts=4, items=3)) as farm:
        urls = farm.feed_urls()
        ids = {feed_id(u) for u in urls}
        configs = [FeedConfig(feed_id=feed_id(u), url=u, added_at=utcnow()) for u in urls]
        await produce(own_topics, FEEDS.full_name(prefix), [(c.feed_id.encode(), encode(FEEDS, c)) for c in configs])
        a = StageProcess("poller", own_topics, tmp_path, env=ENV, name="poller-a")
        b = StageProcess("poller", own_topics, tmp_path, env=ENV, name="poller-b")
        with a, b:
            # both instances active and the group settled: each has polled, and then every feed
            # has been polled at least twice (a full interval after the last rebalance)
            both = await wait_for(lambda: bool(polled(a.log())) and bool(polled(b.log())), timeout_s=90)
            assert both, (a.log()[-2000:], b.log()[-2000:])
            await asyncio.sleep(2 * INTERVAL)
            start = time.time()
            await asyncio.sleep(WINDOW)
            end = time.time()
            records = await read_until(own_topics, FEED_STATUS.full_name(prefix), lambda rs: False, timeout_s=3)
        polls: dict[str, list[float]] = defaultdict(list)
        for r in records:
            s = FeedStatus.model_validate_json(r.value)
            polls[s.feed_id].append(s.polled_at.timestamp())
        assert set(polls) == ids
        expected = WINDOW / INTERVAL
        for fid in ids:
            times = sorted(polls[fid])
            inside = [t for t in times if start <= t < end]
            # exactly once per interval: as many polls as intervals in the window (a poll may
            # straddle either edge), and never two polls of a feed closer than an interval
            assert expected - 1 <= len(inside) <= expected + 1, (fid, inside)
            gaps = [y - x for x, y in zip(times, times[1:], strict=False) if y >= start]
            assert all(g > 0.8 * INTERVAL for g in gaps), (fid, gaps)
        # every feed is polled by one instance only in the window
        by_a = {f for f, t in polled(a.log()) if start <= t < end}
        by_b = {f for f, t in polled(b.log()) if start <= t < end}
        assert by_a and by_b and not by_a & by_b and by_a | by_b == ids
