"""The poll state machine: lying validators, redirects, disabling, Retry-After, cross-feed
dedupe, adaptive scheduling and WebSub pushes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from newswire.contracts import FeedConfig
from newswire.contracts.ids import article_id, feed_id
from newswire.poller.logic import (
    FeedResponse,
    PollPolicy,
    WebSubHint,
    conditional_headers,
    evaluate_poll,
    evaluate_push,
    is_due,
    new_record,
    websub_due,
    with_state,
)
from newswire.poller.scheduling import Bounds
from newswire.poller.state import FeedRecord, WebSubSubscription

URL = "http://news.example.com/feed.xml"
FID = feed_id(URL)
POLICY = PollPolicy(
    default_interval_s=300, bounds=Bounds(60, 86400), max_backoff_s=3600, jitter=0.0,
    unconditional_every=3, max_failures=3,
)


def rss(*items: tuple[str, str], extra: str = "") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>http://news.example.com/{g}</link><guid>{g}</guid>"
        f"<pubDate>{d}</pubDate></item>" for g, t, d in ((i[0], i[1], "Wed, 01 May 2024 10:00:00 GMT") for i in items)
    )
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>T</title>{extra}{body}</channel></rss>").encode()


def record(**state: Any) -> FeedRecord:
    config = FeedConfig(feed_id=FID, url=URL, added_at=datetime(2024, 1, 1, tzinfo=UTC))
    rec = new_record(config, 1, None)
    return with_state(rec, rec.poll.model_copy(update=state))


def poll(rec: FeedRecord, resp: FeedResponse, now: float, seen: set[str] | None = None,
         urls: set[str] | None = None, policy: PollPolicy = POLICY) -> Any:
    seen = seen if seen is not None else set()
    urls = urls if urls is not None else set()
    out = evaluate_poll(rec, resp, started_at=now, now=now, policy=policy,
                        seen=lambda k: k in seen, url_recent=lambda a: a in urls)
    seen.update(out.seen_keys)
    urls.update(out.url_keys)
    return out


def ok(body: bytes, **headers: str) -> FeedResponse:
    return FeedResponse(url=URL, final_url=URL, status=200, body=body, headers=headers)


def test_same_etag_for_changed_content_is_caught() -> None:
    seen: set[str] = set()
    first = poll(record(), ok(rss(("a", "A")), ETag='"x"'), 1000, seen)
    rec = with_state(record(), first.state)
    assert conditional_headers(rec, POLICY) == ('"x"', None)
    second = poll(rec, ok(rss(("a", "A"), ("b", "B")), ETag='"x"'), 2000, seen)
    assert not second.status.validators_trusted and "same ETag" in (second.status.validator_problem or "")
    assert second.status.items_new == 1
    rec = with_state(rec, second.state)
    assert conditional_headers(rec, POLICY) == (None, None)
    third = poll(rec, ok(rss(("a", "A"), ("b", "B")), ETag='"x"'), 3000, seen)
    assert third.status.validator == "none" and not third.status.validators_trusted


def test_304_while_content_changed_is_caught_by_the_unconditional_poll() -> None:
    seen: set[str] = set()
    rec = with_state(record(), poll(record(), ok(rss(("a", "A")), **{"Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}), 1000, seen).state)
    not_modified = FeedResponse(url=URL, final_url=URL, status=304)
    # a 304 long after the new item (published 2024-05-01) appeared
    late = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
    out = poll(rec, not_modified, late, seen)
    assert out.status.not_modified and out.status.validator == "last-modified"
    rec = with_state(rec, out.state)
    assert conditional_headers(rec, POLICY) == (None, None)  # third poll: unconditional
    changed = ok(rss(("a", "A"), ("b", "B")), **{"Last-Modified": "Sat, 01 Jun 2024 00:00:00 GMT"})
    out = poll(rec, changed, late + 600, seen)
    assert out.status.validator == "none" and out.status.items_new == 1
    assert not out.status.validators_trusted and "304" in (out.status.validator_problem or "")


def test_honest_validators_stay_trusted() -> None:
    seen: set[str] = set()
    rec = record()
    for i, body in enumerate([rss(("a", "A")), rss(("a", "A"), ("b", "B"))]):
        out = poll(rec, ok(body, ETag=f'"v{i}"'), 1000.0 + i * 600, seen)
        rec = with_state(rec, out.state)
    assert out.status.validators_trusted and rec.poll.validators_trusted


def test_permanent_redirect_updates_the_stored_url() -> None:
    moved = "http://news.example.com/new-feed.xml"
    resp = FeedResponse(url=URL, final_url=moved, status=200, body=rss(("a", "A")), permanent_url=moved)
    out = poll(record(), resp, 1000)
    assert out.state.url == moved and str(out.status.redirected_to) == moved
    rec = with_state(record(), out.state)
    temp = FeedResponse(url=moved, final_url="http://news.example.com/tmp", status=200, body=rss(("a", "A")))
    out = poll(rec, temp, 2000)
    assert out.state.url == moved and out.status.redirected_to is None
    assert str(out.status.feed_url) == moved
    # re-publishing the same config keeps the redirect; a new configured URL forgets it
    assert new_record(rec.config, 1, rec).url == moved


def test_gone_disables_at_once_and_failures_after_a_limit() -> None:
    out = poll(record(), FeedResponse(url=URL, final_url=URL, status=410), 1000)
    assert out.status.disabled and out.status.disabled_reason == "410 Gone"
    assert not is_due(with_state(record(), out.state), 10**12)
    rec = record()
    for n in range(1, 4):
        out = poll(rec, FeedResponse(url=URL, final_url=URL, error_class="connect", error_message="refused"), 1000.0 * n)
        rec = with_state(rec, out.state)
        assert out.status.consecutive_failures == n and out.status.disabled == (n == 3)
    assert "3 failures in a row" in (out.status.disabled_reason or "") and "connect" in (out.status.disabled_reason or "")
    # re-adding the feed re-enables it
    again = new_record(rec.config, 1, rec)
    assert not again.poll.disabled and is_due(again, 0.0)


def test_retry_after_is_scoped_to_the_host() -> None:
    resp = FeedResponse(url=URL, final_url=URL, status=429, headers={"Retry-After": "900"})
    out = poll(record(), resp, 1000)
    assert out.host_retry_until == 1900 and out.state.next_poll_at >= 1900
    out = poll(record(), FeedResponse(url=URL, final_url=URL, status=404, headers={"Retry-After": "900"}), 1000)
    assert out.host_retry_until is None


def test_an_item_in_two_feeds_is_requested_once() -> None:
    urls: set[str] = set()
    other = "http://agency.example.org/feed.xml"
    config2 = FeedConfig(feed_id=feed_id(other), url=other, added_at=datetime(2024, 1, 1, tzinfo=UTC))
    shared = rss(("a", "A"))
    first = poll(record(), ok(shared), 1000, urls=urls)
    second = poll(new_record(config2, 2, None), FeedResponse(url=other, final_url=other, status=200, body=shared), 1001, urls=urls)
    assert len(first.requests) == 1 and first.requests[0].article_id == article_id("http://news.example.com/a")
    assert second.requests == () and second.status.items_new == 1 and len(second.seen_keys) == 1


def test_interval_adapts_and_respects_ttl() -> None:
    seen: set[str] = set()
    rec = record(rate=1 / 600, last_ok_at=1000.0)
    out = poll(rec, ok(rss(("a", "A"))), 1600, seen)
    assert 60 <= out.status.interval_s <= 600
    quiet = with_state(rec, out.state)
    for i in range(8):
        out = poll(quiet, FeedResponse(url=URL, final_url=URL, status=304), 2000.0 + i * 5000, seen)
        quiet = with_state(quiet, out.state)
    assert out.status.interval_s > 3000
    # ttl of 2 h: never sooner
    out = poll(rec, ok(rss(("a", "A"), extra="<ttl>120</ttl>")), 1600, set())
    assert out.state.next_poll_at - 1600 >= 7200
    out = poll(rec, ok(rss(("a", "A")), **{"Cache-Control": "max-age=5000"}), 1600, set())
    assert out.state.next_poll_at - 1600 >= 5000


def test_websub_hint_push_and_renewal() -> None:
    hub = '<atom:link rel="hub" href="http://hub.example.org/"/><atom:link rel="self" href="http://news.example.com/feed.xml"/>'
    seen: set[str] = set()
    out = poll(record(), ok(rss(("a", "A"), extra=hub)), 1000, seen)
    assert out.websub == WebSubHint("http://hub.example.org/", URL)
    assert str(out.status.websub_hub) == "http://hub.example.org/"
    rec = with_state(record(), out.state)
    assert websub_due(rec, out.websub, 1000, 3600, "k")
    rec = rec.model_copy(update={"websub": WebSubSubscription(
        hub=out.websub.hub, topic=URL, lease_until=1000 + 86400, requested_at=1000, key_id="k")})
    assert not websub_due(rec, out.websub, 2000, 3600, "k")
    assert websub_due(rec, out.websub, 1000 + 86400 - 100, 3600, "k")  # lease ending: renew
    assert websub_due(rec, out.websub, 2000, 3600, "other-key")
    # while subscribed, polling slows to the safety-net interval
    out = poll(rec, FeedResponse(url=URL, final_url=URL, status=304), 3000, seen)
    assert out.status.interval_s is not None and out.status.interval_s >= POLICY.websub_interval_s
    pushed = evaluate_push(rec, rss(("a", "A"), ("b", "B")), content_type="application/rss+xml",
                           received_at=4000, seen=lambda k: k in seen)
    assert [str(r.url) for r in pushed.requests] == ["http://news.example.com/b"]
    assert pushed.status.source == "push" and pushed.state is None
    bad = evaluate_push(rec, b"<html>", content_type="text/html", received_at=4000, seen=lambda k: False)
    assert bad.status.error_class is not None and bad.requests == ()
