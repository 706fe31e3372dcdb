"""Title rules of the titles pass (issue #25, titles on unseen pages), one test each on synthetic
pages: an <h1> after one that is not the headline must agree closely (a page that sets other
text in an <h1> sets its section headings in <h1>s too); and, when no visible heading is the
headline, a declared title with a segment that another declared title leaves out yields to
that one."""

from __future__ import annotations

from newswire.contracts.articles import Provenance
from newswire.normaliser.titles import declared_headline

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page

NAMES = ["Example Times", "example", "www.example.com"]


# -- <h1>s after one that is not the headline -------------------------------------------------------


def test_a_section_heading_in_an_h1_after_a_non_headline_h1_is_not_the_headline() -> None:
    html = _page(
        '<meta property="og:title" content="Notes on growing tomatoes in cold climates">',
        "<h1>Garden Diary</h1><h1>Seeds first</h1><h1>So many tomatoes!</h1>",
    )
    # "So many tomatoes!" shares one word with the declared title (token-set agreement 60): a
    # section heading, like the <h1>s before it
    assert _meta(html).title == "Notes on growing tomatoes in cold climates"


def test_the_headline_in_a_later_h1_is_still_taken_when_it_agrees_closely() -> None:
    html = _page(
        '<meta property="og:title" content="Notes on growing tomatoes in cold climates">',
        "<h1>Menu</h1><h1>Growing tomatoes in cold climates</h1>",
    )
    assert _meta(html).title == "Growing tomatoes in cold climates"


def test_a_first_h1_that_agrees_in_part_is_still_the_headline() -> None:
    html = _page(
        '<meta property="og:title" content="Notes on growing tomatoes in cold climates">',
        "<h1>So many tomatoes!</h1>",
    )
    assert _meta(html).title == "So many tomatoes!"  # no other <h1> before it: the rule is unchanged


# -- the declared headline ----------------------------------------------------------------------------


def test_a_segment_that_another_declared_title_leaves_out_is_not_the_headline() -> None:
    # "Water Desk" is not the site's name, so the site-name rule keeps it; the <title> says the
    # headline without it
    metas: list[tuple[Provenance, str]] = [
        ("meta", "Ten ways to save water at home | Water Desk"),
        ("html", "Ten ways to save water at home"),
    ]
    assert declared_headline(metas, NAMES, set()) == ("Ten ways to save water at home", "html")
    html = _page(
        '<meta property="og:title" content="Ten ways to save water at home | by Jane Roe | Water Desk">'
        "<title>Ten ways to save water at home | Example Times</title>",
        "<h2>Features</h2>",
    )
    assert _meta(html).title == "Ten ways to save water at home"


def test_a_declared_title_whose_segment_no_other_title_leaves_out_keeps_it() -> None:
    metas: list[tuple[Provenance, str]] = [("meta", "Zero waste - a beginner's guide"), ("html", "Zero waste - a beginner's guide | Example Times")]
    assert declared_headline(metas, NAMES, set())[0] == "Zero waste - a beginner's guide"
