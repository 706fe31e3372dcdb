"""Body sniffing: binary files behind text labels, the two HTML tests, bot-challenge pages."""

from __future__ import annotations

import codecs

import pytest

from newswire.normaliser.walls import detect_walls
from newswire.net.sniff import (
    CHALLENGE_MARKERS,
    CHALLENGE_SCAN_BYTES,
    FEED_CHALLENGE_MARKERS,
    contains_html_page,
    is_bot_challenge,
    sniff_binary,
    starts_like_html,
)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "PDF document"),
        (b"\n\n  %PDF-1.4", "PDF document"),  # whitespace before the magic number
        (b"PK\x03\x04\x14\x00", "ZIP archive (or office document)"),
        (b"\x1f\x8b\x08\x00", "gzip data"),
        (b"\xff\xd8\xff\xe0JFIF", "JPEG image"),
        (b"<html><body>\x00</body></html>", "binary data"),  # a NUL byte near the start
    ],
)
def test_binary_bodies_are_named(body: bytes, name: str) -> None:
    assert sniff_binary(body) == name


def test_text_is_not_binary() -> None:
    assert sniff_binary(b"<!DOCTYPE html><p>fine</p>") is None
    assert sniff_binary("<p>Gr\u00fc\u00dfe</p>".encode()) is None
    # only the first KiB is looked at: a NUL byte far down is not a file signature
    assert sniff_binary(b"<p>" + b"a" * 2000 + b"\x00") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head>",
        b"  \n<!doctype HTML>",
        codecs.BOM_UTF8 + b"<html lang='en'>",
        b"<!-- generated --><div>",
        b"<p>Just a paragraph</p>",
        b"<META charset=utf-8>",
    ],
)
def test_starts_like_html(body: bytes) -> None:
    assert starts_like_html(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<pre>not a <p> tag</pre>",  # <pre> is not <p
        b"Warning: something broke\n<html><body>",  # text before the markup
        b"<?xml version='1.0'?><rss version='2.0'>",
        b"",
    ],
)
def test_does_not_start_like_html(body: bytes) -> None:
    assert not starts_like_html(body)


def test_contains_html_page_sees_past_a_preamble_but_not_fragments() -> None:
    preamble = b"<br />\n<b>Warning</b>: include(): failed in /var/www/feed.php<br />\n"
    assert contains_html_page(preamble + b"<html><body><p>Not found</p></body></html>")
    assert contains_html_page(b"  <!DOCTYPE html>")
    assert not contains_html_page(b"<div><p>a fragment</p></div>")
    assert not contains_html_page(b"<rss><channel><title>t</title></channel></rss>")
    # only the first 2 KiB count
    assert not contains_html_page(b"<rss>" + b" " * 2100 + b"<html>")


@pytest.mark.parametrize(
    ("body", "fetcher", "poller"),
    [
        (b"<div>fragment</div>", True, False),
        (b"PHP notice\n<html><body>", False, True),
        (b"<!DOCTYPE html><html>", True, True),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", False, False),
    ],
)
def test_the_two_html_tests_decide_different_things(body: bytes, fetcher: bool, poller: bool) -> None:
    assert (starts_like_html(body), contains_html_page(body)) == (fetcher, poller)


def _page(marker: str, words: int = 20) -> str:
    """A short HTML page that carries `marker` (as a class name and as text)."""
    filler = " ".join(["word"] * words)
    return (
        "<!DOCTYPE html><html><head><title>Site</title></head><body>"
        f"<div class='{marker}'>{marker}</div><span>{filler}</span></body></html>"
    )


@pytest.mark.parametrize("marker", CHALLENGE_MARKERS)
def test_shared_markers_flag_a_challenge_for_both_callers(marker: str) -> None:
    page = _page(marker)
    assert is_bot_challenge(page.encode())
    assert detect_walls(page).bot_challenge


@pytest.mark.parametrize("marker", FEED_CHALLENGE_MARKERS)
def test_feed_only_markers_flag_an_html_page(marker: str) -> None:
    assert is_bot_challenge(_page(marker).encode())
    assert not is_bot_challenge(marker.encode())  # not an HTML page


def test_the_fetcher_does_not_look_for_the_feed_only_markers() -> None:
    # A short page that names a protection service only the poller knows is no challenge to
    # the fetcher's wall detection: the two lists were not merged (see newswire.net.sniff).
    assert not detect_walls(_page("ddos-guard")).bot_challenge
    assert not detect_walls(_page("_incapsula_resource")).bot_challenge


def test_bot_challenge_needs_an_html_page_and_a_marker_near_the_start() -> None:
    cloudflare = (
        b"<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
        b"<body><script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script></body></html>"
    )
    assert is_bot_challenge(cloudflare)
    assert is_bot_challenge(cloudflare.upper())  # markers are matched case-insensitively
    # a feed that talks about captchas is a feed
    feed = b"<rss><channel><item><title>g-recaptcha broken</title></item></channel></rss>"
    assert not is_bot_challenge(feed)
    assert not is_bot_challenge(b"<!DOCTYPE html><html><body>plain page</body></html>")
    late = b"<!DOCTYPE html><html><body>" + b"x" * CHALLENGE_SCAN_BYTES + b"cf_chl_</body></html>"
    assert not is_bot_challenge(late)
    # the fetcher's own markers are not the poller's
    assert not is_bot_challenge(b"<html><body>Our systems detected unusual traffic</body></html>")
