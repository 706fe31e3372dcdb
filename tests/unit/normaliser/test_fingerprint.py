"""The article-region fingerprint: a re-check whose page changed only outside the article (a
timestamp, a most-read list, an ad slot, a script's token) is told unchanged without an
extraction; any change of the article's text, headline, byline or canonical URL is extracted."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime

import pytest

from newswire.contracts import FetchedPage, NormalisedArticle, RecheckResult
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import article_id
from newswire.normaliser.extract import decode_html
from newswire.normaliser import fastcheck
from newswire.normaliser.fastcheck import same_article
from newswire.normaliser.fingerprint import locate, region_fingerprint
from newswire.normaliser.logic import (
    NotExtractable,
    extract,
    extract_with_fingerprint,
    normalise_or_unchanged,
    unchanged_region,
    work_on_page,
)
from newswire.normaliser.walls import detect_walls
from tests.unit.normaliser.pages import eval_dataset, missing

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True, params=["lexbor", "lxml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test on both kinds of fingerprint the stage records: lexbor's (where lexbor's tree
    holds the region with lxml's text: most pages) and lxml's (where it does not, here forced)."""
    if request.param == "lxml":
        monkeypatch.setattr(fastcheck.lexbor, "parse", lambda html: None)
    return str(request.param)
URL = "https://news.example.org/world/2026/dec/05/harbour-reopens"
DIGEST = "d" * 32

BODY = [
    ("The harbour reopened on Friday after three weeks of repairs to the sea wall, the port "
     "authority said, with the first ferries due to sail on Saturday morning."),
    ("Engineers replaced more than two hundred metres of the wall, which was breached during the "
     "storm in November and flooded the quayside warehouses."),
    ("Fishing crews, who had moved their boats to a neighbouring port, said the closure had cost "
     "them most of the season's last catch."),
    ("The authority said a longer-term plan to raise the wall by half a metre would be put to the "
     "council in the new year, with work to start in the spring."),
    ("Residents have been invited to a public meeting next week to hear about the plans and the "
     "timetable for the remaining repairs along the promenade."),
]


def page(
    body: list[str] = BODY,
    *,
    title: str = "Harbour reopens after storm repairs",
    byline: str = "By Maria Lopes",
    clock: str = "09:41",
    most_read: tuple[str, ...] = ("Council votes on budget", "Schools close early", "Rail fares rise"),
    ad: str = "1234",
    token: str = "abc",
) -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body)
    reads = "".join(f'<li><a href="/r/{i}">{t}</a></li>' for i, t in enumerate(most_read))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Example Gazette</title>
