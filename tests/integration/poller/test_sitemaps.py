"""The real poller against the farm's sitemap-only outlets (a gzipped sitemap; a Google News
sitemap under a nested index) and the real Kafka: every article requested exactly once, with the
news sitemap's title and date carried along; later polls are conditional (the index's 304 still
reads its children, conditionally) and request nothing again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, FetchRequest, utcnow
from newswire.contracts.ids import article_id, feed_id
from newswire.farm import FarmConfig, run_farm
from newswire.runtime.codec import encode
from newswire.topics import FEED_STATUS, FEEDS, FETCH_REQUESTS

from tests.integration.kafka_io import produce, read_until
from tests.integration.poller.test_poller import FAST_POLLING
from tests.integration.stage_process import StageProcess


@pytest.fixture
def poller(own_topics: KafkaSettings, tmp_path: Path) -> Iterator[StageProcess]:
    with StageProcess("poller", own_topics, tmp_path, env=FAST_POLLING) as service:
        yield service


async def test_poller_reads_sitemap_only_outlets(own_topics: KafkaSettings, poller: StageProcess) -> None:
    prefix = own_topics.topic_prefix
    async with run_farm(FarmConfig(outlets=4, port=0, articles_per_outlet=4)) as farm:
        plain, news = farm.outlets[2], farm.outlets[3]
        assert plain.feed_url.endswith("/sitemap.xml.gz") and news.feed_url.endswith("/sitemap_index.xml")
        # the plain one declared, the news one sniffed
        configs = [
            FeedConfig(feed_id=feed_id(plain.feed_url), url=plain.feed_url, kind="sitemap", added_at=utcnow()),  # type: ignore[arg-type]
            FeedConfig(feed_id=feed_id(news.feed_url), url=news.feed_url, added_at=utcnow()),  # type: ignore[arg-type]
        ]
        await produce(own_topics, FEEDS.full_name(prefix), [(c.feed_id.encode(), encode(FEEDS, c)) for c in configs])
        ids = {c.feed_id for c in configs}
        expected = Counter(article_id(a.link) for a in farm.articles() if a.outlet in (2, 3))
        assert expected and all(n == 1 for n in expected.values())

        def polled_thrice(records: list) -> bool:  # type: ignore[type-arg]
            statuses = [FeedStatus.model_validate_json(r.value) for r in records]
            return all(sum(s.feed_id == i for s in statuses) >= 3 for i in ids)

        records = await read_until(own_topics, FEED_STATUS.full_name(prefix), polled_thrice, timeout_s=45)
        assert polled_thrice(records), poller.log()[-3000:]
        statuses = [FeedStatus.model_validate_json(r.value) for r in records]
        for fid in ids:
            mine = [s for s in statuses if s.feed_id == fid]
            assert mine[0].status_code == 200 and mine[0].error_class is None and mine[0].items_new > 0, mine[0]
            assert mine[0].warnings == ()
            assert all(s.not_modified and s.items_new == 0 and s.validator != "none" for s in mine[1:3]), mine
        requests = [
            FetchRequest.model_validate_json(r.value)
            for r in await read_until(
                own_topics, FETCH_REQUESTS.full_name(prefix), lambda rs: len(rs) >= sum(expected.values()), timeout_s=20
            )
        ]
        assert Counter(r.article_id for r in requests) == expected
        truth = {article_id(a.link): a for a in farm.articles()}
        for r in requests:
            assert r.reason == "new" and r.item is not None and r.item.guid is None
            article = truth[r.article_id]
            if r.feed_id == feed_id(news.feed_url):  # the Google News fields
                assert r.item.title == article.title and r.item.published is not None
            else:
                assert r.item.updated is not None
        # the news index's children were read on every poll (conditional GETs, 304s)
        assert farm.runtime(3).stats.not_modified >= 4
