"""The fetcher's pure logic: statuses, charsets and the decision."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from newswire.contracts import FetchedPage, FetchRequest
from newswire.contracts.ids import article_id
from newswire.fetcher.logic import (
    FetchResult,
    Retry,
    decide,
    is_html,
    may_be_html,
)
from newswire.net.charset import charset_from_header, charset_from_meta, decode_body
from newswire.net.sniff import sniff_binary
from newswire.net.status import classify_status

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://news.example.com/news/a?utm_source=rss"


def test_statuses_and_retry_after() -> None:
    assert classify_status(200) == "ok" and classify_status(304) == "not_modified"
    assert classify_status(301) == "redirect" and classify_status(404) == "not_found"
    assert classify_status(410) == "gone" and classify_status(429) == "rate_limited"
    assert classify_status(403) == "http_4xx" and classify_status(503) == "http_5xx"
    assert is_html("text/html; charset=utf-8") and is_html("application/xhtml+xml")
    assert not is_html("application/pdf") and not is_html(None)


def test_charset_selection() -> None:
    assert charset_from_header("text/html; charset=ISO-8859-1") == "cp1252"
    assert charset_from_header('text/html; charset="utf-8"') == "utf-8"
    assert charset_from_header("text/html; charset=bogus-xyz") is None
    assert charset_from_meta(b'<html><head><meta charset="windows-1252">') == "cp1252"
    assert (
        charset_from_meta(b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
        == "koi8-r"
    )
    text = "Caf\u00e9 \u2014 na\u00efve \u201cquotes\u201d"
    # header wins when it decodes cleanly
    assert decode_body(text.encode("utf-8"), "text/html; charset=utf-8") == (text, "utf-8")
    # header lies (utf-8 declared, cp1252 sent): the meta tag or detection takes over
    body = f'<html><head><meta charset="windows-1252"></head><body>{text}</body></html>'.encode("cp1252")
    decoded, charset = decode_body(body, "text/html; charset=utf-8")
    assert charset == "cp1252" and text in decoded
    # no header: meta
    latin = '<meta charset="iso-8859-1"><p>Gr\u00fc\u00dfe aus K\u00f6ln</p>'.encode("latin-1")
    assert decode_body(latin, "text/html")[0].endswith("Gr\u00fc\u00dfe aus K\u00f6ln</p>")
    # neither: detection, never an exception
    long_text = ("Les \u00e9l\u00e8ves fran\u00e7ais \u00e9tudient \u00e0 l'\u00e9cole. " * 20).encode("utf-8")
    decoded, charset = decode_body(long_text, None)
    assert "\u00e9l\u00e8ves" in decoded and charset == "utf-8"
    decoded, _ = decode_body(b"\xff\xfe\x00garbage\x81", "text/html; charset=utf-8")
    assert isinstance(decoded, str)


def _request() -> FetchRequest:
    return FetchRequest(
        url=URL, host="news.example.com", article_id=article_id(URL), reason="new", requested_at=NOW
    )


def test_decide_ok_and_failures() -> None:
    html = "<html><body>Hello \u00e9</body></html>"
    ok = decide(
        _request(),
        FetchResult(
            requested_url=URL, final_url="http://news.example.com/story/a",
            redirect_chain=(URL,), status=200, body=html.encode(), byte_size=len(html.encode()),
            headers={"content-type": "text/html; charset=utf-8", "etag": '"e"', "x-other": "1"},
        ),
        NOW,
    )
    assert not isinstance(ok, Retry)
    assert ok.outcome == "ok" and ok.html == html and ok.charset == "utf-8" and ok.status == 200
    assert str(ok.final_url) == "http://news.example.com/story/a" and ok.redirect_chain == (URL,)
    assert ok.headers == {"content-type": "text/html; charset=utf-8", "etag": '"e"'}
    assert ok.content_type == "text/html" and ok.failure is None

    def failure(**kw: object) -> str | None:
        page = decide(_request(), FetchResult(requested_url=URL, final_url=URL, **kw), NOW)  # type: ignore[arg-type]
        assert not isinstance(page, Retry) and page.outcome == "failed" and page.html is None
        return page.failure

    assert failure(status=404) == "not_found"
    assert failure(status=410) == "gone"
    assert failure(status=403) == "http_4xx"
    assert failure(status=200, headers={"content-type": "application/pdf"}, body=b"%PDF") == "not_html"
    assert failure(status=200, error="not_html") == "not_html"
    assert failure(status=200, error="too_large") == "too_large"
    assert failure(status=301, error="redirect_loop") == "redirect_loop"
    assert failure(error="refused_address") == "refused_address"
    assert failure(error="bad_url") == "bad_url"
    page = decide(_request(), FetchResult(requested_url=URL, final_url=URL, status=304), NOW)
    assert not isinstance(page, Retry) and page.outcome == "not_modified" and page.failure is None


@pytest.mark.parametrize(
    ("result", "retry_after"),
    [
        (FetchResult(requested_url=URL, final_url=URL, status=503), None),
        (FetchResult(requested_url=URL, final_url=URL, status=429, headers={"Retry-After": "7"}), 7.0),
        (FetchResult(requested_url=URL, final_url=URL, error="timeout"), None),
        (FetchResult(requested_url=URL, final_url=URL, error="connect"), None),
    ],
)
def test_decide_transient(result: FetchResult, retry_after: float | None) -> None:
    outcome = decide(_request(), result, NOW)
    assert isinstance(outcome, Retry) and outcome.retry_after_s == retry_after


def _ok(body: bytes, content_type: str | None = "text/html; charset=utf-8", final: str = URL) -> object:
    headers = {"content-type": content_type} if content_type else {}
    return decide(
        _request(),
        FetchResult(requested_url=URL, final_url=final, status=200, headers=headers, body=body, byte_size=len(body)),
        NOW,
    )


def test_binary_pdf_and_undeclared_bodies() -> None:
    assert sniff_binary(b"%PDF-1.7\n...") == "PDF document"
    assert sniff_binary(b"\x89PNG\r\n") == "PNG image"
    assert sniff_binary(b"<html>\x00</html>") == "binary data"
    assert sniff_binary(b"<!DOCTYPE html><p>fine</p>") is None
    pdf = _ok(b"%PDF-1.4 ...", "application/pdf")
    assert isinstance(pdf, FetchedPage) and pdf.failure == "not_html" and "PDF" in (pdf.failure_detail or "")
    assert pdf.content_type == "application/pdf"
    lying = _ok(b"%PDF-1.4 ...", "text/html")
    assert isinstance(lying, FetchedPage) and lying.failure == "not_html" and "PDF" in (lying.failure_detail or "")
    binary = _ok(bytes(range(256)) * 4, "text/html")
    assert isinstance(binary, FetchedPage) and binary.failure == "not_html"
    undeclared = _ok(b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", None)
    assert isinstance(undeclared, FetchedPage) and undeclared.outcome == "ok"
    text = _ok(b"just some text", None)
    assert isinstance(text, FetchedPage) and text.failure == "not_html"
    assert may_be_html(None) and may_be_html("text/html") and not may_be_html("image/png")


def test_the_fetcher_tells_no_walls_amp_or_canonical_link() -> None:
    """What a page is, is the normaliser's to tell (it parses the page anyway): the fetcher
    passes the HTML on with none of the deprecated fields set."""
    wall = _ok(
        b'<html amp><head><title>Just a moment...</title><link rel="canonical" href="/story/a"></head>'
        b"<body>Checking your browser</body></html>"
    )
    assert isinstance(wall, FetchedPage) and wall.outcome == "ok" and wall.html
    assert not (wall.bot_challenge or wall.paywalled or wall.amp) and wall.wall_reason is None
    assert wall.canonical_url is None and wall.body_digest


def test_last_attempt_and_deferrals() -> None:
    def run(result: FetchResult, last: bool) -> object:
        return decide(_request(), result, NOW, last_attempt=last)

    r503 = FetchResult(requested_url=URL, final_url=URL, status=503)
    assert isinstance(run(r503, False), Retry)
    failed = run(r503, True)
    assert isinstance(failed, FetchedPage) and failed.failure == "http_5xx"
    r429 = FetchResult(requested_url=URL, final_url=URL, status=429)
    failed = run(r429, True)
    assert isinstance(failed, FetchedPage) and failed.failure == "rate_limited"
    timeout = run(FetchResult(requested_url=URL, final_url=URL, error="timeout", detail="slow"), True)
    assert isinstance(timeout, FetchedPage) and timeout.failure == "timeout" and timeout.failure_detail == "slow"
    deferred = FetchResult(
        requested_url=URL, final_url=URL, error="deferred", retry_after_s=42.0,
        defer_failure="rate_limited", detail="host backed off",
    )
    retry = run(deferred, False)
    assert isinstance(retry, Retry) and retry.retry_after_s == 42.0
    final = run(deferred, True)
    assert isinstance(final, FetchedPage) and final.failure == "rate_limited"
    robots = run(FetchResult(requested_url=URL, final_url=URL, error="robots_disallowed"), False)
    assert isinstance(robots, FetchedPage) and robots.failure == "robots_disallowed"


def test_retry_waits_for_the_hosts_backoff() -> None:
    result = FetchResult(
        requested_url=URL, final_url=URL, status=503, headers={"retry-after": "2"}, retry_after_s=9.5
    )
    retry = decide(_request(), result, NOW)
    assert isinstance(retry, Retry) and retry.retry_after_s == 9.5
