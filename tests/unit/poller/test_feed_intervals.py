"""A feed's own interval bounds (FeedConfig.min_interval_s / max_interval_s, from the registry or
feeds.yaml) are honoured: the adaptive estimate stays inside them, and the operator's maximum also
caps the delay the feed itself asks for (RSS ttl), which is how the demo's feeds ask for quick
re-polls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswire.contracts import FeedConfig
from newswire.contracts.ids import feed_id
from newswire.poller.logic import FeedResponse, PollPolicy, evaluate_poll, new_record
from newswire.poller.registry import as_entry, feed_config
from newswire.poller.scheduling import Bounds, hint_cap

FEED = "http://news.example.com/feed.xml"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(default_interval_s=300, bounds=Bounds(120, 86400), max_backoff_s=3600, jitter=0.0)


def rss(ttl_minutes: int) -> bytes:
    # three items an hour apart: the first estimate of the feed's interval is about an hour
    items = "".join(
        f"<item><title>t{i}</title><link>http://news.example.com/n/{i}</link>"
        f"<pubDate>Wed, 01 May 2024 {9 + i:02d}:00:00 +0000</pubDate></item>"
        for i in range(3)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><ttl>{ttl_minutes}</ttl>'
        f"{items}</channel></rss>"
    ).encode()


def delay(config: FeedConfig) -> float:
    response = FeedResponse(url=FEED, final_url=FEED, status=200, body=rss(5), duration_ms=3)
    out = evaluate_poll(new_record(config, 0, None), response, started_at=1000.0, now=1000.0, policy=POLICY,
                        seen=lambda _: False)
    assert out.status.error_class is None and len(out.requests) == 3
    assert out.state is not None
    return out.state.next_poll_at - 1000.0


def test_without_bounds_the_estimate_and_the_ttl_rule() -> None:
    assert delay(FeedConfig(feed_id=feed_id(FEED), url=FEED, added_at=T0)) == pytest.approx(3600.0)


def test_a_feeds_own_maximum_caps_the_estimate_and_its_ttl() -> None:
    config = feed_config(as_entry({"url": FEED, "min_interval_s": 5, "max_interval_s": 15}))
    assert (config.min_interval_s, config.max_interval_s) == (5, 15)
    assert delay(config) == pytest.approx(15.0)


def test_hint_cap() -> None:
    plain = FeedConfig(feed_id=feed_id(FEED), url=FEED, added_at=T0)
    assert hint_cap(86400.0, plain) == 86400.0
    assert hint_cap(86400.0, plain.model_copy(update={"max_interval_s": 60})) == 60.0
    assert hint_cap(30.0, plain.model_copy(update={"max_interval_s": 60})) == 30.0


@pytest.mark.parametrize("bad", [0, -5, "10", True])
def test_feed_list_intervals_must_be_positive_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match="max_interval_s"):
        as_entry({"url": FEED, "max_interval_s": bad})
