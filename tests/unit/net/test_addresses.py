"""The SSRF guard and redirect checks shared by the poller and the fetcher."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from newswire.net.addresses import (
    address_allowed,
    check_url,
    is_redirect_loop,
    parse_retry_after,
    redirect_target,
)

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


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


def test_retry_after() -> None:
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Wed, 01 May 2024 12:01:00 GMT", NOW) == 60.0
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None
