"""Normalisation of real-looking pages: boilerplate out, metadata in, stable content hashes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswire.contracts import FeedItemHint, FetchedPage
from newswire.contracts.ids import article_id
from newswire.normaliser.logic import (
    Extraction,
    build_article,
    choose_canonical,
    content_hash,
    extract,
    fold_text,
    parse_date,
    strip_site_suffix,
)

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
FINAL = "https://www.example.com/world/2016/sep/08/kerry-geneva?utm_source=rss&utm_medium=feed"
CANONICAL = "https://www.example.com/world/2016/sep/08/kerry-geneva"

BODY = [
    "The US secretary of state, John Kerry, has flown to Geneva for talks with his Russian "
    "counterpart, Sergey Lavrov, on a possible ceasefire in Syria.",
    "The meeting follows weeks of negotiations between the two governments over the details of a "
    "plan to halt the fighting and deliver aid to besieged areas of the country.",
    "Officials said the last differences to be resolved included the delineation of territory "
    "held by different opposition groups in the north, which both sides call \u201ccrucial\u201d.",
]


def page_html(
    paragraphs: list[str] = BODY,
    *,
    title: str = "Kerry flies to Geneva for Syria talks",
    canonical: str | None = CANONICAL + "?utm_source=twitter&utm_campaign=share",
) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | The Daily Example</title>
{link}
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="Jane Doe; John Roe">
<meta property="article:published_time" content="2016-09-08T10:00:00+01:00">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience on our
site. By continuing you accept our use of cookies.</p><button>Accept all cookies</button></div>
<main><article><h1>{title}</h1>
<div class="byline">By Jane Doe and John Roe</div>
{body}
</article>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/world/a">Ceasefire in doubt as fighting resumes in Aleppo</a></li>
<li><a href="/world/b">Lavrov warns of consequences if talks fail</a></li></ul></aside>
</main>
<footer><p>&copy; 2016 The Daily Example. All rights reserved.</p>
<ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms</a></li></ul></footer>
</body></html>"""


def page(html: str, *, final_url: str = FINAL, item: FeedItemHint | None = None) -> FetchedPage:
    return FetchedPage(
        article_id=article_id(final_url), requested_url=final_url, final_url=final_url, reason="new",
        outcome="ok", status=200, headers={"etag": '"abc"'}, fetched_at=T0, html=html,
        item=item,
    )


def normalise(html: str, **kw: object) -> object:
    p = page(html, **kw)  # type: ignore[arg-type]
    ex = extract(html, str(p.final_url))
    assert ex is not None
    return build_article(p, ex, min_words=50)


def test_extracts_clean_body_and_metadata() -> None:
    html = page_html()
    p = page(html)
    ex = extract(html, str(p.final_url))
    assert ex is not None
    a = build_article(p, ex, min_words=50)
    assert list(a.paragraphs) == BODY
    assert a.text == "\n\n".join(BODY)
    for boilerplate in ("cookies", "Related stories", "Aleppo", "Privacy", "All rights reserved", "Sport"):
        assert boilerplate not in a.text
    assert a.title == "Kerry flies to Geneva for Syria talks"
    assert str(a.canonical_url) == CANONICAL
    assert a.article_id == article_id(CANONICAL)
    assert str(a.url) == FINAL
    assert a.host == "www.example.com" and a.outlet == "The Daily Example"
    assert a.authors == ("Jane Doe", "John Roe")
    assert a.published == datetime(2016, 9, 8, 9, 0, tzinfo=UTC)
    assert a.language == "en"
    assert a.word_count == sum(len(p.split()) for p in BODY)
    assert not a.flags.too_short
    assert a.etag == '"abc"' and a.http_status == 200
    assert a.provenance == {
        "canonical_url": "html", "title": "html", "authors": "meta", "published": "meta", "outlet": "meta",
        "language": "heuristic",
    }


