"""`feeds discover --add` and `backfill` against the farm and the real Kafka: the sitemaps found
are registered with their kind, a backfill enqueues each listed article once on the backfill
topic (keyed by host), and running it again enqueues nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from newswire.poller.backfill_cmd import run_backfill, sitemaps_of
from newswire.poller.feeds_cmd import discover_sources
from newswire.config import KafkaSettings
from newswire.contracts import FetchRequest
from newswire.contracts.ids import article_id
from newswire.farm import FarmConfig, run_farm
from newswire.poller.feedlist import FeedEntry
from newswire.poller.registry import add_feeds, read_feeds
from newswire.poller.settings import PollerSettings
from newswire.topics import FETCH_REQUESTS, FETCH_REQUESTS_BACKFILL

from tests.integration.kafka_io import read_until


async def test_discover_add_then_backfill_twice(own_topics: KafkaSettings) -> None:
    settings = PollerSettings(allow_private_networks=["127.0.0.0/8"], min_host_delay_s=0)  # type: ignore[call-arg,list-item]
    async with run_farm(FarmConfig(outlets=4, port=0, articles_per_outlet=6)) as farm:
        plain, news = farm.outlets[2], farm.outlets[3]
        for outlet in (plain, news):
            found = await discover_sources(settings, outlet.base_url)
            await add_feeds(own_topics, [FeedEntry(d.url, d.title, outlet.name, kind=d.kind) for d in found])
        registry = await read_feeds(own_topics)
        assert {str(c.url): c.kind for c in registry.values()} == {plain.feed_url: "sitemap", news.feed_url: "sitemap"}
        assert await sitemaps_of(own_topics, news.name.upper()) == [news.feed_url]
        assert await sitemaps_of(own_topics, plain.host) == [plain.feed_url]

        since = datetime.now(UTC) - timedelta(days=1)
        expected: Counter[str] = Counter()
        for outlet in (plain, news):
            urls = await sitemaps_of(own_topics, outlet.name)
            first = await run_backfill(own_topics, settings, urls, since=since, rate=0)
            mine = [a for a in farm.articles() if a.outlet == outlet.index]
            assert first.problems == [] and first.sitemaps == urls
            assert first.in_range == first.enqueued == len(mine) and first.already == 0
            expected.update(article_id(a.link) for a in mine)
            again = await run_backfill(own_topics, settings, urls, since=since, rate=0)
            assert again.enqueued == 0 and again.already == len(mine)  # idempotent
            later = await run_backfill(own_topics, settings, urls, since=datetime.now(UTC) + timedelta(hours=1))
            assert later.in_range == 0 and later.enqueued == 0
            # a plain sitemap is read whole; of an index only the children modified since then
            assert later.listed == (len(mine) if outlet is plain else 0)

        records = await read_until(
            own_topics, FETCH_REQUESTS_BACKFILL.full_name(own_topics.topic_prefix),
            lambda rs: len(rs) >= sum(expected.values()), timeout_s=20,
        )
        requests = [FetchRequest.model_validate_json(r.value) for r in records]
        assert Counter(r.article_id for r in requests) == expected
        assert all(rec.key.decode() == r.host for rec, r in zip(records, requests, strict=True))
        assert all(r.reason == "new" and r.item is not None for r in requests)
        # nothing went to the live topic
        live = await read_until(own_topics, FETCH_REQUESTS.full_name(own_topics.topic_prefix), lambda rs: False, timeout_s=2)
        assert live == []
