"""The real poller, as its own process, against a local news farm and the real Kafka: every
farm article gets exactly one fetch request, every poll a feed status, and the second poll of a
feed is a 304 that requests nothing again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, FetchRequest, utcnow
from newswire.contracts.ids import article_id, feed_id
from newswire.farm import Assign, FarmConfig, run_farm
from newswire.kafka.admin import ensure_topics
from newswire.runtime.codec import encode
from newswire.topics import all_topics, FEED_STATUS, FEEDS, FETCH_REQUESTS
from tests.conftest import REPO
from tests.integration.kafka_io import produce, read_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """The poller as a subprocess that can be restarted (its state lives in Kafka)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.log = open(log_path, "ab")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "run", "poller"],
            cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc = None

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
async def own_kafka(kafka_settings: KafkaSettings, topics: list[str]) -> KafkaSettings:
    """This test's own topics (under the session prefix, so the session deletes them): other
    tests' messages on the shared topics must not reach this stage."""
    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}poller."})
    await ensure_topics(settings, all_topics())
    return settings


@pytest.fixture
def poller(own_kafka: KafkaSettings, tmp_path: Path) -> Iterator[Service]:
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": own_kafka.topic_prefix,
        "NEWSWIRE_STORE": "memory://",
        "NEWSWIRE_DATA_DIR": str(tmp_path / "data"),
        "NEWSWIRE_WEB_PORT": str(_free_port()),
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NEWSWIRE_POLL_TICK_S": "0.5",
        "NEWSWIRE_POLL_INTERVAL_S": "3",
        "NEWSWIRE_REQUEST_TIMEOUT_S": "5",
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    service = Service(env, tmp_path / "poller.log")
    service.start()
    try:
        yield service
    finally:
        service.stop()
        service.log.close()


def _requests(records: list) -> list[FetchRequest]:  # type: ignore[type-arg]
    return [FetchRequest.model_validate_json(r.value) for r in records]


def _statuses(records: list) -> list[FeedStatus]:  # type: ignore[type-arg]
    return [FeedStatus.model_validate_json(r.value) for r in records]


async def test_poller_against_the_farm(own_kafka: KafkaSettings, poller: Service) -> None:
    prefix = own_kafka.topic_prefix
    config = FarmConfig(
        outlets=5, port=0,
        behaviours=(
            Assign("truncated-feed", indexes=(2,)), Assign("dead", indexes=(3,)), Assign("no-304", indexes=(4,))
        ),
    )
    async with run_farm(config) as farm:
        urls = farm.feed_urls()
        healthy, broken, dead, no304 = urls[:2], urls[2], urls[3], urls[4]
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
            ) and all(sum(s.feed_id == ids[u] for s in statuses) >= 2 for u in (broken, dead, no304))

        status_records = await read_until(
            own_kafka, FEED_STATUS.full_name(prefix), polled_twice, timeout_s=45
        )
        log = poller.tail()
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
        for u, error in ((dead, "connect"), (broken, "malformed")):
            mine = [s for s in statuses if s.feed_id == ids[u]]
            assert mine[0].error_class == error, (u, mine[0])
            assert [s.consecutive_failures for s in mine[:2]] == [1, 2]
            assert mine[1].next_poll_at is not None and mine[0].next_poll_at is not None
            assert mine[1].next_poll_at - mine[1].polled_at > mine[0].next_poll_at - mine[0].polled_at

        request_records = await read_until(
            own_kafka, FETCH_REQUESTS.full_name(prefix),
            lambda rs: len(rs) >= sum(expected.values()), timeout_s=20,
        )
        requests = _requests(request_records)
        got = Counter(r.article_id for r in requests)
        assert got == expected, log
        for r in requests:
            assert r.reason == "new" and r.host == r.url.host and r.item is not None and r.item.guid
            assert r.feed_id in (ids[healthy[0]], ids[healthy[1]], ids[no304])
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
        assert polled_after_restart(status_records), poller.tail()
        later = [s for s in _statuses(status_records)[polls_before:] if s.feed_id == ids[no304]]
        assert all(s.status_code == 200 and s.items_new == 0 for s in later), later
        request_records = await read_until(
            own_kafka, FETCH_REQUESTS.full_name(prefix), lambda rs: False, timeout_s=2
        )
        assert Counter(r.article_id for r in _requests(request_records)) == expected