def test_canonical_falls_back_to_final_url_without_tracking() -> None:
    for bad in (None, "/relative/path", "javascript:alert(1)", "https://www.example.com/"):
        a = normalise(page_html(canonical=bad))
        assert str(a.canonical_url) == CANONICAL, bad  # type: ignore[attr-defined]
        assert a.provenance["canonical_url"] in ("url", "extractor")  # type: ignore[attr-defined]
    assert choose_canonical(None, FINAL) == (CANONICAL, False)
    assert choose_canonical("https://ex ample.com/x", FINAL) == (CANONICAL, False)
    assert choose_canonical("http://127.0.0.1:8080/a/b", FINAL) == ("http://127.0.0.1:8080/a/b", True)
    # a port that is not a number in 0-65535 (the contract's URL type refuses it): the final URL
    for bad_port in ("https://news.examp:le.org/a/b", "https://news.example.org:99999/a/b"):
        assert choose_canonical(bad_port, FINAL) == (CANONICAL, False), bad_port
        assert str(normalise(page_html(canonical=bad_port)).canonical_url) == CANONICAL  # type: ignore[attr-defined]


def test_too_short_and_feed_fallbacks() -> None:
    short = ["Kerry lands in Geneva for talks with Lavrov on a Syria ceasefire plan."]
    item = FeedItemHint(title="Feed title", authors=("Feed Author",), published=T0)
    html = page_html(short).replace('<meta name="author" content="Jane Doe; John Roe">', "")
    p = page(html, item=item)
    ex = extract(html, str(p.final_url))
    assert ex is not None
    ex = Extraction(**{**ex.__dict__, "authors": (), "date": None})
    a = build_article(p, ex, min_words=50)
    assert a.flags.too_short and 13 <= a.word_count < 50
    assert a.paragraphs[-1].endswith(short[0]) and not a.text.startswith("Kerry flies")
    assert a.authors == ("Feed Author",) and a.provenance["authors"] == "feed"
    assert a.published == T0 and a.provenance["published"] == "feed"


def test_content_hash_ignores_form_but_not_edits() -> None:
    base = content_hash("Kerry’s talks", BODY)
    assert len(base) == 32
    reformatted = [
        "  " + BODY[0].replace(" ", "  ") + "\n",
        BODY[1].replace("the", "the\u00a0", 1).replace("the\u00a0 ", "the "),
        BODY[2].replace("\u201c", '"').replace("\u201d", '"'),
    ]
    assert content_hash("Kerry's  talks", reformatted) == base
    assert content_hash("Kerry\u2019s talks\u200b", [*BODY, "   "]) == base
    assert content_hash("Kerry’s talks", [BODY[0], BODY[1].replace("weeks", "months"), BODY[2]]) != base
    assert content_hash("Kerry’s new talks", BODY) != base
    assert content_hash("Kerry’s talks", BODY[:2]) != base
    # end to end: a re-rendered page with the same words hashes the same
    a = normalise(page_html())
    b = normalise(page_html([p.replace("\u201c", "&quot;").replace("\u201d", "&quot;") for p in BODY]))
    assert a.content_hash == b.content_hash  # type: ignore[attr-defined]


def test_pieces() -> None:
    assert strip_site_suffix("Headline here | The Daily Example", "The Daily Example") == "Headline here"
    assert strip_site_suffix("Headline here - the daily example", "The Daily Example") == "Headline here"
    assert strip_site_suffix("The Daily Example | Headline here", "The Daily Example") == "Headline here"
    assert strip_site_suffix("Pros - and cons", "The Daily Example") == "Pros - and cons"
    assert strip_site_suffix("Headline | Other", None) == "Headline | Other"
    assert fold_text(" a\u00a0 b\t“c” ‘d’ ") == "a b \"c\" 'd'"
    assert parse_date("2016-09-08") == datetime(2016, 9, 8, tzinfo=UTC)
    assert parse_date("2016-09-08T12:00:00-0400") == datetime(2016, 9, 8, 16, tzinfo=UTC)
    assert parse_date("not a date") is None and parse_date(None) is None


@pytest.mark.parametrize("html", ["", "   ", "<html><body></body></html>", "<html><head><title>x</title></head><body><div></div></body></html>"])
def test_no_text_is_none(html: str) -> None:
    assert extract(html, FINAL) is None
