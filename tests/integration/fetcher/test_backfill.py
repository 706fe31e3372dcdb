"""The fetcher reads a backfill's requests from their own topic beside the live ones, on the real
Kafka against the farm: every request of both topics comes back as exactly one page, and the
backfill holds no more than its own few slots (here one: its host never sees two requests at
once, where live requests may use the host's two)."""

from __future__ import annotations

from pathlib import Path


from newswire.config import KafkaSettings
from newswire.farm import FarmConfig, outlet_address, run_farm
from newswire.runtime.codec import encode
from newswire.topics import FETCH_REQUESTS, FETCH_REQUESTS_BACKFILL, PAGES
from tests.integration.fetcher.messages import fetch_request, pages_by_article
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

ENV = {"NEWSWIRE_MIN_HOST_DELAY_S": "0", "NEWSWIRE_BACKFILL_CONCURRENCY": "1"}


async def test_backfill_topic_is_fetched_beside_live_requests(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    async with run_farm(FarmConfig(outlets=2, port=0)) as farm:
        articles = farm.articles()
        live = [fetch_request(a.link) for a in articles if a.outlet == 0][:6]
        backfill = [fetch_request(a.link) for a in articles if a.outlet == 1][:6]
        assert len(live) == len(backfill) == 6
        with StageProcess("fetcher", own_topics, tmp_path, env=ENV) as proc:
            await produce(
                own_topics, FETCH_REQUESTS_BACKFILL.full_name(prefix),
                [(r.host.encode(), encode(FETCH_REQUESTS_BACKFILL, r)) for r in backfill],
            )
            await produce(
                own_topics, FETCH_REQUESTS.full_name(prefix),
                [(r.host.encode(), encode(FETCH_REQUESTS, r)) for r in live],
            )
            wanted = {r.article_id for r in live + backfill}
            records = await read_until(
                own_topics, PAGES.full_name(prefix), lambda rs: wanted <= set(pages_by_article(rs)), timeout_s=60
            )
            stats = farm.stats()
    pages = pages_by_article(records)
    assert wanted <= set(pages), proc.log()[-3000:]
    assert all(len(pages[i]) == 1 and pages[i][0].outcome == "ok" for i in wanted)
    assert stats["per_outlet"][outlet_address(1)]["max_concurrent"] == 1
