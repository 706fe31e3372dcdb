"""Bot walls, consent walls and hard paywalls served with 200: pure functions over the HTML.

Only generic markers (phrases, schema.org's `isAccessibleForFree`, common class names of
challenge and captcha widgets): no lists of sites. A marker alone never flags a page: the page
must also carry little visible text, so an article that merely mentions "captcha", or carries a
cookie banner next to its story, passes. The bot-challenge markers the poller looks for too are
`newswire.net.sniff`'s; the others here are the normaliser's own (walls are told here only, by the
stage that reads the page anyway; until #19 the fetcher told them).

Hand-written regexes rather than an HTML parser: this runs on every page at hundreds of pages a
second, and the pre-checks are all substring searches; the text is measured only when a marker
is present.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from newswire.net.sniff import CAPTCHA_MARKERS, CHALLENGE_PHRASES, CLOUDFLARE_MARKERS

#: Visible words under which a page with challenge markers is a challenge, not an article.
CHALLENGE_MAX_WORDS = 300
#: Visible words under which a page asking for JavaScript is only a shell.
JS_SHELL_MAX_WORDS = 60
#: Visible words under which a page about cookies and consent is only a consent wall.
CONSENT_MAX_WORDS = 150
#: Words of article text under which a subscription prompt means a hard paywall.
PAYWALL_MAX_WORDS = 200
SCAN_BYTES = 512 * 1024

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_INVISIBLE_BLOCKS = re.compile(
    r"<(script|style|noscript|template|svg|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_ARTICLE = re.compile(r"<(article|main)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_NOT_FREE = re.compile(r"""["']?isAccessibleForFree["']?\s*[:=]\s*["']?false""", re.IGNORECASE)

CHALLENGE_TITLES = (
    "just a moment",
    "attention required",
    "access denied",
    "are you a robot",
    "are you human",
    "verify you are human",
    "human verification",
    "checking your browser",
    "security check",
    "ddos protection",
    "pardon our interruption",
    "one more step",
    "bot verification",
)
#: Challenge markers looked for in the page: those shared with the poller
#: (`newswire.net.sniff.CHALLENGE_MARKERS`) and the normaliser's own, in the order they are tried
#: (the first found names the reason).
CHALLENGE_MARKERS: tuple[str, ...] = (
    *CLOUDFLARE_MARKERS,
    "challenge-form",
    "challenge-running",
    *CAPTCHA_MARKERS,
    *CHALLENGE_PHRASES,
    "are not a robot",
    "unusual traffic",
    "automated requests",
)
JS_MARKERS = (
    "enable javascript",
    "javascript is disabled",
    "javascript is required",
    "requires javascript",
    "turn on javascript",
    "javascript must be enabled",
)
CONSENT_MARKERS = (
    "cookie",
    "consent",
    "accept all",
    "reject all",
    "manage options",
    "manage preferences",
    "our partners",
    "before you continue",
    "privacy choices",
)
PAYWALL_MARKERS = (
    "subscribe to continue",
    "subscribe to read",
    "subscribers only",
    "for subscribers",
    "subscriber-only",
    "already a subscriber",
    "to continue reading",
    "to read the full",
    "sign in to read",
    "log in to read",
    "premium content",
    'class="paywall',
    "class='paywall",
    'id="paywall',
)


@dataclass(frozen=True)
class WallVerdict:
    """What a page is besides (or instead of) an article."""

    bot_challenge: bool = False
    paywalled: bool = False
    reason: str | None = None


CLEAR = WallVerdict()


def visible_text(html: str) -> str:
    """The text a reader would see (scripts, styles, head and comments dropped)."""
    text = _COMMENTS.sub(" ", html)
    text = _INVISIBLE_BLOCKS.sub(" ", text)
    return html_lib.unescape(_TAGS.sub(" ", text))


#: Han, kana and Hangul characters: text in these scripts has no spaces between words, so each
#: character counts as a word (as in the ScrapingHub extraction benchmark's measure). Split on
#: whitespace alone, a Japanese article of 2,000 characters would be "51 words" and its page a
#: paywall as soon as it declared `isAccessibleForFree: false` for a members' box.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words of a text: whitespace-separated runs, plus one per CJK character."""
    return len(text.split()) + len(_CJK.findall(text))


def visible_words(html: str) -> int:
    """Words of `visible_text`."""
    return word_count(visible_text(html))


def article_words(html: str) -> int:
    """Words inside the page's <article> (or <main>) elements, else of the whole page."""
    parts = [m.group(2) for m in _ARTICLE.finditer(html)]
    return visible_words(" ".join(parts)) if parts else visible_words(html)


_PARAGRAPH_TEXT = re.compile(r"<p\b[^>]*>([^<]+)", re.IGNORECASE)


def has_words(html: str, n: int) -> bool:
    """Cheap lower bound: True if the text that opens the page's <p> elements alone has `n`
    words (then the page is no wall and the full count is not needed)."""
    seen = 0
    for match in _PARAGRAPH_TEXT.finditer(html):
        seen += word_count(match.group(1))
        if seen >= n:
            return True
    return False


def _title(html: str) -> str:
    match = _TITLE.search(html[:SCAN_BYTES])
    return html_lib.unescape(match.group(1)).strip().lower() if match else ""


def _first(haystack: str, needles: tuple[str, ...]) -> str | None:
    return next((n for n in needles if n in haystack), None)


def detect_walls(html: str) -> WallVerdict:
    """Whether a 200 page is a bot challenge (interstitial, captcha, JavaScript-only shell,
    consent wall) or a hard paywall, and why."""
    if has_words(html, max(CHALLENGE_MAX_WORDS, PAYWALL_MAX_WORDS)):
        return CLEAR  # paragraphs of real text: an article, whatever else the page carries
    lower = html[:SCAN_BYTES].lower()
    title = _title(html)
    title_marker = _first(title, CHALLENGE_TITLES)
    body_marker = _first(lower, CHALLENGE_MARKERS)
    js_marker = _first(lower, JS_MARKERS)
    consent = [m for m in CONSENT_MARKERS if m in lower]
    not_free = "isaccessibleforfree" in lower and _NOT_FREE.search(lower)
    paywall_marker = "isAccessibleForFree: false" if not_free else None
    paywall_marker = paywall_marker or _first(lower, PAYWALL_MARKERS)
    if not (title_marker or body_marker or js_marker or len(consent) >= 2 or paywall_marker):
        return CLEAR
    words = visible_words(html)
    if (title_marker or body_marker) and words < CHALLENGE_MAX_WORDS:
        marker = f"title {title!r}" if title_marker else repr(body_marker)
        return WallVerdict(bot_challenge=True, reason=f"challenge page: {marker}, {words} words")
    if js_marker and words < JS_SHELL_MAX_WORDS:
        return WallVerdict(
            bot_challenge=True, reason=f"JavaScript-only shell: {js_marker!r}, {words} words"
        )
    if paywall_marker:
        body_words = article_words(html)
        if body_words < PAYWALL_MAX_WORDS:
            return WallVerdict(
                paywalled=True, reason=f"paywall: {paywall_marker!r}, {body_words} article words"
            )
    if len(consent) >= 2 and words < CONSENT_MAX_WORDS:
        return WallVerdict(
            bot_challenge=True, reason=f"consent wall: {', '.join(consent[:3])}, {words} words"
        )
    return CLEAR
