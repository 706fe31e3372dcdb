"""What `newswire up` shows: the user's counts, and one line with the likely cause when no feed
can be reached."""

from __future__ import annotations

from rich.console import Console

from newswire.local.up_status import SystemCounts, diagnosis, feeds_line, render_status
from newswire.local.supervisor import StageProgress


def shown(renderable: object) -> str:
    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_no_feed_reachable_says_so_with_the_likely_cause() -> None:
    offline = SystemCounts(feeds_registered=15, feeds_polled=15, failing=(("dns", 15),))
    assert feeds_line(offline) == "feeds: 15 registered, 0 polled OK, 15 failing (dns 15)"
    cause = diagnosis(offline)
    assert cause is not None and "15 of 15 failing: dns" in cause and "no internet access" in cause
    assert "make demo" in cause


def test_partly_failing_feeds_are_counted_not_diagnosed() -> None:
    mixed = SystemCounts(feeds_registered=15, feeds_polled=12, feeds_ok=9, failing=(("http_4xx", 2), ("dns", 1)))
    assert diagnosis(mixed) is None
    assert feeds_line(mixed) == "feeds: 15 registered, 9 polled OK, 3 failing (http_4xx 2, dns 1), 3 not polled yet"
    assert diagnosis(SystemCounts(feeds_registered=3)) is None  # nothing polled yet: nothing to say


def test_every_feed_failing_for_another_reason_points_to_feed_status() -> None:
    broken = SystemCounts(feeds_registered=2, feeds_polled=2, failing=(("malformed", 2),))
    cause = diagnosis(broken)
    assert cause is not None and "malformed" in cause and "newswire feeds status" in cause


def test_the_screen_shows_counts_states_and_stages_down() -> None:
    counts = SystemCounts(feeds_registered=2, feeds_polled=2, feeds_ok=2, articles=1234, revisions=3, stories=4, dead_letters=1)
    progress = {
        "poller": StageProgress(up=True, lag=5),
        "fetcher": StageProgress(up=False, restarts=2),
        "sink": StageProgress(up=False, failure="sink: web port 127.0.0.1:6106 is in use"),
    }
    text = shown(render_status(counts, progress, title="newswire — 10 s", notes=["demo: 3 of 4"]))
    assert "articles indexed: 1,234" in text and "revisions caught: 3" in text
    assert "stories (2+ articles): 4" in text and "dead letters: 1" in text and "demo: 3 of 4" in text
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.count("│") > 3}
    assert "up" in rows["poller"] and "restarting" in rows["fetcher"] and "down" in rows["sink"]
    assert "sink: sink: web port 127.0.0.1:6106 is in use" in text
