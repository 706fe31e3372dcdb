"""`newswire feeds parse FILE`: the service's parser on a file, as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newswire.cli.main import app
from tests.unit.poller.test_parsing import CHALLENGE, RDF

runner = CliRunner()


def test_parse_prints_feed_and_items(tmp_path: Path) -> None:
    path = tmp_path / "feed.rdf"
    path.write_bytes(RDF)
    result = runner.invoke(app, ["feeds", "parse", str(path), "--url", "https://news.example.net/rdf"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["type"] == "feed" and lines[0]["version"] == "rss10" and lines[0]["items"] == 1
    assert lines[0]["update_period_s"] == 1800.0
    assert lines[1]["type"] == "item" and lines[1]["authors"] == ["Ann Author"]
    assert lines[1]["link"] == "https://news.example.net/rdf-1"


def test_parse_error_exits_zero_with_an_error_object(tmp_path: Path) -> None:
    for name, body, error in (("c.html", CHALLENGE, "bot_challenge"), ("e.xml", b"", "not_a_feed"),
                              ("t.xml", RDF[:200], "malformed")):
        path = tmp_path / name
        path.write_bytes(body)
        result = runner.invoke(app, ["feeds", "parse", str(path)])
        assert result.exit_code == 0, result.output
        (line,) = [json.loads(x) for x in result.stdout.splitlines()]
        assert line["type"] == "error" and line["error_class"] == error and line["error_message"]
