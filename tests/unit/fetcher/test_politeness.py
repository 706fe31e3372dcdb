"""The politeness policy: robots.txt outcomes (RFC 9309), cache times, Crawl-delay, host back-off
after 429/503, and the go / wait / defer gate."""

from __future__ import annotations

import pytest

from newswire.fetcher.politeness import (
    Gate,
    crawl_delay_s,
    gate,
    host_backoff_s,
    robots_ttl,
    robots_verdict,
)


@pytest.mark.parametrize(
    ("status", "error", "verdict"),
    [
        (200, None, "parse"),
        (404, None, "allow_all"),
        (403, None, "allow_all"),
        (410, None, "allow_all"),
        (429, None, "try_later"),
        (500, None, "try_later"),
        (503, None, "try_later"),
        (None, "timeout", "try_later"),
        (None, "connect", "try_later"),
        (None, "dns", "try_later"),
        (301, "too_many_redirects", "allow_all"),
        (None, "refused_address", "allow_all"),
        (None, "tls", "allow_all"),
        (200, "too_large", "allow_all"),
    ],
)
def test_robots_verdict(status: int | None, error: str | None, verdict: str) -> None:
    assert robots_verdict(status, error) == verdict  # type: ignore[arg-type]


def test_robots_ttl_and_crawl_delay() -> None:
    assert robots_ttl(None, 3600, 60, 86400) == 3600
    assert robots_ttl("public, max-age=120", 3600, 60, 86400) == 120
    assert robots_ttl("max-age=5", 3600, 60, 86400) == 60
    assert robots_ttl("max-age=9999999", 3600, 60, 86400) == 86400
    assert crawl_delay_s(None, 0.2, 30) is None and crawl_delay_s(0, 0.2, 30) is None
    assert crawl_delay_s(2, 0.2, 30) == 2.0
    assert crawl_delay_s(0.05, 0.2, 30) == 0.2
    assert crawl_delay_s(3600, 0.2, 30) == 30.0


def test_host_backoff_grows_and_honours_retry_after() -> None:
    first = host_backoff_s(1, None, 5, 300, 0.5)
    second = host_backoff_s(2, None, 5, 300, 0.5)
    assert first == pytest.approx(5.0) and second == pytest.approx(10.0)
    assert 4.0 <= host_backoff_s(1, None, 5, 300, 0.0) <= host_backoff_s(1, None, 5, 300, 0.999) <= 6.0
    assert host_backoff_s(1, 120, 5, 300, 0.5) == 120
    assert host_backoff_s(20, None, 5, 300, 0.5) == 300
    assert host_backoff_s(1, 10_000, 5, 300, 0.5) == 300


def test_gate() -> None:
    assert gate(0, 0, 2, 0.2, 15) == Gate("go")
    assert gate(0, 1, 2, 0.2, 15) == Gate("go")
    assert gate(0, 4, 2, 0.2, 15) == Gate("wait", 0.0)  # queued behind the limiter
    assert gate(3, 0, 2, 0.2, 15) == Gate("wait", 3)  # short back-off: wait in the process
    assert gate(60, 0, 2, 0.2, 15) == Gate("defer", 60)  # long back-off: through the retry topic
    deferred = gate(0, 400, 1, 10, 15)  # a Crawl-delay host with a long backlog
    assert deferred.action == "defer" and deferred.seconds == 4000
