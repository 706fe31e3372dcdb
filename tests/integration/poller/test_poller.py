"""The real poller, as its own process, against a local news farm and the real Kafka: every
farm article gets exactly one fetch request, every poll a feed status, and the second poll of a
feed is a 304 that requests nothing again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, FetchRequest, utcnow
from newswire.contracts.ids import article_id, feed_id
from newswire.farm import Assign, FarmConfig, OutletBehaviour, run_farm
from newswire.runtime.codec import encode
from newswire.topics import FEED_STATUS, FEEDS, FETCH_REQUESTS
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

FAST_POLLING = {
    "NEWSWIRE_POLL_TICK_S": "0.5",
    "NEWSWIRE_POLL_INTERVAL_S": "3",
    "NEWSWIRE_MIN_INTERVAL_S": "1",
    "NEWSWIRE_MAX_INTERVAL_S": "3",
    "NEWSWIRE_MAX_HINT_S": "3",  # the farm feeds ask for <ttl>5</ttl> (minutes)
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_UNCONDITIONAL_EVERY": "0",
    "NEWSWIRE_REQUEST_TIMEOUT_S": "5",
}


@pytest.fixture
def poller(own_topics: KafkaSettings, tmp_path: Path) -> Iterator[StageProcess]:
    with StageProcess("poller", own_topics, tmp_path, env=FAST_POLLING) as service:
        yield service


def _requests(records: list) -> list[FetchRequest]:  # type: ignore[type-arg]
    return [FetchRequest.model_validate_json(r.value) for r in records]


def _statuses(records: list) -> list[FeedStatus]:  # type: ignore[type-arg]
    return [FeedStatus.model_validate_json(r.value) for r in records]


async def test_poller_against_the_farm(own_topics: KafkaSettings, poller: StageProcess) -> None:
    own_kafka = own_topics
    prefix = own_kafka.topic_prefix
    config = FarmConfig(
        outlets=6, port=0,
        behaviours=(
            Assign("truncated-feed", indexes=(2,)), Assign("dead", indexes=(3,)), Assign("no-304", indexes=(4,)),
            Assign("html-feed", indexes=(5,)),
            # feeds only here (sitemap outlets: test_sitemaps.py)
            Assign(OutletBehaviour(feed_format="rss"), indexes=(2,)),
            Assign(OutletBehaviour(feed_format="atom"), indexes=(3,)),
        ),
    )
    async with run_farm(config) as farm:
        urls = farm.feed_urls()
        healthy, broken, dead, no304, html = urls[:2], urls[2], urls[3], urls[4], urls[5]
        expected = Counter(article_id(a.link) for a in farm.articles() if a.outlet in (0, 1, 4))
        assert expected and all(n == 1 for n in expected.values())
        configs = [
            FeedConfig(feed_id=feed_id(u), url=u, title=f"feed {i}", added_at=utcnow())
            for i, u in enumerate(urls)
        ]
        await produce(
            own_kafka, FEEDS.full_name(prefix),
            [(c.feed_id.encode(), encode(FEEDS, c)) for c in configs],
        )
        ids = {u: feed_id(u) for u in urls}

        def polled_twice(records: list) -> bool:  # type: ignore[type-arg]
            statuses = _statuses(records)
            return all(
                any(s.feed_id == ids[u] and s.not_modified for s in statuses) for u in healthy
            ) and all(sum(s.feed_id == ids[u] for s in statuses) >= 2 for u in (broken, dead, no304, html))

        status_records = await read_until(
            own_kafka, FEED_STATUS.full_name(prefix), polled_twice, timeout_s=45
        )
        log = poller.log()[-3000:]
        assert polled_twice(status_records), log
        statuses = _statuses(status_records)
        for u in healthy:
            mine = [s for s in statuses if s.feed_id == ids[u]]
            first, later = mine[0], mine[1:]
            assert first.status_code == 200 and first.error_class is None and first.items_new > 0
            assert first.validator == "none" and first.bytes > 0
            assert any(s.not_modified and s.status_code == 304 and s.items_new == 0 for s in later)
            assert all(s.validator != "none" for s in later)
        mine = [s for s in statuses if s.feed_id == ids[no304]]
        assert [s.status_code for s in mine[:2]] == [200, 200] and mine[0].items_new > 0
        assert mine[1].items_new == 0 and mine[1].items_total == mine[0].items_total
        assert all(s.validator == "none" and not s.not_modified for s in mine)
        # a feed cut short after whole items is recovered, not refused: its whole items are read
        # and the poll is a success that says what was wrong (#24)
        cut_polls = [s for s in statuses if s.feed_id == ids[broken]]
        assert cut_polls[0].error_class is None and "truncated" in cut_polls[0].warnings, cut_polls[0]
        assert cut_polls[0].items_new > 0 and cut_polls[0].consecutive_failures == 0
        for u, error in ((dead, "connect"), (html, "not_a_feed")):
            mine = [s for s in statuses if s.feed_id == ids[u]]
            assert mine[0].error_class == error, (u, mine[0])
            assert [s.consecutive_failures for s in mine[:2]] == [1, 2]
            assert mine[1].next_poll_at is not None and mine[0].next_poll_at is not None
            assert mine[1].next_poll_at - mine[1].polled_at > mine[0].next_poll_at - mine[0].polled_at

        request_records = await read_until(
            own_kafka, FETCH_REQUESTS.full_name(prefix),
            lambda rs: len(rs) >= sum(expected.values()) + cut_polls[0].items_new, timeout_s=20,
        )
        requests = _requests(request_records)
        got = Counter(r.article_id for r in requests if r.feed_id != ids[broken])
        assert got == expected, log
        cut = Counter(r.article_id for r in requests if r.feed_id == ids[broken])
        outlet_2 = {article_id(a.link) for a in farm.articles() if a.outlet == 2}
        assert sum(cut.values()) == cut_polls[0].items_new and set(cut) < outlet_2
        assert all(n == 1 for n in cut.values())
        for r in requests:
            assert r.reason == "new" and r.host == r.url.host and r.item is not None and r.item.guid
            assert r.feed_id in (ids[healthy[0]], ids[healthy[1]], ids[no304], ids[broken])
        keys = {rec.key.decode() for rec in request_records}
        assert keys == {r.host for r in requests}

        # a restart keeps the poll state and the seen items (tables restored from Kafka): the
        # no-304 feed is fetched in full again, and still nothing is requested twice
        polls_before = len(statuses)
        poller.stop()
        poller.start()

        def polled_after_restart(records: list) -> bool:  # type: ignore[type-arg]
            later = _statuses(records)[polls_before:]
            return sum(s.feed_id == ids[no304] for s in later) >= 2

        status_records = await read_until(
            own_kafka, FEED_STATUS.full_name(prefix), polled_after_restart, timeout_s=45
        )
        assert polled_after_restart(status_records), poller.log()[-3000:]
        later = [s for s in _statuses(status_records)[polls_before:] if s.feed_id == ids[no304]]
        assert all(s.status_code == 200 and s.items_new == 0 for s in later), later
        request_records = await read_until(
            own_kafka, FETCH_REQUESTS.full_name(prefix), lambda rs: False, timeout_s=2
        )
        assert Counter(r.article_id for r in _requests(request_records)) == expected + cut
