"""The poller's pure logic: parsing, identity and dedupe, scheduling, and poll outcomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswire.contracts import FeedConfig
from newswire.contracts.ids import article_id, feed_id
from newswire.poller.logic import (
    FeedResponse,
    ParsedItem,
    PollPolicy,
    backoff_s,
    evaluate_poll,
    is_due,
    item_identity,
    new_items,
    new_record,
    parse_feed,
    parse_feed_list,
    poll_interval,
    seen_expired,
    seen_key,
    validator_used,
    with_state,
)

from newswire.poller.scheduling import Bounds
from newswire.poller.state import FeedRecord, PollState

POLICY = PollPolicy(
    default_interval_s=300, bounds=Bounds(1, 86400), max_backoff_s=3600, jitter=0.0,
    unconditional_every=0,
)
FEED = "http://news.example.com/feed.xml"
FID = feed_id(FEED)
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Example News</title><link>http://news.example.com/</link>
<item>
  <title>Storm hits &amp; coast</title>
  <link>http://news.example.com/news/storm?utm_source=rss</link>
  <guid isPermaLink="false">storm-1</guid>
  <pubDate>Wed, 01 May 2024 10:00:00 +0200</pubDate>
  <dc:creator>Jane Doe</dc:creator>
  <category>Weather</category><category>UK</category>
  <description>&lt;p&gt;Winds of &lt;b&gt;100 km/h&lt;/b&gt;.&lt;/p&gt;</description>
  <media:content url="http://img.example.com/storm.jpg" medium="image"/>
</item>
<item>
  <title>Relative link, no guid</title>
  <link>/news/relative</link>
</item>
<item><title>No link, no guid</title></item>
</channel></rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom News</title><id>urn:example:feed</id><updated>2024-05-01T12:00:00Z</updated>
  <entry>
    <title type="html">Election &lt;em&gt;night&lt;/em&gt;</title>
    <id>urn:example:election</id>
    <link rel="alternate" href="https://news.example.org/story/election"/>
    <published>2024-05-01T08:00:00Z</published><updated>2024-05-01T09:30:00Z</updated>
    <author><name>A. Writer</name></author><author><name>B. Writer</name></author>
    <category term="Politics"/>
    <summary>Results are in.</summary>
  </entry>
</feed>
"""

