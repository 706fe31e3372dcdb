"""`newswire feeds discover` and `feeds parse` on sitemaps, through the real CLI: discovery
against the farm (served from a thread), parsing a gzipped news sitemap file."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from newswire.cli.main import app
from newswire.farm import Farm, FarmConfig
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    """A farm of four outlets (rss, atom, sitemap, news sitemap) on its own loop and thread."""
    loop = asyncio.new_event_loop()
    farm = Farm(FarmConfig(outlets=4, port=0, articles_per_outlet=3))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(farm.start(), loop).result(30)
    yield farm
    asyncio.run_coroutine_threadsafe(farm.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_discover_prints_each_outlets_source(farm: Farm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", '["127.0.0.0/8"]')
    monkeypatch.setenv("NEWSWIRE_MIN_HOST_DELAY_S", "0")
    runner = CliRunner()
    for outlet in farm.outlets:
        result = runner.invoke(app, ["feeds", "discover", outlet.base_url, "--json"])
        assert result.exit_code == 0, result.output
        (line,) = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
        kind = "sitemap" if outlet.sitemap_only else "feed"
        assert (line["url"], line["kind"]) == (outlet.feed_url, kind)
        assert line["via"] == ("robots" if outlet.sitemap_only else "html")


def test_discover_refuses_private_addresses_by_default(farm: Farm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", raising=False)
    result = CliRunner().invoke(app, ["feeds", "discover", farm.outlets[2].base_url, "--no-guess"])
    assert result.exit_code == 1 and "no feed or sitemap found" in result.output


def test_parse_prints_a_gzipped_news_sitemap(tmp_path: Path) -> None:
    body = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://n.example/a.html</loc>'
        "<news:news><news:publication><news:name>N</news:name><news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-12-05T10:00:00Z</news:publication_date><news:title>A title</news:title>"
        "</news:news></url></urlset>"
    )
    path = tmp_path / "news.xml.gz"
    path.write_bytes(gzip.compress(body.encode()))
    result = CliRunner().invoke(app, ["feeds", "parse", str(path), "--url", "https://n.example/news.xml.gz"])
    assert result.exit_code == 0, result.output
    head, item = (json.loads(x) for x in result.output.splitlines())
    assert head["type"] == "feed" and head["version"] == "sitemap-news" and head["items"] == 1
    assert item["link"] == "https://n.example/a.html" and item["title"] == "A title"
    assert item["published"] == "2026-12-05T10:00:00+00:00"
