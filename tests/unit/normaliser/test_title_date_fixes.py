"""The title and date fixes of the second issue #6 pass, one test each on synthetic pages: a
heading that is a fragment of the declared title, a label heading ending in a colon, a later
heading that agrees fully, damaged heading text; a date printed right before the headline, an
"originally published" statement anywhere, day-first and spelled-out declared dates."""

from __future__ import annotations

from newswire.normaliser.metadata import byline_date, parse_date, stated_publication_date
from newswire.normaliser.titles import _choose_title, damaged_heading

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page

LONG = "How we broke into Acme, Globex, Initech, Hooli and hundreds of companies through one supply-chain bug"


# -- titles ----------------------------------------------------------------------------------------


def test_a_heading_that_is_a_small_fragment_of_the_declared_title_is_not_the_headline() -> None:
    html = _page(
        f'<meta property="og:title" content="{LONG}"><title>{LONG} · Example</title>',
        "<h1>notes/writeup.md</h1><h1>Hooli</h1><h1>Initech</h1>",
    )
    found = _meta(html)
    assert found.title == LONG
    assert found.provenance["title"] == "meta"
    # a short heading that is a fair share of a short declared title is still the headline
    short = _page('<meta property="og:title" content="Affordable food: nutrition for families">',
                  "<h1>Affordable nutrition</h1>")
    assert _meta(short).title == "Affordable nutrition"


def test_a_heading_ending_in_a_colon_is_a_label_not_the_headline() -> None:
    html = _page(
        "<title>The Fold-and-Cut Problem (Jane Doe)</title>",
        "<h1>Jane Doe's Folding and Cutting:</h1><h1>The Fold-and-Cut Problem</h1>",
    )
    assert _meta(html).title == "The Fold-and-Cut Problem"


def test_a_later_heading_that_agrees_fully_replaces_one_that_agrees_in_part() -> None:
    declared = [("html", "The Fold-and-Cut Problem (Jane Doe)")]
    title, prov = _choose_title(["Folding Problems by Jane", "The Fold-and-Cut Problem"], declared, ["example"])
    assert (title, prov) == ("The Fold-and-Cut Problem", "html")
    # among headings that agree in part, the first is kept (later ones are section headings)
    declared = [("meta", "Where to Bike in Houston")]
    title, _ = _choose_title(["The Best Trails in Houston for Biking", "Next in Your Guide to Houston"], declared, [])
    assert title == "The Best Trails in Houston for Biking"


def test_damaged_heading_text_yields_to_the_declared_form() -> None:
    assert damaged_heading("What Is Event Planning? Beginner? Guide", "What Is Event Planning: Beginner's Guide")
    assert damaged_heading("The Best Notion AlternativesTop Tools", "Best Notion Alternatives: Top Tools in 2026")
    # a real question mark, or the same words, is not damage
    assert not damaged_heading("Need a Change? 7 Tips on How to Rent a Car", "Need a Change? 7 Tips on How to Rent a Car")
    assert not damaged_heading("Need a Change? 7 Tips", "Need a change: 7 tips to hit the road")
    html = _page(
        "<meta property=\"og:title\" content=\"What Is Event Planning: Beginner's Guide\">",
        "<h1>What Is Event Planning? Beginner? Guide</h1>",
    )
    assert _meta(html).title == "What Is Event Planning: Beginner's Guide"


# -- dates -----------------------------------------------------------------------------------------


def test_a_date_printed_right_before_the_headline_is_the_byline_date() -> None:
    text = "Home Nutrition March 1, 2024 Healthy Eating Tips At a glance most people need more fibre."
    assert byline_date(text, "Healthy Eating Tips") == "2024-03-01"
    # the publication rather than the update when both stand there; the update when alone
    both = "Health DECEMBER 22, 2022 Updated: JANUARY 02, 2026 Ten ways to sleep better Sleep is ..."
    assert byline_date(both, "Ten ways to sleep better") == "2022-12-22"
    alone = "Blog Last updated: Dec 12, 2025 Ten ways to sleep better Sleep is ..."
    assert byline_date(alone, "Ten ways to sleep better") == "2025-12-12"
    # a date far above the headline is something else's
    assert byline_date("March 1, 2024 " + "menu " * 20 + "Healthy Eating Tips and more", "Healthy Eating Tips") is None
    html = _page("<title>Healthy Eating Tips</title>", "<p>Nutrition</p><p>March 1, 2024</p><h1>Healthy Eating Tips</h1>")
    assert _meta(html).published_local == "2024-03-01"


def test_originally_published_anywhere_on_the_page_is_the_publication() -> None:
    text = "Tiny homes: pros and cons By Jo " + "word " * 900 + "This article was originally published on 26 Sep 2019."
    assert stated_publication_date(text, "Tiny homes: pros and cons") == "2019-09-26"
    assert stated_publication_date("Tiny homes " + "word " * 900 + "Published 26 Sep 2019", "Tiny homes") is None
    # it needs no headline to be found
    assert stated_publication_date("First published: March 3, 2021. Text.", None) == "2021-03-03"


def _day(raw: str) -> str | None:
    parsed = parse_date(raw)
    return parsed[1] if parsed is not None else None


def test_declared_dates_day_first_or_spelled_out_are_read() -> None:
    assert _day("13/11/2025 09:21:40") == "2025-11-13"
    assert _day("11/13/2025") == "2025-11-13"
    assert _day("05/06/2025") is None  # day or month first: ambiguous
    assert _day("March 11, 2026") == "2026-03-11"
    assert _day("not a date") is None
