"""The fetcher's pure logic: SSRF checks, redirects, statuses, charsets and the decision."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from newswire.contracts import FetchRequest
from newswire.contracts.ids import article_id
from newswire.fetcher.logic import (
    FetchResult,
    Retry,
    address_allowed,
    charset_from_header,
    charset_from_meta,
    check_url,
    classify_status,
    decide,
    decode_body,
    is_html,
    is_redirect_loop,
    parse_retry_after,
    redirect_target,
)

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://news.example.com/news/a?utm_source=rss"


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1", "127.0.1.7", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "240.0.0.1",
        "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "not an ip",
    ],
)
def test_non_public_addresses_refused(ip: str) -> None:
    assert not address_allowed(ip)


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_allowed(ip: str) -> None:
    assert address_allowed(ip)


def test_allowlist() -> None:
    assert address_allowed("127.0.0.1", LOOPBACK)
    assert address_allowed("::ffff:127.0.0.1", LOOPBACK)
    assert not address_allowed("10.0.0.1", LOOPBACK)
    assert not address_allowed("::1", LOOPBACK)
    assert address_allowed("fd00::5", [ipaddress.ip_network("fc00::/7")])


@pytest.mark.parametrize(
    ("url", "failure"),
    [
        ("http://example.com/a", None),
        ("https://example.com:8443/a", None),
        ("ftp://example.com/a", "bad_url"),
        ("file:///etc/passwd", "bad_url"),
        ("javascript:alert(1)", "bad_url"),
        ("http://user:pw@example.com/", "bad_url"),
        ("http://user@example.com/", "bad_url"),
        ("http:///nohost", "bad_url"),
        ("http://example.com:99999/", "bad_url"),
        ("http://127.0.0.1/", "refused_address"),
        ("http://169.254.169.254/latest/meta-data/", "refused_address"),
        ("http://[::1]:8080/", "refused_address"),
        ("http://10.0.0.8/", "refused_address"),
    ],
)
def test_check_url(url: str, failure: str | None) -> None:
    problem = check_url(url)
    assert (problem.failure if problem else None) == failure


def test_check_url_allowlist() -> None:
    assert check_url("http://127.0.1.1:8900/news/x", LOOPBACK) is None
    problem = check_url("http://10.0.0.1/", LOOPBACK)
    assert problem is not None and problem.failure == "refused_address"


def test_redirects() -> None:
    assert redirect_target("http://a.example/x/y", "/z") == "http://a.example/z"
    assert redirect_target("http://a.example/x/y", "q?loop=1") == "http://a.example/x/q?loop=1"
    assert redirect_target("http://a.example/x", "https://b.example/") == "https://b.example/"
    chain = ["http://a.example/p", "http://a.example/p?loop=1"]
    assert is_redirect_loop(chain, "HTTP://A.example/p#frag")
    assert not is_redirect_loop(chain, "http://a.example/p?loop=2")
    assert not is_redirect_loop(["http://a.example/p?utm_source=x"], "http://a.example/p")


def test_statuses_and_retry_after() -> None:
    assert classify_status(200) == "ok" and classify_status(304) == "not_modified"
    assert classify_status(301) == "redirect" and classify_status(404) == "not_found"
    assert classify_status(410) == "gone" and classify_status(429) == "rate_limited"
    assert classify_status(403) == "http_4xx" and classify_status(503) == "http_5xx"
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Wed, 01 May 2024 12:01:00 GMT", NOW) == 60.0
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None
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