<link rel="canonical" href="{URL}">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Example Gazette">
<meta name="csrf-token" content="{token}">
<script>window.pageToken = "{token}"; window.adSlot = {ad};</script>
</head><body>
<div class="top-bar"><span class="clock">Last updated {clock} GMT</span></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav></header>
<div class="ad-slot" data-slot="{ad}"><a href="/ads/{ad}">Advertisement {ad}</a></div>
<main><article class="story"><h1>{title}</h1>
<div class="byline">{byline}</div>
<div class="story-body">
{paragraphs}
</div>
</article>
<aside class="most-read"><h2>Most read</h2><ol>{reads}</ol></aside>
</main>
<footer><p>Copyright 2026 Example Gazette</p></footer>
</body></html>"""


def fingerprint_of(html: str) -> PageFingerprint:
    ex, fp = extract_with_fingerprint(html, URL, DIGEST)
    assert ex is not None and fp is not None
    return fp


def test_the_fingerprint_points_at_the_article_and_leaves_the_extraction_alone(parser: str) -> None:
    html = page()
    ex, fp = extract_with_fingerprint(html, URL, DIGEST)
    assert fp is not None and fp.region_parser == parser
    assert ex == extract(html, URL)
    assert fp is not None and fp.body_digest == DIGEST and fp.region and fp.region_digest
    from newswire.normaliser.extract import parse_html

    tree = parse_html(html)
    assert tree is not None
    region = locate(tree, fp.region)
    assert region is not None and region.tag in ("article", "div")
    assert "harbour reopened" in region.text_content() and "Most read" not in region.text_content()
    assert same_article(html, fp)


@pytest.mark.parametrize(
    "changes",
    [
        {"clock": "10:17"},
        {"most_read": ("Rail fares rise", "Storm warning for the coast", "Council votes on budget")},
        {"ad": "98765"},
        {"token": "zyx-987"},
        {"clock": "11:02", "most_read": ("Something else entirely",), "ad": "5", "token": "q"},
    ],
    ids=["timestamp", "most-read", "ad-slot", "script-token", "all-at-once"],
)
def test_changes_outside_the_article_are_unchanged(changes: dict[str, object]) -> None:
    fp = fingerprint_of(page())
    changed = page(**changes)  # type: ignore[arg-type]
    assert changed != page()
    assert same_article(changed, fp)


def one_word(body: list[str], index: int, old: str, new: str) -> list[str]:
    out = list(body)
    assert old in out[index]
    out[index] = out[index].replace(old, new, 1)
    return out


@pytest.mark.parametrize(
    "changes",
    [
        {"body": one_word(BODY, 0, "Friday", "Thursday")},
        {"body": one_word(BODY, 2, "last", "final")},
        {"body": one_word(BODY, 4, "next", "this")},
        {"body": [*BODY, "Correction: an earlier version of this article misstated the date."]},
        {"body": BODY[:-1]},
        {"body": [BODY[0], BODY[1] + " " + BODY[2], *BODY[3:]]},
        {"title": "Harbour reopens after long storm repairs"},
        {"byline": "By Maria Lopes and Tom Hale"},
    ],
    ids=["first-paragraph", "middle", "last-paragraph", "correction-added", "paragraph-removed",
         "paragraphs-joined", "headline", "byline"],
)
def test_any_change_of_the_article_is_extracted(changes: dict[str, object]) -> None:
    fp = fingerprint_of(page())
    changed = page(**changes)  # type: ignore[arg-type]
    assert not same_article(changed, fp)
    # and the change is real: the full extraction sees it
    before, after = extract(page(), URL), extract(changed, URL)
    assert before is not None and after is not None
    assert (before.title, before.paragraphs, before.authors) != (after.title, after.paragraphs, after.authors)


def test_a_canonical_change_is_extracted() -> None:
    fp = fingerprint_of(page())
    moved = page().replace(f'<link rel="canonical" href="{URL}">', f'<link rel="canonical" href="{URL}-v2">')
    assert not same_article(moved, fp)


def test_no_region_no_fingerprint_no_shortcut() -> None:
    fp = fingerprint_of(page())
    # the article's container gone (a redesign): not found, so extracted
    redesigned = re.sub(r'<article class="story">|</article>', "", page())
    redesigned = redesigned.replace('<div class="story-body">', '<section class="text">')
    assert not same_article(redesigned, fp)
    assert not same_article("", fp) and not same_article("<html></html>", fp)
    assert not same_article(page(), fp.model_copy(update={"region": ()}))
    assert not same_article(page(), fp.model_copy(update={"region": ("#nowhere",)}))
    assert not same_article(page(), fp.model_copy(update={"region": ("html:0", "nonsense")}))
    # a body the page does not hold as text gives no fingerprint at all
    from newswire.normaliser.extract import parse_html

    tree = parse_html(page())
    assert tree is not None
    assert region_fingerprint(tree, ["A line that is nowhere on the page at all."]) is None
    assert region_fingerprint(tree, []) is None


def test_a_line_with_a_bit_left_out_is_found_word_by_word() -> None:
    """An extractor may leave a bit out of the middle of a line (a footnote mark, a link's text):
    the line is found word by word, in order, within a short span, and the region still holds
    every word of it; a line whose words are far apart or out of order is not."""
    from newswire.normaliser.extract import parse_html
    from newswire.normaliser.body_region import body_regions

    html = (
        "<html><body><nav>Menu Home World Sport</nav><div class='story'>"
        "<p>The council voted<sup>[1]</sup> on Tuesday to close the old bridge.</p>"
        "<p>Traffic will move to the ring road from May.</p></div>"
        "<footer>Tuesday bridge close council voted</footer></body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    lines = ["The council voted on Tuesday to close the old bridge.", "Traffic will move to the ring road from May."]
    regions = body_regions(tree, lines)
    assert regions is not None and [r.get("class") for r in regions] == ["story"]
    # the words out of order (only found by jumping back and forth): no region
    assert body_regions(tree, ["bridge old the close to Tuesday on voted council The"]) is None
    # a single word is never found in pieces
    assert body_regions(tree, ["Tuesdays"]) is None


def fetched(html: str, fp: PageFingerprint | None, **update: object) -> FetchedPage:
    base = FetchedPage(
        article_id=article_id(URL), requested_url=URL, final_url=URL, reason="recheck", outcome="ok",
        status=200, headers={"content-type": "text/html", "etag": '"e2"'}, fetched_at=T0, html=html,
        charset="utf-8", content_type="text/html", byte_size=len(html), body_digest="e" * 32, fingerprint=fp,
    )
    return base.model_copy(update=update)


def test_the_stage_logic_reports_unchanged_or_extracts() -> None:
    fp = fingerprint_of(page())
    out = normalise_or_unchanged(fetched(page(clock="23:59", ad="7"), fp))
    assert isinstance(out, RecheckResult)
    assert out.unchanged == "same_region" and out.outcome == "ok" and out.article_id == article_id(URL)
    assert out.body_digest == "e" * 32 and out.etag == '"e2"' and out.fetched_at == T0

    edited = normalise_or_unchanged(fetched(page(one_word(BODY, 1, "two hundred", "three hundred")), fp))
    assert isinstance(edited, NormalisedArticle)
    assert edited.fingerprint is not None and edited.fingerprint.body_digest == "e" * 32
    assert edited.fingerprint.region_digest != fp.region_digest  # the next re-check compares with this

    # never short-cut: a new fetch, a wall, a redirect, no fingerprint
    for page_ in (
        fetched(page(), fp, reason="new"),
        fetched(page(), fp, bot_challenge=True),
        fetched(page(), fp, paywalled=True),
        fetched(page(), fp, final_url=URL + "-moved", redirect_chain=(URL,)),
        fetched(page(), None),
    ):
        assert unchanged_region(page_) is None
    with pytest.raises(NotExtractable):
        normalise_or_unchanged(fetched("<html><body></body></html>", fp))


def test_the_region_test_reads_no_walls_in_a_page_that_still_holds_the_article() -> None:
    """A subscription prompt beside a short article whose text is all there: the HTML heuristics
    would call the page a hard paywall, but its region is the article as extracted, so the
    re-check is unchanged; a page that lost the article's text is extracted (and its walls told)."""
    fp = fingerprint_of(page())
    prompt = page(most_read=("Subscribe to continue reading", "Already a subscriber? Sign in"))
    assert detect_walls(prompt).paywalled  # the heuristics alone
    out = normalise_or_unchanged(fetched(prompt, fp))
    assert isinstance(out, RecheckResult) and out.unchanged == "same_region"
    assert unchanged_region(fetched(prompt, fp)) == out
    walled = page(BODY[:1], most_read=("Subscribe to continue reading",))
    assert unchanged_region(fetched(walled, fp)) is None
    work = work_on_page(fetched(walled, fp))
    assert work.report is not None and work.report.paywalled


def test_real_dev_pages_with_a_sidebar_change_and_a_one_word_edit() -> None:
    """On real pages: a list appended at the end of the body is unchanged; one word replaced in
    the region's own text never is."""
    dataset = eval_dataset("extraction-dev")
    if dataset is None:
        missing("extraction-dev")
    checked = 0
    for path in sorted((dataset / "html").iterdir())[:40]:
        html = decode_html(gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes())
        url = json.loads((dataset / "ground-truth" / f"{path.name.split('.')[0]}.json").read_text("utf-8"))["url"]
        ex, fp = extract_with_fingerprint(html, url)
        if ex is None or fp is None or "</body>" not in html:
            continue
        end = html.rindex("</body>")
        sidebar = html[:end] + '<aside class="most-read"><ol><li>Another story</li></ol></aside>' + html[end:]
        assert same_article(sidebar, fp), path.name
        word = next((w for line in ex.paragraphs for w in re.findall(r"\b[a-z]{6,}\b", line) if html.count(w) == 1), None)
        if word is not None:
            assert not same_article(html.replace(word, word[::-1] + "x"), fp), path.name
            checked += 1
    assert checked >= 10


def test_a_page_without_a_region_keeps_its_body_digest() -> None:
    bare = "<html><body>" + "".join(f"<p>{p}</p>" for p in BODY) + "</body></html>"
    ex, fp = extract_with_fingerprint(bare, URL, DIGEST)
    assert ex is not None and fp is not None
    assert fp.body_digest == DIGEST and fp.region == () and fp.region_digest is None  # the body is the region
    assert unchanged_region(fetched(bare, fp)) is None  # so every re-check page is extracted
    assert extract_with_fingerprint(bare, URL)[1] is None


STANDFIRST = "Three weeks of repairs to the sea wall are over, and the first ferries sail on Saturday."


def split_page(*, standfirst: str = STANDFIRST, promo: str = "Get our morning briefing", clock: str = "09:41",
               extra_parts: int = 0) -> str:
    """A page whose body lines lie in two children of <body>: the standfirst in the page header,
    the text in <main> (plus `extra_parts` more children each holding a line of the body)."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in BODY[: len(BODY) - extra_parts])
    extras = "".join(f'<div class="part-{i}"><p>{p}</p></div>' for i, p in enumerate(BODY[len(BODY) - extra_parts:]))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour reopens | Example Gazette</title></head><body>
<div class="top-bar"><span class="clock">Last updated {clock} GMT</span></div>
<header class="hero"><h1>Harbour reopens</h1><p class="standfirst">{standfirst}</p></header>
<aside class="promo"><p>{promo}</p></aside>
<main><div class="story-body">{paragraphs}</div></main>{extras}
<footer><p>Copyright 2026 Example Gazette</p></footer>
</body></html>"""


def test_a_body_over_two_parts_of_the_page_has_two_regions() -> None:
    """The standfirst in the header and the text in <main> share only <body>: each part is a
    region; changes elsewhere (a clock, a promo between them) are unchanged, a change in either
    part is not."""
    from newswire.normaliser.extract import parse_html
    from newswire.normaliser.fingerprint import locate_regions
    from newswire.regions.inputs import REGION_BREAK

    html = split_page()
    lines = [STANDFIRST, *BODY]
    tree = parse_html(html)
    assert tree is not None
    fp = region_fingerprint(tree, lines, DIGEST)
    assert fp is not None and fp.region.count(REGION_BREAK) == 1
    regions = locate_regions(tree, fp.region)
    assert regions is not None and [r.get("class") for r in regions] == ["standfirst", "story-body"]
    assert same_article(html, fp)
    assert same_article(split_page(clock="10:17", promo="Another promotion entirely"), fp)
    assert not same_article(split_page(standfirst=STANDFIRST.replace("Three", "Four")), fp)
    assert not same_article(html.replace("first ferries due", "first ferries expected"), fp)
    # a locator not found among them: extracted
    assert not same_article(html.replace('class="standfirst"', 'class="intro"'), fp)


def test_a_body_over_more_than_three_parts_has_no_region() -> None:
    from newswire.normaliser.extract import parse_html

    for parts, expected in ((1, 3), (2, None)):  # the header, <main>, and 1 or 2 more parts
        html = split_page(extra_parts=parts)
        tree = parse_html(html)
        assert tree is not None
        fp = region_fingerprint(tree, [STANDFIRST, *BODY])
        if expected is None:
            assert fp is None
        else:
            assert fp is not None and len([s for s in fp.region if s == "+"]) + 1 == expected
            assert same_article(html, fp)


@pytest.mark.parametrize("parser", ["lxml"], indirect=True)
def test_one_region_keeps_the_digest_it_always_had() -> None:
    """Fingerprints the tracker holds from before several regions stay valid: a single region's
    digest is computed as it always was (its parts, then the verdict inputs)."""
    from newswire.normaliser.extract import parse_html
    from newswire.normaliser.fingerprint import _region_parts, _verdict_parts
    from newswire.regions.inputs import digest_parts

    fp = fingerprint_of(page())
    tree = parse_html(page())
    assert tree is not None
    region = locate(tree, fp.region)
    assert region is not None
    assert fp.region_digest == digest_parts([*_region_parts(region), "\x00", *_verdict_parts(tree)])
