"""atheris target: the poller's feed parser (`newswire.poller.parsing.parse_feed`) and the
FetchRequests it leads to.

    python tests/fuzz/fuzz_feed.py -max_total_time=600 tests/fuzz/corpus/feed

`parse_feed` promises never to raise: any exception is a crash. So is an item that yields a
FetchRequest which does not survive its own wire form.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import atheris

with atheris.instrument_imports(include=["newswire", "feedparser"]):
    from newswire.contracts import FetchRequest
    from newswire.poller.items import fetch_request
    from newswire.poller.parsing import ParsedFeed, parse_feed

BASE_URL = "https://news.example.net/feed"
NOW = datetime(2024, 5, 1, tzinfo=UTC)
CONTENT_TYPES = (None, "application/rss+xml", "application/feed+json", "text/html; charset=utf-8")


def check(data: bytes) -> None:
    """One input: the first byte picks a Content-Type, the rest is the document."""
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)] if data else None
    feed = parse_feed(data[1:], BASE_URL, content_type=content_type)
    assert isinstance(feed, ParsedFeed)
    assert feed.ok or (feed.error_class and not feed.items), feed
    for item in feed.items:
        request = fetch_request("0" * 32, item, NOW)
        if request is not None:
            assert FetchRequest.model_validate_json(request.to_bytes()) == request


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
