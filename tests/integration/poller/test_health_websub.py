"""The real poller against the feeds farm and its WebSub hub: 410 disables a feed at once, a
301 moves it, private addresses are refused, and a hub's push (verified, signed) becomes fetch
requests without waiting for a poll; a push with a bad signature is ignored."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, FetchRequest, utcnow
from newswire.contracts.ids import feed_id
from newswire.farm.feeds_farm import FeedsFarmConfig, run_feeds_farm
from newswire.runtime.codec import encode
from newswire.topics import FEED_STATUS, FEEDS, FETCH_REQUESTS
from tests.integration.kafka_io import produce, read_until, wait_for
from tests.integration.stage_process import StageProcess

ENV = {
    "NEWSWIRE_POLL_TICK_S": "0.5",
    "NEWSWIRE_POLL_INTERVAL_S": "2",
    "NEWSWIRE_MIN_INTERVAL_S": "1",
    "NEWSWIRE_MAX_INTERVAL_S": "2",
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_WEBSUB_SECRET": "test-key",
    "NEWSWIRE_UNCONDITIONAL_EVERY": "3",
}


def statuses(records: list) -> list[FeedStatus]:  # type: ignore[type-arg]
    return [FeedStatus.model_validate_json(r.value) for r in records]


async def test_health_and_websub(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    config = FeedsFarmConfig(
        feeds=4, hosts=2, items=3, hub=True, hub_feeds=(0,), gone=(1,), moved=(2,), lying=(3,)
    )
    async with run_feeds_farm(config) as farm:
        poller = StageProcess("poller", own_topics, tmp_path, env=ENV)
        poller.env["NEWSWIRE_WEBSUB_CALLBACK_URL"] = f"http://127.0.0.1:{poller.port}"
        urls = farm.feed_urls() + [
            "http://169.254.169.254/latest/feed.xml", "http://10.1.2.3/feed.xml",
        ]
        ids = [feed_id(u) for u in urls]
        configs = [
            # the WebSub feed polls slowly, so its new item can only arrive by push
            FeedConfig(feed_id=ids[i], url=u, added_at=utcnow(), min_interval_s=600 if i == 0 else None)
            for i, u in enumerate(urls)
        ]
        await produce(own_topics, FEEDS.full_name(prefix), [(c.feed_id.encode(), encode(FEEDS, c)) for c in configs])
        with poller:
            def ready(records: list) -> bool:  # type: ignore[type-arg]
                got = statuses(records)
                moved = [s for s in got if s.feed_id == ids[2]]
                return all(any(s.feed_id == i for s in got) for i in ids) and len(moved) >= 2

            records = await read_until(own_topics, FEED_STATUS.full_name(prefix), ready, timeout_s=60)
            got = statuses(records)
            assert ready(records), poller.log()[-3000:]
            by = {i: [s for s in got if s.feed_id == i] for i in ids}
            # 410: disabled at once, with the reason
            gone = by[ids[1]]
            assert gone[0].error_class == "gone" and gone[0].disabled and gone[0].disabled_reason == "410 Gone"
            # 301: the stored URL moves; the next poll goes to the new URL
            moved = by[ids[2]]
            new_url = farm.feed_url(2).replace("/2.xml", "/2-moved.xml")
            assert str(moved[0].redirected_to) == new_url and str(moved[0].feed_url) == farm.feed_url(2)
            assert str(moved[1].feed_url) == new_url and moved[1].error_class is None
            for i in (4, 5):
                assert by[ids[i]][0].error_class == "refused_address", by[ids[i]][0]
            first = by[ids[0]][0]
            assert str(first.websub_hub) == farm.hub_url and first.items_new == 3
            # the hub verified our intent
            assert farm.hub is not None
            assert await wait_for(lambda: bool(farm.hub.subscribers(farm.feed_url(0))), timeout_s=30), (
                farm.hub.stats, poller.log()[-3000:],
            )
            sub = farm.hub.subscribers(farm.feed_url(0))[0]
            assert sub.callback == f"http://127.0.0.1:{poller.port}/websub/{ids[0]}/" and sub.secret
            # a forged push is ignored (202, nothing requested)
            forged = b'<rss version="2.0"><channel><title>x</title><item><guid>forged</guid><link>http://127.3.0.1/forged</link></item></channel></rss>'
            async with aiohttp.ClientSession() as http:
                async with http.post(sub.callback, data=forged, headers={"X-Hub-Signature": "sha256=00"}) as r:
                    assert r.status == 202
            # a real push: one new item, requested at once
            assert await farm.add_item(0) == 1
            link = farm.item_link(0, 4)

            def pushed(rs: list) -> bool:  # type: ignore[type-arg]
                return any(str(FetchRequest.model_validate_json(r.value).url) == link for r in rs)

            requests = await read_until(own_topics, FETCH_REQUESTS.full_name(prefix), pushed, timeout_s=20)
            assert pushed(requests), poller.log()[-3000:]
            urls_requested = [str(FetchRequest.model_validate_json(r.value).url) for r in requests]
            assert "http://127.3.0.1/forged" not in urls_requested
            assert urls_requested.count(link) == 1
            records = await read_until(
                own_topics, FEED_STATUS.full_name(prefix),
                lambda rs: any(s.source == "push" for s in statuses(rs)), timeout_s=10,
            )
            push = [s for s in statuses(records) if s.source == "push"]
            assert push and push[0].feed_id == ids[0] and push[0].items_new == 1
            # the gone feed was never polled again
            assert sum(s.feed_id == ids[1] for s in statuses(records)) == 1
            # lying validators: the new item is answered 304 until an unconditional poll sees it
            # under the same ETag; the feed is then distrusted and polled unconditionally
            assert farm.hub is not None and await farm.add_item(3) == 0
            lied = farm.item_link(3, 4)

            def caught(rs: list) -> bool:  # type: ignore[type-arg]
                return any(not s.validators_trusted for s in statuses(rs) if s.feed_id == ids[3])

            records = await read_until(own_topics, FEED_STATUS.full_name(prefix), caught, timeout_s=30)
            mine = [s for s in statuses(records) if s.feed_id == ids[3]]
            assert caught(records), (mine, poller.log()[-2000:])
            flagged = next(s for s in mine if not s.validators_trusted)
            assert "same ETag" in (flagged.validator_problem or "") and flagged.items_new == 1
            assert flagged.validator == "none" and any(s.not_modified for s in mine)
            requests = await read_until(own_topics, FETCH_REQUESTS.full_name(prefix), lambda rs: False, timeout_s=2)
            assert [str(FetchRequest.model_validate_json(r.value).url) for r in requests].count(lied) == 1
            later = await read_until(
                own_topics, FEED_STATUS.full_name(prefix),
                lambda rs: sum(s.feed_id == ids[3] for s in statuses(rs)) >= len(mine) + 1, timeout_s=10,
            )
            after = [s for s in statuses(later) if s.feed_id == ids[3]][len(mine):]
            assert after and all(s.validator == "none" and s.status_code == 200 for s in after)
