"""Title rules of the titles pass (issue #25, titles on unseen pages), one test each on synthetic
pages: an <h1> after one that is not the headline must agree closely (a page that sets other
text in an <h1> sets its section headings in <h1>s too)."""

from __future__ import annotations

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page

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
