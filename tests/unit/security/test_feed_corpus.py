"""The poller's parser against bad feeds: the feedparser project's own test documents,
truncations, mis-encodings and XML entity bombs. Every document ends as a parsed feed or a
clear error class (never an exception, never an expanded entity, never a network request), and
every item it yields becomes a FetchRequest that encodes to valid UTF-8 JSON, or is skipped."""

from __future__ import annotations

import http.server
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from newswire.contracts import FetchRequest
from newswire.poller.items import fetch_request
from newswire.poller.parsing import ParsedFeed, parse_feed
from tests.unit.security.feeds import (
    BASES,
    entity_bombs,
    feedparser_corpus,
    misencodings,
    truncations,
)

BASE_URL = "https://news.example.net/feed"
FEED_ID = "0" * 32
NOW = datetime(2024, 5, 1, tzinfo=UTC)


def messages_of(feed: ParsedFeed) -> list[FetchRequest]:
    """The FetchRequests the poller would produce; each must survive its own wire form."""
    out = []
    for item in feed.items:
        request = fetch_request(FEED_ID, item, NOW)
        if request is None:
            continue
        wire = request.to_bytes()
        wire.decode("utf-8")  # strict: no lone surrogates made it into a message
        assert FetchRequest.model_validate_json(wire) == request
        out.append(request)
    return out


def check(body: bytes, content_type: str | None = None) -> tuple[ParsedFeed, list[FetchRequest]]:
    feed = parse_feed(body, BASE_URL, content_type=content_type)
    assert isinstance(feed, ParsedFeed)
    assert feed.ok or (feed.error_class and feed.error_message and not feed.items)
    return feed, messages_of(feed)


@pytest.mark.timeout(120)
def test_feedparser_project_corpus() -> None:
    corpus = feedparser_corpus()
    outcomes: Counter[str] = Counter()
    for name, body, content_type in corpus:
        try:
            feed, _ = check(body, content_type)
        except Exception as exc:  # pragma: no cover - the failure message names the document
            raise AssertionError(f"{name}: {type(exc).__name__}: {exc}") from exc
        outcomes[feed.error_class or "ok"] += 1
    assert len(corpus) >= 490 and sum(outcomes.values()) == len(corpus)
    print(f"\nfeedparser corpus: {len(corpus)} tried, 0 crashed, outcomes {dict(outcomes)}")


@pytest.mark.timeout(120)
def test_truncated_feeds() -> None:
    full_links = {
        name: {r.url for r in check(body, "application/feed+json" if name == "json" else None)[1]}
        for name, body in BASES.items()
    }
    tried = flagged = 0
    for name, body in truncations():
        feed, requests = check(body)
        tried += 1
        flagged += not feed.ok
        # what a cut document still yields is whole: no link cut in half becomes an article
        assert {r.url for r in requests} <= full_links[name.split("@")[0]], (name, requests)
    assert flagged > tried // 2
    print(f"\ntruncated feeds: {tried} tried, 0 crashed, {flagged} refused as malformed/not a feed")


@pytest.mark.timeout(120)
def test_misencoded_feeds() -> None:
    tried = 0
    for name, body, content_type in misencodings():
        try:
            feed, requests = check(body, content_type)
        except Exception as exc:
            raise AssertionError(f"{name}: {type(exc).__name__}: {exc}") from exc
        tried += 1
        for r in requests:
            hint = r.item
            assert hint is not None
            for text in (hint.title, hint.summary, hint.guid, *hint.authors, *hint.categories):
                assert text is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in text), (name, text)
    print(f"\nmis-encoded feeds: {tried} tried, 0 crashed")


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<!ENTITY leaked 'CANARY'>CANARY")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Canary.hits.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.timeout(120)
def test_entity_bombs_and_external_entities(canary: str) -> None:
    tried = refused = 0
    for name, body in entity_bombs(canary):
        try:
            feed, _ = check(body)
        except Exception as exc:
            raise AssertionError(f"{name}: {type(exc).__name__}: {exc}") from exc
        tried += 1
        declares = not name.startswith(("external-", "xinclude", "xml-stylesheet"))
        if declares and not name.endswith("cp037"):
            assert feed.error_class == "malformed" and "entities" in (feed.error_message or ""), (name, feed)
        refused += not feed.ok
        texts = [feed.title or "", *(i.title or "" for i in feed.items), *(i.summary or "" for i in feed.items)]
        assert all(len(t) < 70_000 and "CANARY" not in t and "root:" not in t for t in texts), name
    assert _Canary.hits == []
    print(f"\nentity bombs / external entities: {tried} tried, 0 crashed, {refused} refused, 0 requests made")
