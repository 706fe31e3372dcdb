"""Every page, API route and feed of the web service, over an in-memory reader: status codes,
content, escaping of hostile text, the security headers, and the 400 / 404 / 503 answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import feedparser
import httpx
import pytest

from newswire.contracts.ids import article_id
from newswire.web.logic import Refused, Unavailable
from newswire.web.settings import WebSettings
from newswire.web.wiring import build_app
from tests.unit.web.fake import OTHER_URL, STORY, URL, FakeReader, only_allowed_markup, sample_docs

AID = article_id(URL)
OTHER = article_id(OTHER_URL)
XSS = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

PAGES = [
    f"/articles/{AID}",
    f"/articles/{OTHER}",
    "/revisions",
    "/revisions?outlet=Example&kind=title&since=2016-09-01&until=2016-09-30&per_page=1&page=2",
    f"/stories/{STORY}",
    "/outlets/Example",
    "/outlets/example.com",
    "/search",
    "/search?q=syria",
]
APIS = [f"/api/articles/{AID}", "/api/revisions", f"/api/stories/{STORY}", "/api/outlets/Example", "/api/search?q=syria"]
FEEDS = [
    "/feeds/revisions.atom",
    "/feeds/revisions.rss",
    "/feeds/revisions.atom?outlet=Example&kind=body",
    f"/feeds/articles/{AID}.atom",
    f"/feeds/articles/{AID}.rss",
    f"/feeds/stories/{STORY}.atom",
    f"/feeds/stories/{STORY}.rss",
]


def client_for(reader: FakeReader, **settings: Any) -> httpx.AsyncClient:
    app = build_app(reader, WebSettings(**settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
async def client(reader: FakeReader) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(reader) as c:
        yield c


def assert_secure(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


class _Markup(HTMLParser):
    """Collects every tag and attribute a browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


ACTIVE_TAGS = {"script", "style", "img", "iframe", "object", "embed", "svg", "math", "base", "frame", "video", "audio"}


def assert_no_active_content(html: str) -> None:
    """As a browser parses the page: no script, style or embedded element, no inline style or
    event handler, and every link or form target either ours or plain http(s)."""
    markup = _Markup()
    markup.feed(html)
    markup.close()
    assert markup.tags
    for tag, attrs in markup.tags:
        assert tag not in ACTIVE_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert value is not None and value.startswith(("/", "#", "http://", "https://")), (tag, name, value)
            if name == "rel" and tag == "link":
                assert value in ("stylesheet", "alternate"), value
    stylesheets = [dict(a).get("href") for t, a in markup.tags if t == "link" and dict(a).get("rel") == "stylesheet"]
    assert stylesheets == ["/static/newswire.css"]


# -- every route answers, securely -----------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_pages_answer_html_with_the_security_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert_secure(response)
    assert_no_active_content(response.text)
    assert '<link rel="stylesheet" href="/static/newswire.css">' in response.text


