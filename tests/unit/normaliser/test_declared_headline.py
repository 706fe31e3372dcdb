"""Title rules of the titles pass (issue #25, titles on unseen pages), one test each on synthetic
pages: an <h1> after one that is not the headline must agree closely (a page that sets other
text in an <h1> sets its section headings in <h1>s too); and, when no visible heading is the
headline, the declared one is the JSON-LD headline before og:title, one cut at a length cap
yields to the declared title it begins, one with a segment that another declared title leaves
out yields to that one, and what follows a pipe goes as from a visible headline."""

from __future__ import annotations

import json

from newswire.contracts.articles import Provenance
from newswire.normaliser.titles import cut_short, declared_headline

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page

NAMES = ["Example Times", "example", "www.example.com"]

def _ld(headline: str) -> str:
    data = {"@context": "https://schema.org", "@type": "Article", "headline": headline}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


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


def test_the_json_ld_headline_comes_before_og_title_when_no_heading_is_the_headline() -> None:
    html = _page(
        '<meta property="og:title" content="You will not believe what this town did with its bins">'
        + _ld("Town council replaces street bins with sorting stations"),
        "<h2>Local news</h2>",
    )
    found = _meta(html)
    assert found.title == "Town council replaces street bins with sorting stations"
    assert found.provenance["title"] == "json-ld"


def test_og_title_stays_first_without_a_json_ld_headline() -> None:
    html = _page(
        '<meta property="og:title" content="Town council replaces street bins">'
        '<meta name="twitter:title" content="Bins are gone">',
        "<h2>Local news</h2>",
    )
    assert _meta(html).title == "Town council replaces street bins"


def test_cut_short_reads_an_ellipsis_or_an_open_bracket() -> None:
    assert cut_short("Ten ways to save water at home (and one that")
    assert cut_short("Ten ways to save water at home and in the garden...")
    assert cut_short("Ten ways to save water at home \u2026")
    assert not cut_short("Ten ways to save water at home (and in the garden)")
    assert not cut_short("Ten ways to save water at home")


def test_a_declared_title_cut_at_a_length_cap_yields_to_the_one_it_begins() -> None:
    metas: list[tuple[Provenance, str]] = [
        ("meta", "Ten ways to save water at home (and one that saves the most)"),
        ("json-ld", "Ten ways to save water at home (and one"),
    ]
    assert declared_headline(metas, NAMES, set()) == ("Ten ways to save water at home (and one that saves the most)", "meta")


def test_a_longer_declared_title_does_not_replace_a_complete_one() -> None:
    metas: list[tuple[Provenance, str]] = [("meta", "Easy sourdough bread recipe"), ("json-ld", "Easy sourdough bread")]
    assert declared_headline(metas, NAMES, set()) == ("Easy sourdough bread", "json-ld")


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


def test_what_follows_a_pipe_in_the_declared_headline_goes() -> None:
    # an organisation's unit, a tagline: not the site's name, so the site-name rule keeps it
    metas: list[tuple[Provenance, str]] = [("meta", "Ten ways to save water at home | Facilities Office")]
    assert declared_headline(metas, NAMES, set()) == ("Ten ways to save water at home", "meta")
    html = _page("<title>Ten ways to save water at home | Tips, Tools & Costs | Example Times</title>", "<h2>Guides</h2>")
    assert _meta(html).title == "Ten ways to save water at home"


def test_a_pipe_after_fewer_than_three_words_is_kept() -> None:
    metas: list[tuple[Provenance, str]] = [("meta", "Water bills | How to pay less")]
    assert declared_headline(metas, NAMES, set())[0] == "Water bills | How to pay less"
