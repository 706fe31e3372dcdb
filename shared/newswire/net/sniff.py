"""What a response body is, judged from its bytes: HTML or not, a binary file behind a text
label, a bot-protection interstitial instead of content. Pure: bytes in, verdicts out.

Two HTML tests live here because the two callers decide different things. The fetcher asks
whether a body served without a Content-Type is HTML at all (`starts_like_html`: the body must
open like an HTML document or fragment). The poller asks whether a document that is no feed is
an HTML page (`contains_html_page`: a doctype, `<html` or `<body` anywhere in its first 2 KiB,
so a page after a preamble of PHP warnings counts too). Neither is the other's superset, and
each caller's tests pin its own answer, so both are kept, under names that say what they decide.

The bot-challenge markers shared by the poller and the fetcher's wall detection are defined
here once (`CHALLENGE_MARKERS`). The poller flags any HTML page that carries one of them or of
`FEED_CHALLENGE_MARKERS` (a feed is never an HTML page, so a marker is enough); the fetcher's
`newswire.normaliser.walls` adds markers of its own and a word count (an article may mention a
captcha) and does not look for the poller's extra markers.
"""

from __future__ import annotations

import codecs
import re

#: How much of a body the sniffers look at.
SNIFF_BYTES = 1024
HTML_PAGE_SNIFF_BYTES = 2048
CHALLENGE_SCAN_BYTES = 65536

# -- binary bodies ------------------------------------------------------------------------------

#: Magic numbers of formats that turn up behind article links (WHATWG MIME Sniffing, 6).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or office document)"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"RIFF", "RIFF media"),
    (b"\x00\x00\x00", "binary data"),
    (b"ID3", "MP3 audio"),
    (b"OggS", "Ogg media"),
)


def sniff_binary(body: bytes) -> str | None:
    """What a body is if it is not text (a known magic number, or NUL bytes near the start),
    else None. Servers label PDFs and files as text/html more often than one would hope."""
    head = body[:SNIFF_BYTES].lstrip()
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if b"\x00" in body[:SNIFF_BYTES]:
        return "binary data"
    return None


# -- HTML -----------------------------------------------------------------------------------------

_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<!--|<meta|<title|<div|<p\b)", re.I)


def starts_like_html(body: bytes) -> bool:
    """True if the body opens like an HTML document or fragment (after whitespace and a UTF-8
    byte-order mark): a doctype, a comment, or an html/head/body/meta/title/div/p tag.

    The fetcher's test for a body served without a Content-Type: text that merely contains
    markup further down is not taken for a page."""
    return bool(_HTML_START.match(body[:SNIFF_BYTES].removeprefix(codecs.BOM_UTF8)))


def contains_html_page(body: bytes) -> bool:
    """True if the body is an HTML page by its first 2 KiB: it starts with an HTML doctype or
    `<html`, or has an `<html` or `<body` tag anywhere in them.

    The poller's test for a document that did not parse as a feed (an HTML page is 'not_a_feed',
    not 'malformed') and the precondition of `is_bot_challenge`. Fragments (`<div>`, `<p>`) do
    not count; junk before the page does not hide it."""
    head = body[:HTML_PAGE_SNIFF_BYTES].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


# -- bot challenges -----------------------------------------------------------------------------

#: Cloudflare's challenge-page markers (script paths, element ids, cookie prefix).
CLOUDFLARE_MARKERS: tuple[str, ...] = ("cf-browser-verification", "challenge-platform", "cf_chl_")
#: Captcha widgets and captcha services (reCAPTCHA, hCaptcha, DataDome, PerimeterX).
CAPTCHA_MARKERS: tuple[str, ...] = ("g-recaptcha", "h-captcha", "captcha-delivery", "px-captcha")
#: What interstitials say to the visitor.
CHALLENGE_PHRASES: tuple[str, ...] = ("checking your browser", "verify you are human")
#: Markers of the interstitial pages bot-protection services answer with a 200, in lower case,
#: looked for by both the poller and the fetcher. They name the protection mechanism (generic
#: across sites), not any particular site.
CHALLENGE_MARKERS: tuple[str, ...] = (*CLOUDFLARE_MARKERS, *CAPTCHA_MARKERS, *CHALLENGE_PHRASES)
#: Further markers only the poller's `is_bot_challenge` looks for (other protection services,
#: interstitial titles and wordings). The fetcher's walls do not look for them: adding them
#: would change which article pages it flags (see the module docstring).
FEED_CHALLENGE_MARKERS: tuple[str, ...] = (
    "cf-challenge",
    "just a moment...",
    "attention required!",
    "ddos-guard",
    "_incapsula_resource",
    "are you a robot",
    "verify you are a human",
    "enable javascript and cookies to continue",
    "hcaptcha",
)
_FEED_CHALLENGE = re.compile(
    b"|".join(re.escape(m.encode("ascii")) for m in (*CHALLENGE_MARKERS, *FEED_CHALLENGE_MARKERS)),
    re.IGNORECASE,
)


def is_bot_challenge(body: bytes) -> bool:
    """True if the body is an HTML bot-challenge / captcha interstitial rather than content: an
    HTML page (`contains_html_page`) with any challenge marker in its first 64 KiB.

    No word count: meant for bodies that should not be HTML at all (feeds). Article pages are
    judged by `newswire.normaliser.walls.detect_walls`, which also counts the visible words."""
    return contains_html_page(body) and _FEED_CHALLENGE.search(body[:CHALLENGE_SCAN_BYTES]) is not None