@pytest.mark.parametrize("path", APIS)
async def test_the_api_mirrors_each_page_as_json(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert_secure(response)
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("path", FEEDS)
async def test_feeds_parse_without_bozo(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    expected = "application/atom+xml" if ".atom" in path else "application/rss+xml"
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert_secure(response)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if ".atom" in path else "rss20")
    assert parsed.entries, path
    for entry in parsed.entries:
        assert entry.link.startswith("http://testserver/articles/")


async def test_the_stylesheet_home_and_head(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/newswire.css")
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    assert "ins" in css.text and "@import" not in css.text and "url(" not in css.text
    assert_secure(css)
    home = await client.get("/")
    assert home.status_code == 307 and home.headers["location"] == "/revisions"
    head = await client.head(f"/articles/{AID}")
    assert head.status_code == 200 and head.content == b""


# -- the pages' content ------------------------------------------------------------------------------


async def test_article_page_shows_versions_kinds_and_the_diff(client: httpx.AsyncClient) -> None:
    html = (await client.get(f"/articles/{AID}")).text
    assert "<h1>Syria talks end without a deal</h1>" in html
    for v in ("v1", '<a href="#v2">v2</a>', '<a href="#v3">v3</a>'):
        assert v in html
    assert 'id="v2"' in html and 'id="v3"' in html
    assert "<del>twelve</del><ins>fourteen</ins>" in html  # inline
    assert "<ins>fourteen</ins> hours<ins>, officials said</ins>" in html  # side by side, new column
    assert "Changed paragraphs: 2" in html
    assert "Headline: <del>Syria talks end without a deal</del> → <ins>Syria talks end without a deal, again</ins>" in html
    assert ">title</a>" in html and ">paragraphs added</a>" in html  # kinds
    assert f'href="/stories/{STORY}"' in html and 'href="/outlets/Example"' in html
    assert 'href="https://www.example.com/world/2016/sep/08/syria-talks" rel="noopener noreferrer nofollow"' in html
    assert f'type="application/atom+xml" title="Revisions of this article (Atom)" href="/feeds/articles/{AID}.atom"' in html


async def test_an_article_without_revisions(client: httpx.AsyncClient) -> None:
    html = (await client.get(f"/articles/{OTHER}")).text
    assert "No revision caught yet" in html and "Ceasefire talks in Geneva" in html


async def test_article_api_carries_sanitised_diffs(client: httpx.AsyncClient) -> None:
    data = (await client.get(f"/api/articles/{AID}")).json()
    assert data["article"]["article_id"] == AID
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]
    html = data["revisions"][0]["diff"]["html"]
    assert "<del>twelve</del><ins>fourteen</ins>" in html and only_allowed_markup(html)
    assert data["revisions"][0]["diff_unified"].startswith("--- v1")


async def test_revisions_filter_count_and_page(client: httpx.AsyncClient, reader: FakeReader) -> None:
    data = (await client.get("/api/revisions")).json()
    assert data["total"] == 2 and dict(data["kinds"])["paragraphs_added"] == 2 and dict(data["outlets"]) == {"Example": 2}
    titled = (await client.get("/api/revisions?kind=title")).json()
    assert [r["version"] for r in titled["revisions"]] == [3] and titled["filter"]["kind"] == "title_changed"
    assert (await client.get("/api/revisions?outlet=Other")).json()["total"] == 0
    assert (await client.get("/api/revisions?outlet=www.example.com")).json()["total"] == 2
    assert (await client.get("/api/revisions?until=2016-09-08T10:15Z")).json()["total"] == 1
    assert (await client.get("/api/revisions?since=2016-09-09")).json()["total"] == 0
    html = (await client.get("/revisions?per_page=1&outlet=Example")).text
    assert "page 1 of 2" in html
    assert 'href="/revisions?outlet=Example&amp;per_page=1&amp;page=2"' in html  # canonical order
    assert 'href="/feeds/revisions.atom?outlet=Example"' in html  # the feed of this filter
    assert '<option value="title_changed">title</option>' in html
    flt, paging, with_diff = reader.calls[-1][1]
    assert flt.outlet == "Example" and paging.per_page == 1 and not with_diff


async def test_story_page_lists_every_report_in_time_order(client: httpx.AsyncClient) -> None:
    html = (await client.get(f"/stories/{STORY}")).text
    assert "<h1>Syria talks</h1>" in html
    first, second = html.index(f"/articles/{AID}"), html.index(f"/articles/{OTHER}")
    assert first < second  # Example's report came out five minutes before Other's
    assert "Sergey Lavrov" in html and "Sam Roe" in html
    data = (await client.get(f"/api/stories/{STORY}")).json()
    assert [r["outlet"] for r in data["reports"]] == ["Example", "Other"]


async def test_outlet_page_feeds_health_and_edits(client: httpx.AsyncClient) -> None:
    html = (await client.get("/outlets/example.com")).text
    assert "https://www.example.com/world/rss" in html and '<span class="health">ok</span>' in html
    assert "<dt>Edited at least once</dt><dd>1 (100.0%)</dd>" in html
    assert "<dt>Revisions</dt><dd>2 (2.00 per article)</dd>" in html
    assert "Most edited" in html and "Latest revisions" in html
    data = (await client.get("/api/outlets/Example")).json()
    assert data["names"] == ["Example"] and data["feeds"][0]["health"] == "ok" and data["revisions_total"] == 2


async def test_search_marks_the_matches(client: httpx.AsyncClient) -> None:
    html = (await client.get("/search?q=diplomats")).text
    assert "<mark>Ceasefire talks in Geneva</mark>" in html and "1 article" in html
    assert "Search articles" in (await client.get("/search")).text
    data = (await client.get("/api/search?q=syria")).json()
    assert data["total"] == 1 and data["query"]["q"] == "syria"


async def test_health_and_metrics(client: httpx.AsyncClient, reader: FakeReader) -> None:
    ok = await client.get("/healthz")
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "stage": "web", "elasticsearch": "green"}
    reader.status = "red"
    assert (await client.get("/healthz")).status_code == 503
    reader.fail = ConnectionError("refused")
    down = await client.get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "unavailable"
    reader.fail = None
    await client.get(f"/articles/{AID}")
    await client.get("/articles/" + "0" * 32)
    text = (await client.get("/metrics")).text
    assert 'newswire_web_requests_total{method="GET",route="/articles/{article_id}",status="200"} 1.0' in text
    assert 'newswire_web_requests_total{method="GET",route="/articles/{article_id}",status="404"} 1.0' in text
    assert 'newswire_web_request_seconds_bucket{le="0.1",route="/articles/{article_id}"}' in text
    assert AID not in text  # routes, never raw paths


