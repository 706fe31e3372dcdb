"""The web service on the real local Elasticsearch: documents written by the sink's own code
(`actions_for` + `ElasticsearchBulkWriter`) under an index prefix of the test's own, from the real
Guardian revision pair diffed by the tracker, read back through `ElasticsearchReader` and the
whole app in-process (httpx over ASGI)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import feedparser
import httpx
import pytest

from newswire.config import ElasticsearchSettings
from newswire.contracts.ids import article_id
from newswire.es.client import make_client
from newswire.farm.fixtures import RevisionArticle
from newswire.sink.adapters import ElasticsearchBulkWriter
from newswire.sink.documents import actions_for
from newswire.web.adapters import ElasticsearchReader
from newswire.web.settings import WebSettings
from newswire.web.wiring import build_app
from tests.factories import T0
from tests.unit.web.fake import STORY, article_message, feed_message, revision_message, story_message

OTHER_URL = "https://www.example.org/news/geneva-talks"
HOSTILE_URL = "https://evil.example.net/a"
XSS = "<script>alert(1)</script>"


@pytest.fixture
async def web(es_client: Any, index_prefix: str, guardian: RevisionArticle) -> AsyncIterator[httpx.AsyncClient]:
    """The app over an index prefix holding the Guardian article (two versions and the revision
    between them), a second outlet's report of the same story, a hostile article, a feed."""
    v1, v2 = guardian.versions[0], guardian.versions[1]
    url = guardian.url
    messages = [
        article_message(url, title=guardian.title, outlet="The Guardian", host="www.theguardian.com", paragraphs=v2,
                        version=2, authors=("Julian Borger",)),
        revision_message(url, v1, v2, 2, title_old=guardian.title, outlet="The Guardian", host="www.theguardian.com",
                         detected_at=T0 + timedelta(minutes=35)),
        article_message(OTHER_URL, title="Kerry and Lavrov meet in Geneva", outlet="Example", host="www.example.org",
                        paragraphs=("Diplomats met in Geneva.", "No deal yet."), first_seen=T0 + timedelta(minutes=20)),
        article_message(HOSTILE_URL, title=XSS, outlet='"><img src=x onerror=alert(1)>', host="evil.example.net",
                        story=None, paragraphs=(XSS, "Geneva " + XSS)),
        story_message(STORY, outlets=("The Guardian", "Example"), title="Kerry and Lavrov in Geneva"),
        feed_message("https://www.theguardian.com/world/rss"),
    ]
    writer = ElasticsearchBulkWriter(es_client)
    results = await writer.write([a for m in messages for a in actions_for(m, index_prefix)])
    assert all(status < 300 for status, _ in results), results
    await es_client.indices.refresh(index=f"{index_prefix}-*")
    reader = ElasticsearchReader(es_client, index_prefix, timeout_s=10)
    app = build_app(reader, WebSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def test_article_page_shows_versions_and_the_changed_paragraphs(web: httpx.AsyncClient, guardian: RevisionArticle) -> None:
    aid = article_id(guardian.url)
    response = await web.get(f"/articles/{aid}")
    assert response.status_code == 200, response.text
    html = response.text
    assert "John Kerry flies to Geneva" in html
    assert '<a href="#v2">v2</a>' in html and "first version" in html
    numbers = ", ".join(str(i + 1) for i in guardian.changed_paragraph_indexes)
    assert f"Changed paragraphs: {numbers}" in html  # 6, 7, 8
    assert "<ins>Fateh</ins>" in html and "<ins>al-Qaida</ins>" in html
    assert re.search(r"<del>[^<]+</del><ins>Fateh</ins>", html)
    assert 'class="diff side"' in html
    data = (await web.get(f"/api/articles/{aid}")).json()
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["revisions"][0]["changed_paragraphs"] == list(guardian.changed_paragraph_indexes)


async def test_story_page_lists_its_reports(web: httpx.AsyncClient, guardian: RevisionArticle) -> None:
    html = (await web.get(f"/stories/{STORY}")).text
    guardian_at, example_at = html.index(f"/articles/{article_id(guardian.url)}"), html.index(f"/articles/{article_id(OTHER_URL)}")
    assert guardian_at < example_at
    assert "The Guardian" in html and "Example" in html and "Sergey Lavrov" in html
    assert (await web.get("/stories/s-000000000000000000000000")).status_code == 404


async def test_atom_feed_has_the_revision(web: httpx.AsyncClient, guardian: RevisionArticle) -> None:
    aid = article_id(guardian.url)
    for path in ("/feeds/revisions.atom", f"/feeds/articles/{aid}.atom", f"/feeds/stories/{STORY}.atom",
                 "/feeds/revisions.rss?outlet=theguardian.com"):
        response = await web.get(path)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        (entry,) = parsed.entries
        assert entry.link == f"http://testserver/articles/{aid}#v2"
        assert "<ins>Fateh</ins>" in (entry.content[0].value if "content" in entry else entry.description)
    empty = feedparser.parse((await web.get("/feeds/revisions.atom?kind=deleted")).content)
    assert not empty.bozo and empty.entries == []


async def test_revisions_outlet_search_and_health(web: httpx.AsyncClient) -> None:
    data = (await web.get("/api/revisions?outlet=theguardian.com&since=2016-09-01&until=2016-09-30")).json()
    assert data["total"] == 1 and dict(data["outlets"]) == {"The Guardian": 1}
    assert (await web.get("/api/revisions?kind=deleted")).json()["total"] == 0
    outlet = (await web.get("/api/outlets/www.theguardian.com")).json()
    assert outlet["articles_total"] == 1 and outlet["articles_revised"] == 1 and outlet["revisions_total"] == 1
    assert outlet["feeds"][0]["feed_url"] == "https://www.theguardian.com/world/rss"
    assert (await web.get("/outlets/The%20Guardian")).status_code == 200
    search = (await web.get("/api/search?q=Lavrov Geneva")).json()
    assert search["total"] >= 1 and search["results"][0]["fragments"]
    html = (await web.get("/search?q=nusra")).text
    assert "<mark>" in html.lower()
    for odd in ('"unclosed', "((((", "a AND OR", "*", "title:x^99", "-", "\\"):
        assert (await web.get("/search", params={"q": odd})).status_code == 200, odd
    assert (await web.get("/healthz")).json()["status"] == "ok"


async def test_hostile_documents_from_elasticsearch_are_escaped(web: httpx.AsyncClient) -> None:
    aid = article_id(HOSTILE_URL)
    for path in (f"/articles/{aid}", "/search?q=geneva", "/outlets/evil.example.net"):
        html = (await web.get(path)).text
        assert XSS not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


async def test_a_prefix_with_no_indices_reads_as_empty(es_client: Any) -> None:
    """Before the sink's first write (no monthly revisions index yet): empty pages, not errors."""
    reader = ElasticsearchReader(es_client, f"absent-{uuid.uuid4().hex[:8]}", timeout_s=10)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(reader, WebSettings())),
                                 base_url="http://testserver") as web:
        assert (await web.get("/api/revisions")).json()["total"] == 0
        assert (await web.get("/revisions")).status_code == 200
        assert (await web.get("/articles/" + "0" * 32)).status_code == 404
        assert (await web.get("/outlets/nobody")).status_code == 404
        assert not feedparser.parse((await web.get("/feeds/revisions.atom")).content).bozo


async def test_an_unreachable_cluster_is_503_quickly() -> None:
    """Nothing listens on the port: /healthz and every page say 503 within the timeout."""
    client = make_client(ElasticsearchSettings(hosts=["http://127.0.0.1:9"]))
    try:
        app = build_app(ElasticsearchReader(client, "newswire", timeout_s=2), WebSettings())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as web:
            started = time.monotonic()
            health = await web.get("/healthz")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            for path in ("/revisions", "/api/revisions", "/feeds/revisions.atom", "/search?q=x", "/outlets/x"):
                assert (await web.get(path)).status_code == 503, path
            assert time.monotonic() - started < 30
    finally:
        await client.close()
