"""`newswire feeds add|import|export|list|status|remove` against the real Kafka."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from newswire.cli.main import app
from newswire.config import KafkaSettings
from newswire.contracts import FeedStatus
from newswire.contracts.ids import feed_id
from newswire.poller.feedlist import parse_feed_list
from newswire.runtime.codec import encode
from newswire.topics import FEED_STATUS
from tests.integration.kafka_io import produce

runner = CliRunner()
A, B, C = "http://a.example/rss", "https://b.example/atom.xml", "https://c.example/feed.json"


async def test_feeds_cli_round_trip(own_topics: KafkaSettings, tmp_path: Path) -> None:
    env = {"NEWSWIRE_KAFKA__TOPIC_PREFIX": own_topics.topic_prefix, "COLUMNS": "250"}

    def run(*args: str) -> str:
        result = runner.invoke(app, ["feeds", *args], env=env)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    async def invoke(*args: str) -> str:  # the commands run their own event loop: a thread
        return await asyncio.get_running_loop().run_in_executor(None, lambda: run(*args))

    await invoke("add", A, "--title", "Feed A", "--outlet", "Outlet A")
    opml = tmp_path / "in.opml"
    opml.write_text(f'<opml version="2.0"><body><outline text="B" xmlUrl="{B}"/><outline text="C" xmlUrl="{C}"/></body></opml>')
    assert "imported 2" in await invoke("import", str(opml))
    listed = await invoke("list")
    assert A in listed and B in listed and C in listed and "3 feed(s)" in listed
    exported = tmp_path / "out.opml"
    await invoke("export", "--out", str(exported))
    entries = parse_feed_list(exported.read_text())
    assert [(e.url, e.title) for e in entries] == [(A, "Feed A"), (B, "B"), (C, "C")]
    assert entries[0].outlet == "Outlet A"
    now = datetime.now(UTC)
    statuses = [
        FeedStatus(feed_id=feed_id(A), feed_url=A, polled_at=now, status_code=304, duration_ms=5, not_modified=True, interval_s=600),
        FeedStatus(feed_id=feed_id(B), feed_url=B, polled_at=now, status_code=410, duration_ms=5, error_class="gone",
                   consecutive_failures=1, disabled=True, disabled_reason="410 Gone"),
    ]
    await produce(own_topics, FEED_STATUS.full_name(own_topics.topic_prefix),
                  [(s.feed_id.encode(), encode(FEED_STATUS, s)) for s in statuses])
    status = await invoke("status")
    assert "ok" in status and "disabled" in status and "410 Gone" in status and "never polled" in status
    problems = await invoke("status", "--problems")
    assert B in problems and A not in problems
    await invoke("remove", C)
    assert C not in await invoke("list") and C in await invoke("list", "--all")