# -- refusals ----------------------------------------------------------------------------------------


BAD = [
    ("/revisions?page=abc", "whole number"),
    ("/revisions?page=0", "between 1"),
    ("/revisions?page=-5", "between 1"),
    ("/revisions?page=99999999999999999999999999", "whole number"),
    ("/revisions?page=100000", "too deep"),
    ("/revisions?per_page=1000", "between 1 and 100"),
    ("/revisions?kind=bogus", "unknown revision kind"),
    ("/revisions?kind=%3Cscript%3E", "unknown revision kind"),
    ("/revisions?since=yesterday", "not a date"),
    ("/revisions?since=2016-02-30", "not a date"),
    ("/revisions?until=9999999999d", "not a date"),
    ("/revisions?since=2016-09-09&until=2016-09-08", "before"),
    ("/revisions?page=1&page=2", "more than once"),
    ("/revisions?outlet=a%00b", "control characters"),
    ("/revisions?outlet=%ff%fe", "invalid UTF-8"),
    ("/revisions?outlet=" + "x" * 300, "too long"),
    ("/search?q=" + "x" * 600, "too long"),
    ("/search?q=syria&page=x", "whole number"),
    ("/feeds/revisions.atom?kind=nope", "unknown revision kind"),
]


@pytest.mark.parametrize(("path", "message"), BAD)
async def test_bad_parameters_are_400_with_a_clear_message(client: httpx.AsyncClient, path: str, message: str) -> None:
    response = await client.get(path)
    assert response.status_code == 400, response.text
    assert_secure(response)
    assert message in response.text
    if path.startswith(("/revisions", "/search")):
        api = await client.get("/api" + path)
        assert api.status_code == 400 and message in api.json()["error"]


NOT_FOUND = [
    "/articles/" + "0" * 32,
    "/articles/not-an-id",
    "/articles/" + "A" * 32,
    "/stories/s-unknown",
    "/stories/%3Cscript%3E",
    "/outlets/Nobody%20Here",
    "/api/articles/" + "0" * 32,
    "/api/stories/nope",
    "/api/outlets/nobody",
    "/feeds/articles/" + "0" * 32 + ".atom",
    "/feeds/stories/nope.rss",
    "/feeds/revisions.xml",
    "/nowhere",
    "/api/nowhere",
    "/static/../settings.py",
]


@pytest.mark.parametrize("path", NOT_FOUND)
async def test_unknown_ids_and_paths_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404, response.text
    assert_secure(response)
    if path.startswith("/api/"):
        assert response.json()["status"] == 404
    elif path.startswith("/feeds/"):
        assert response.headers["content-type"].startswith("text/plain")
    else:
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert_no_active_content(response.text)


async def test_other_methods_are_405(client: httpx.AsyncClient) -> None:
    response = await client.post("/revisions", content=b"x")
    assert response.status_code == 405 and "only GET" in response.text
    assert_secure(response)
    assert (await client.delete("/api/revisions")).json()["status"] == 405


@pytest.mark.parametrize(
    ("failure", "status"),
    [(Unavailable("timeout"), 503), (Refused("Elasticsearch refused the query: too_many_clauses"), 400),
     (RuntimeError("secret internals at 0xdeadbeef"), 500)],
)
async def test_backend_failures_are_answered_never_raised(reader: FakeReader, failure: Exception, status: int) -> None:
    reader.fail = failure
    async with client_for(reader) as client:
        for path in (f"/articles/{AID}", "/api/revisions", "/feeds/revisions.atom", "/search?q=x"):
            response = await client.get(path)
            assert response.status_code == status, path
            assert_secure(response)
            assert "0xdeadbeef" not in response.text and "Traceback" not in response.text


# -- hostile text --------------------------------------------------------------------------------------


def hostile_docs() -> dict[str, list[dict[str, Any]]]:
    """The sample archive with attacker-chosen text in every field a page shows."""
    docs = sample_docs()
    article = docs["articles"][0]
    article.update(
        title=XSS, outlet=ATTR, host=ATTR, authors=[XSS, ATTR], description=ATTR, section=XSS, language=ATTR,
        canonical_url="javascript:alert(1)", url="data:text/html,<script>alert(1)</script>",
        text=f"{XSS}\n\n{ATTR}", story_id=STORY,
        entities=[{"name": XSS, "type": ATTR, "salience": 1}],
    )
    for revision in docs["revisions"]:
        revision.update(
            title_old=XSS, title_new=ATTR, outlet=ATTR, kinds=["title_changed", XSS],
            diff_html=f'<p class="changed" onclick="alert(1)">{XSS}<ins>{ATTR}</ins><img src=x onerror=alert(1)></p>',
            diff_unified=XSS, corrections=[XSS], redirected_to="javascript:alert(1)", status="redirected",
        )
    docs["stories"][0].update(title=XSS, top_entities=[ATTR], outlets=[XSS])
    docs["feeds"][0].update(feed_url="javascript:alert(1)", host="www.example.com", error_class=XSS, error_message=ATTR)
    docs["articles"][1].update(title=ATTR, outlet=XSS)
    return docs