MALFORMED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Broken<item><title>x"""
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Not a feed</title></head><body>hi</body></html>"


def test_parse_rss() -> None:
    feed = parse_feed(RSS, FEED)
    assert feed.ok and feed.version.startswith("rss")
    assert len(feed.items) == 3
    storm, relative, bare = feed.items
    assert storm.guid == "storm-1"
    assert storm.link == "http://news.example.com/news/storm?utm_source=rss"
    assert storm.title == "Storm hits & coast"
    assert storm.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert storm.authors == ("Jane Doe",)
    assert storm.categories == ("Weather", "UK")
    assert storm.summary == "Winds of 100 km/h ."
    assert storm.image_url == "http://img.example.com/storm.jpg"
    assert relative.link == "http://news.example.com/news/relative" and relative.guid is None
    assert bare.link is None


def test_parse_atom() -> None:
    feed = parse_feed(ATOM, "https://news.example.org/atom.xml")
    assert feed.ok and feed.version.startswith("atom")
    (item,) = feed.items
    assert item.guid == "urn:example:election"
    assert item.link == "https://news.example.org/story/election"
    assert item.title == "Election night"
    assert item.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert item.updated == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert item.authors == ("A. Writer", "B. Writer")
    assert item.categories == ("Politics",)
    assert item.summary == "Results are in."


@pytest.mark.parametrize(
    ("body", "error"),
    [(MALFORMED, "malformed"), (HTML_PAGE, "not_a_feed"), (b"", "not_a_feed"), (b"\x00\xff garbage", None)],
)
def test_parse_errors_never_raise(body: bytes, error: str | None) -> None:
    feed = parse_feed(body, FEED)
    assert not feed.ok and not feed.items
    if error:
        assert feed.error_class == error


def test_identity_and_dedupe() -> None:
    a = ParsedItem(guid="g1", link="http://x.example/a")
    b = ParsedItem(guid=None, link="http://x.example/b?utm_source=rss#top")
    b_again = ParsedItem(guid=None, link="HTTP://X.EXAMPLE/b")
    no_link = ParsedItem(guid="g2", link=None)
    assert item_identity(a) == "guid:g1"
    assert item_identity(b) == item_identity(b_again) == "link:http://x.example/b"
    assert item_identity(ParsedItem(guid=None, link=None)) is None
    seen = {seen_key(FID, "guid:g1")}
    fresh = new_items(FID, [a, b, b_again, no_link], lambda key: key in seen)
    assert [item for _, item in fresh] == [b]
    assert fresh[0][0] == f"{FID}|link:http://x.example/b"


def test_seen_ttl() -> None:
    assert not seen_expired(1000.0, 1000.0 + 30 * 86400, 30 * 86400)
    assert seen_expired(1000.0, 1001.0 + 30 * 86400, 30 * 86400)


def test_scheduling_and_backoff() -> None:
    config = FeedConfig(feed_id=FID, url=FEED, added_at=T0, min_interval_s=600)
    assert poll_interval(300, config) == 600
    assert poll_interval(300, config.model_copy(update={"min_interval_s": None, "max_interval_s": 60})) == 60
    assert backoff_s(300, 0, 3600) == 300
    assert [backoff_s(300, n, 3600) for n in (1, 2, 3, 4, 5, 50)] == [600, 1200, 2400, 3600, 3600, 3600]
    assert backoff_s(7200, 3, 3600) == 7200  # never below the normal interval
    assert validator_used("e", None) == "etag" and validator_used(None, "d") == "last-modified"
    assert validator_used("e", "d") == "both" and validator_used(None, None) == "none"
    record = new_record(config, 2, None)
    assert record.partition == 2 and record.poll.next_poll_at == 0.0 and is_due(record, 1.0)
    kept = new_record(config, 2, with_state(record, record.poll.model_copy(update={"etag": '"x"', "next_poll_at": 50.0})))
    assert kept.poll.etag == '"x"' and not is_due(kept, 10.0)


def _record(state: PollState | None = None, **fields: object) -> FeedRecord:
    config = FeedConfig(feed_id=FID, url=FEED, added_at=T0)
    record = new_record(config, 0, None)
    return with_state(record, (state or record.poll).model_copy(update=fields))


def test_evaluate_poll_new_items_then_304() -> None:
    seen: set[str] = set()
    response = FeedResponse(
        url=FEED, final_url=FEED, status=200, body=RSS,
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"}, duration_ms=12,
    )
    out = evaluate_poll(
        _record(), response, started_at=1000.0, now=1001.0, policy=POLICY, seen=lambda k: k in seen,
    )
    assert [str(r.url) for r in out.requests] == [
        "http://news.example.com/news/storm?utm_source=rss", "http://news.example.com/news/relative",
    ]
    first = out.requests[0]
    assert first.reason == "new" and first.host == "news.example.com" and first.feed_id == FID
    assert first.article_id == article_id("http://news.example.com/news/storm")
    assert first.item is not None and first.item.guid == "storm-1" and first.item.authors == ("Jane Doe",)
    status = out.status
    assert status.status_code == 200 and status.items_total == 3 and status.items_new == 2
    assert status.validator == "none" and not status.not_modified and status.error_class is None
    assert status.bytes == len(RSS) and status.duration_ms == 12
    assert out.state.etag == '"v1"' and out.state.consecutive_failures == 0
    assert out.state.next_poll_at == 1301.0
    seen.update(out.seen_keys)

    # the same document again: nothing new
    again = evaluate_poll(
        _record(out.state), response, started_at=1400.0, now=1400.0, policy=POLICY, seen=lambda k: k in seen,
    )
    assert again.requests == () and again.status.items_new == 0 and again.status.validator == "both"

    # 304: validators kept
    not_modified = evaluate_poll(
        _record(out.state), FeedResponse(url=FEED, final_url=FEED, status=304), started_at=1400.0,
        now=1400.0, policy=POLICY, seen=lambda k: k in seen,
    )
    assert not_modified.status.not_modified and not_modified.status.bytes == 0
    assert not_modified.state.etag == '"v1"' and not_modified.requests == ()


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (FeedResponse(url=FEED, final_url=FEED, error_class="connect", error_message="refused"), "connect"),
        (FeedResponse(url=FEED, final_url=FEED, error_class="timeout"), "timeout"),
        (FeedResponse(url=FEED, final_url=FEED, status=404), "http_4xx"),
        (FeedResponse(url=FEED, final_url=FEED, status=503), "http_5xx"),
        (FeedResponse(url=FEED, final_url=FEED, status=410), "gone"),
        (FeedResponse(url=FEED, final_url=FEED, status=200, body=MALFORMED), "malformed"),
        (FeedResponse(url=FEED, final_url=FEED, error_class="refused_address"), "refused_address"),
    ],
)
def test_evaluate_poll_failures_back_off(response: FeedResponse, error: str) -> None:
    out = evaluate_poll(
        _record(consecutive_failures=2, etag='"old"'), response, started_at=0.0, now=0.0,
        policy=POLICY, seen=lambda k: False,
    )
    assert out.status.error_class == error and out.status.consecutive_failures == 3
    assert out.state.next_poll_at == 2400.0 and out.state.etag == '"old"'
    assert out.requests == ()


def test_retry_after_extends_backoff() -> None:
    response = FeedResponse(url=FEED, final_url=FEED, status=429, headers={"Retry-After": "1800"})
    out = evaluate_poll(
        _record(), response, started_at=0.0, now=0.0, policy=POLICY,
        seen=lambda k: False,
    )
    assert out.status.error_class == "rate_limited" and out.state.next_poll_at == 1800.0


def test_feed_lists() -> None:
    opml = """<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="News"><outline text="A" xmlUrl="http://a.example/rss"/>
      <outline title="B" xmlUrl="https://b.example/atom.xml"/><outline text="no url"/></outline>
      <outline text="dup" xmlUrl="http://a.example/rss"/></body></opml>"""
    entries = parse_feed_list(opml)
    assert [(e.url, e.title) for e in entries] == [("http://a.example/rss", "A"), ("https://b.example/atom.xml", "B")]
    text = "# comment\nhttp://a.example/rss\n\nftp://nope.example/x\nhttps://c.example/feed  trailing\n"
    assert [e.url for e in parse_feed_list(text)] == ["http://a.example/rss", "https://c.example/feed"]
    with pytest.raises(ValueError):
        parse_feed_list('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><opml/>')


def test_truncated_feed_is_malformed_but_sloppy_feed_is_kept() -> None:
    truncated = parse_feed(RSS[: int(len(RSS) * 0.6)], FEED)
    assert truncated.error_class == "malformed" and not truncated.items
    sloppy = RSS.replace(b"</title>", b" &nbsp;&mdash; News & Views</title>")
    feed = parse_feed(sloppy, FEED)
    assert feed.ok and len(feed.items) == 3
    assert feed.items[0].title is not None and feed.items[0].title.startswith("Storm hits")


def test_seen_set_is_bounded_and_expires() -> None:
    from newswire.poller.items import merge_seen, seen_digest

    merged = merge_seen(None, ["a", "b"], 100.0, ttl_s=50, cap=3)
    assert merged.first_seen == {seen_digest("a"): 100.0, seen_digest("b"): 100.0}
    merged = merge_seen(merged, ["b", "c", "d"], 120.0, ttl_s=50, cap=3)
    assert len(merged.first_seen) == 3 and merged.first_seen[seen_digest("b")] == 100.0  # first seen kept
    assert seen_digest("a") not in merged.first_seen or seen_digest("b") not in merged.first_seen
    assert merge_seen(merged, [], 200.0, ttl_s=50, cap=3).first_seen == {}


def test_recent_urls_window_and_cap() -> None:
    from newswire.poller.items import RecentUrls

    recent = RecentUrls(window_s=10, cap=2)
    recent.add(["x", "y"], 100.0)
    assert recent.recent("x", 105.0) and not recent.recent("x", 111.0) and not recent.recent("z", 100.0)
    recent.add(["z"], 101.0)
    assert len(recent) == 2 and not recent.recent("x", 101.0) and recent.recent("z", 101.0)
