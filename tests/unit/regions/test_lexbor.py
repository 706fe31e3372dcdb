"""The region test on lexbor's tree, as the fetcher and the normaliser run it: the same article
region and verdict inputs are recognised around other page furniture; any change to either, or a
region not found, is not."""

from __future__ import annotations

from newswire.contracts.fetch import PageFingerprint
from newswire.regions.inputs import REGION_BREAK, bounded
from newswire.regions.lexbor import MAX_TAGS, parse, region_digest, same_region

STORY = (
    "<p>The council voted on Tuesday to close the ferry terminal for repairs.</p>"
    "<p>Work starts in March and will take eight weeks, officials said.</p>"
)


def page(
    story: str = STORY, *, title: str = "Ferry terminal to close", clock: str = "10:15",
    promo: str = "Most read: a cat", byline: str = "Jane Doe", script: str = "",
) -> str:
    return (
        f"<html><head><title>{title}</title>"
        f'<meta property="og:title" content="{title}"><meta name="viewport" content="w{clock}">'
        f'</head><body><header><span class="clock">{clock}</span></header>'
        f'<article><h1>{title}</h1><p class="byline">By {byline}</p>'
        f'<div id="story">{script}{story}</div></article>'
        f'<aside class="promo">{promo}</aside></body></html>'
    )


STEPS = ("#story",)


def fingerprint(html: str, steps: tuple[str, ...] = STEPS) -> PageFingerprint:
    digest = region_digest(html, steps)
    assert digest is not None
    return PageFingerprint(region=steps, region_digest=digest, region_parser="lexbor")


def test_the_same_region_around_other_furniture_is_the_same_article() -> None:
    fp = fingerprint(page())
    assert same_region(page(), fp)
    assert same_region(page(clock="11:42", promo="Most read: a dog"), fp)
    # a script inside the region (an ad loader's token) is not text
    assert same_region(page(script="<script>var slot = 'x81';</script>"), fp)


def test_a_change_to_the_text_or_a_verdict_input_is_not() -> None:
    fp = fingerprint(page())
    assert not same_region(page(STORY.replace("eight", "nine")), fp)
    assert not same_region(page(STORY.replace("</p><p>", " ")), fp)  # two paragraphs merged
    assert not same_region(page(title="Ferry terminal to shut"), fp)  # the headline
    assert not same_region(page(byline="John Roe"), fp)  # the byline
    ld = '<script type="application/ld+json">{"headline": "x"}</script>'
    assert not same_region(page(script=ld), fp)  # JSON-LD counts wherever it is


def test_a_region_not_found_or_ambiguous_is_not() -> None:
    fp = fingerprint(page())
    assert not same_region(page().replace('id="story"', 'id="body"'), fp)
    assert not same_region(page().replace("<aside", '<aside id="story"'), fp)  # the id no longer unique
    assert region_digest(page(), ("#nothing",)) is None
    assert region_digest("", STEPS) is None


def test_steps_from_the_root_and_several_regions() -> None:
    steps = ("body:0", "article:0", "h1:0", REGION_BREAK, "#story")  # from the root element, <html>
    fp = fingerprint(page(), steps)
    assert same_region(page(clock="12:00"), fp)
    assert not same_region(page().replace("<header>", "<nav></nav><header>").replace("<article>", "<div><article>"), fp)
    assert region_digest(page(), ("body:0", "article:1")) is None


def test_a_fingerprint_of_another_parser_or_without_a_region_is_not_this_tests() -> None:
    digest = region_digest(page(), STEPS)
    assert not same_region(page(), PageFingerprint(region=STEPS, region_digest=digest))  # lxml's
    assert not same_region(page(), PageFingerprint(region=(), region_digest=digest, region_parser="lexbor"))
    assert not same_region(page(), PageFingerprint(region=STEPS, region_parser="lexbor"))


def test_the_page_is_bounded_as_for_extraction() -> None:
    assert bounded("a\x00b") == "ab"
    huge = page() + "<p>" + "x" * 3_100_000
    assert len(bounded(huge)) == 3_000_000
    assert same_region(huge, fingerprint(page()))


def test_a_deep_nest_is_read_in_linear_time_or_not_parsed() -> None:
    """lexbor has no nesting limit: bylines nested thousands deep inside a comment are each told
    "inside a comment" once (the walk up used to be quadratic: 10,000 took 14 s), and a page with
    more tags than `MAX_TAGS` (nested `<div>`s parse in quadratic time) is not parsed at all."""
    nest = 5_000
    comments = '<div class="comments">' + '<div class="author">Reader' * nest + "</div>" * (nest + 1)
    fp = fingerprint(page(promo=comments))
    assert same_region(page(promo=comments), fp)  # ~0.03 s (quadratic, it took ~3 s)
    # the commenters' bylines are not the article's: another comment thread is the same article
    assert same_region(page(promo=comments.replace("Reader", "Another reader")), fp)
    assert not same_region(page(byline="John Roe", promo=comments), fp)
    divs = "<div>" * (MAX_TAGS + 1)
    assert parse(page(promo=divs)) is None
    assert region_digest(page(promo=divs), STEPS) is None
    assert not same_region(page(promo=divs), fingerprint(page()))
