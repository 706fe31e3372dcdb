"""Bot walls, consent walls and hard paywalls served with 200, told from articles."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from newswire.contracts import FetchedPage, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id
from newswire.farm.misbehaviours import paywalled, wall_page
from newswire.normaliser.logic import NotExtractable, normalise_page, page_walls, work_on_page
from newswire.normaliser.settings import NormaliserSettings
from newswire.normaliser.walls import detect_walls, visible_words

# The evaluation set lives next to the repository (see ../shared/eval/README.md).
EVAL_HTML = Path(__file__).resolve().parents[3].parent / "shared" / "eval" / "extraction-dev" / "html"
STORY = " ".join(f"Sentence {i} of a real report about the harbour council vote." for i in range(60))
COOKIE_BANNER = (
    '<div id="cookie-consent"><p>We use cookies to improve your experience. Accept all or '
    "manage preferences.</p><button>Accept all</button></div>"
)


def article(body: str, head: str = "", extra: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>Harbour vote | Daily</title>{head}</head><body>"
        f"{COOKIE_BANNER}<article><h1>Harbour vote</h1>{body}</article>{extra}</body></html>"
    )


@pytest.mark.parametrize("kind", ["bot_challenge", "js_shell", "consent_wall"])
def test_walls_are_flagged_as_bot_challenges(kind: str) -> None:
    verdict = detect_walls(wall_page(kind))
    assert verdict.bot_challenge and not verdict.paywalled and verdict.reason


def test_captcha_and_interstitial_markers() -> None:
    captcha = '<html><head><title>Security check</title></head><body><div class="g-recaptcha"></div></body></html>'
    assert detect_walls(captcha).bot_challenge
    unusual = "<html><body><p>Our systems have detected unusual traffic from your network.</p></body></html>"
    assert detect_walls(unusual).bot_challenge


def test_articles_are_not_flagged() -> None:
    paragraphs = "".join(f"<p>{STORY[i:i + 400]}</p>" for i in range(0, len(STORY), 400))
    assert detect_walls(article(paragraphs)) == detect_walls("")
    # an article about captchas, with a cookie banner and a noscript notice, is still an article
    noisy = article(
        paragraphs + "<p>Users must verify you are human captchas, the g-recaptcha widget.</p>",
        extra="<noscript>Please enable JavaScript for comments.</noscript>",
    )
    verdict = detect_walls(noisy)
    assert not verdict.bot_challenge and not verdict.paywalled
    # a soft (metered) paywall with the whole text present is not a hard paywall
    metered = article(paragraphs, head='<script type="application/ld+json">{"isAccessibleForFree": false}</script>')
    assert not detect_walls(metered).paywalled


def test_hard_paywalls() -> None:
    teaser = "<p>The harbour council voted on Tuesday to close the old pier.</p>"
    prompt = '<div class="paywall"><h2>Subscribe to continue reading</h2><p>Already a subscriber? Log in.</p></div>'
    verdict = detect_walls(article(teaser + prompt))
    assert verdict.paywalled and not verdict.bot_challenge and "paywall" in (verdict.reason or "")
    schema = '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": "False"}</script>'
    assert detect_walls(article(teaser, head=schema)).paywalled
    # the farm's paywalled page: first paragraph kept, the rest behind the prompt
    page = article("".join(f"<p>{STORY[i:i + 400]}</p>" for i in range(0, len(STORY), 400)))
    page = page.replace("<title>", '<script type="application/ld+json">{"@type": "NewsArticle"}</script><title>')
    assert detect_walls(paywalled(page.encode()).decode()).paywalled


def test_visible_words_ignore_scripts_and_styles() -> None:
    html = "<html><head><title>T</title><style>p{}</style></head><body><script>var a = 1 2 3;</script><p>one two</p><!-- three --></body></html>"
    assert visible_words(html) == 2


@pytest.mark.skipif(not EVAL_HTML.is_dir(), reason="extraction-dev pages not present")
def test_no_false_positives_on_real_article_pages() -> None:
    files = sorted(EVAL_HTML.iterdir())[::7]
    flagged = []
    for f in files:
        html = gzip.decompress(f.read_bytes()).decode("utf-8", "replace")
        verdict = detect_walls(html)
        if verdict.bot_challenge or verdict.paywalled:
            flagged.append((f.name, verdict.reason))
    assert len(files) > 50 and not flagged, flagged


# -- told by the normaliser's stage (until #19 the fetcher told walls) ----------------------------


def _fetched(html: str, reason: str = "new", **update: object) -> FetchedPage:
    url = "http://news.example.com/story/a"
    return FetchedPage.model_validate({
        "article_id": article_id(url), "requested_url": url, "final_url": url, "reason": reason,
        "outcome": "ok", "status": 200, "fetched_at": utcnow(), "html": html, **update,
    })


CHALLENGE = "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"


def test_the_article_carries_the_normaliser_s_walls() -> None:
    work = work_on_page(_fetched(CHALLENGE))
    assert isinstance(work.out, NormalisedArticle) and work.out.flags.bot_challenge
    assert work.report is None  # not a re-check: nothing for the tracker but the article
    teaser = "<p>The harbour council voted on Tuesday.</p><div class=\"paywall\">Subscribe to continue reading</div>"
    assert page_walls(_fetched(article(teaser))).paywalled
    # a page from an earlier release's fetcher keeps its verdict
    old = _fetched("<html><body><p>x</p></body></html>", paywalled=True, wall_reason="paywall: marker")
    assert page_walls(old).paywalled and page_walls(old).reason == "paywall: marker"


def test_a_recheck_is_reported_with_its_walls_and_final_url() -> None:
    walled = work_on_page(_fetched(CHALLENGE, "recheck", body_digest="4" * 32))
    assert walled.report is not None and walled.report.bot_challenge and not walled.report.paywalled
    assert walled.report.outcome == "ok" and walled.report.unchanged is None and walled.report.body_digest == "4" * 32
    home = "http://news.example.com/"
    empty = work_on_page(_fetched("<html><body></body></html>", "recheck", final_url=home))
    assert empty.out is None and empty.failure == "no article text"
    assert empty.report is not None and str(empty.report.final_url) == home and not empty.report.bot_challenge
    with pytest.raises(NotExtractable):
        normalise_page(_fetched("<html><body></body></html>"), NormaliserSettings())


def test_text_without_spaces_counts_each_character() -> None:
    """A Japanese article is words, not one 'word' per line: a declared members' box
    (`isAccessibleForFree: false`) over a full article in Japanese is no paywall; over a teaser
    of a few characters it is."""
    schema = '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>'
    sentence = "市議会は火曜日、古い桟橋を閉鎖することを決めた。"
    full = article("".join(f"<p>{sentence * 3}</p>" for _ in range(10)), head=schema)
    assert not detect_walls(full).paywalled and visible_words(full) > 600
    teaser = article(f"<p>{sentence}</p><div class=\"paywall\">続きは会員登録で</div>", head=schema)
    assert detect_walls(teaser).paywalled