@pytest.mark.parametrize(
    "path",
    [
        f"/articles/{AID}", "/revisions", f"/stories/{STORY}", "/outlets/www.example.com", "/search?q=diplomats",
        "/revisions?outlet=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/outlets/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/revisions?kind=%22%3E%3Cimg%20src%3Dx%3E",
    ],
)
async def test_hostile_text_is_escaped_everywhere(path: str) -> None:
    async with client_for(FakeReader(hostile_docs())) as client:
        response = await client.get(path)
    assert response.status_code in (200, 400, 404), response.text
    html = response.text
    assert_no_active_content(html)
    assert XSS not in html and "<img src=x" not in html
    if response.status_code == 200 and "outlets/%22" not in path and "q=%3C" not in path:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


async def test_hostile_feeds_stay_valid_and_inert() -> None:
    async with client_for(FakeReader(hostile_docs())) as client:
        for path in FEEDS[:2] + [f"/feeds/articles/{AID}.atom", f"/feeds/stories/{STORY}.rss"]:
            response = await client.get(path)
            assert response.status_code == 200
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (path, parsed.get("bozo_exception"))
            assert b"<script" not in response.content and b"<img" not in response.content
            for entry in parsed.entries:
                html = entry.content[0].value if "content" in entry else entry.description
                assert "<script" not in html and "<img" not in html


async def test_hostile_api_returns_sanitised_diffs() -> None:
    async with client_for(FakeReader(hostile_docs())) as client:
        data = (await client.get(f"/api/articles/{AID}")).json()
    for revision in data["revisions"]:
        html = revision["diff"]["html"]
        assert only_allowed_markup(html) and "onclick" not in html
        assert revision["redirected_to"] is None
    assert data["article"]["url"] is None


async def test_public_url_sets_the_feeds_links(reader: FakeReader) -> None:
    async with client_for(reader, web_public_url="https://news.example.org/") as client:
        parsed = feedparser.parse((await client.get("/feeds/revisions.atom?outlet=Example")).content)
    assert parsed.entries[0].link.startswith("https://news.example.org/articles/")
    assert parsed.feed.links[1].href == "https://news.example.org/feeds/revisions.atom?outlet=Example"


async def test_pages_render_with_parts_missing() -> None:
    """Revisions before their article is indexed, a story without reports, an outlet known only
    by its revisions and feeds, nothing found: every page still renders (strict templates)."""
    docs = sample_docs()
    docs["articles"] = []
    async with client_for(FakeReader(docs)) as client:
        article = await client.get(f"/articles/{AID}")
        assert article.status_code == 200 and "Syria talks end without a deal, again" in article.text
        assert_no_active_content(article.text)
        story = await client.get(f"/stories/{STORY}")
        assert story.status_code == 200 and "No report of this story is indexed" in story.text
        outlet = await client.get("/outlets/Example")
        assert outlet.status_code == 200 and "No article of this outlet is indexed" in outlet.text
        assert "https://www.example.com/world/rss" not in outlet.text  # its feed is on www.example.com...
        by_host = await client.get("/outlets/www.example.com")
        assert "https://www.example.com/world/rss" in by_host.text  # ...found by host
        empty = await client.get("/revisions?kind=deleted")
        assert empty.status_code == 200 and "No revision matches" in empty.text
        assert "0 articles" in (await client.get("/search?q=nothingmatches")).text
        assert (await client.get(f"/feeds/articles/{AID}.atom")).status_code == 200


@pytest.mark.parametrize("host", [b'evil.example"><script>x</script>', b"a b", b"", b"[::1", b"\xff\xfe", b"x:99999999"])
async def test_a_hostile_host_header_never_reaches_the_feeds(host: bytes) -> None:
    """The feeds' absolute links come from the Host header when no public URL is set; an
    invalid one falls back to the server's own address."""
    app = build_app(FakeReader(), WebSettings())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/feeds/revisions.atom", "raw_path": b"/feeds/revisions.atom", "query_string": b"", "root_path": "",
        "headers": [(b"host", host)], "server": ("127.0.0.1", 6107), "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    parsed = feedparser.parse(b"".join(m.get("body", b"") for m in sent[1:]))
    assert not parsed.bozo and parsed.entries[0].link.startswith("http://127.0.0.1:6107/articles/")
