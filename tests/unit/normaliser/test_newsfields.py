"""Datelines and wire credits lifted into fields; boilerplate removed by form."""

from __future__ import annotations

import pytest

from newswire.normaliser.cleanup import clean_lines, promote_headline
from newswire.normaliser.newsfields import lift_news_fields

STORY = "The United States and Russia said on Friday they had resolved a number of issues."


@pytest.mark.parametrize(
    ("first", "place", "date_text", "wire"),
    [
        (f"GENEVA: {STORY}", "GENEVA", None, None),
        (f"Geneva [Switzerland], Aug. 27 : {STORY}", "Geneva [Switzerland]", "Aug. 27", None),
        (f"WASHINGTON, Sept 9 (Reuters) - {STORY}", "WASHINGTON", "Sept 9", "Reuters"),
        (f"LONDON (AP) — {STORY}", "LONDON", None, "AP"),
        (f"NEW DELHI, 27 August 2016 -- {STORY}", "NEW DELHI", "27 August 2016", None),
        (f"Reuters, Washington : {STORY}", "Washington", None, "Reuters"),
    ],
)
def test_dateline_lifted(first: str, place: str, date_text: str | None, wire: str | None) -> None:
    lifted = lift_news_fields((first, "Second paragraph of the story goes here."))
    assert lifted.place == place and lifted.date_text == date_text and lifted.wire == wire
    assert lifted.lines[0] == STORY and lifted.raw is not None and first.startswith(lifted.raw)


def test_dateline_alone_on_its_line() -> None:
    lifted = lift_news_fields(("Reuters, Washington :", STORY))
    assert lifted.place == "Washington" and lifted.wire == "Reuters" and lifted.lines == (STORY,)


@pytest.mark.parametrize(
    "first",
    [
        STORY,
        "However: the talks went on for another ten hours in the city.",
        "BREAKING: The talks went on for another ten hours in the city.",
        "Update - the talks went on for another ten hours in the city.",
        "US and Russia: what the deal means for Syria and its neighbours",
        "GENEVA: no.",
    ],
)
def test_not_a_dateline(first: str) -> None:
    lifted = lift_news_fields((first, "More text."))
    assert lifted.raw is None and lifted.lines[0] == first


@pytest.mark.parametrize(
    ("last", "wire"),
    [("Source: ANI", "ANI"), ("(Reuters)", "Reuters"), ("AP", "AP"), ("— AFP", "AFP"), ("With inputs from PTI", "PTI")],
)
def test_closing_credit_lifted(last: str, wire: str) -> None:
    lifted = lift_news_fields((STORY, last))
    assert lifted.wire == wire and lifted.lines == (STORY,)


def test_credit_at_end_of_paragraph() -> None:
    lifted = lift_news_fields((STORY, "He declined to comment further. (Reuters)"))
    assert lifted.wire == "Reuters" and lifted.lines[-1] == "He declined to comment further."


def test_boilerplate_lines_removed() -> None:
    lines = (
        "block",
        "Kerry flies to Geneva",
        "We use cookies to improve your experience. Accept all cookies",
        STORY,
        "Sign up for our daily newsletter",
        "Share on Facebook",
        "Photo: Getty Images",
        "PUBLISHED",
        "3 January, 2025",
        "Read more: Lavrov warns of consequences",
        "Officials said the last differences were about territory. " * 2,
        "All rights reserved.",
        "block",
    )
    out = clean_lines(lines, "Kerry flies to Geneva")
    assert out == (STORY, "Officials said the last differences were about territory.")


def test_a_lone_lowercase_word_goes_only_at_the_ends() -> None:
    """A one-word lowercase line inside the body is text (a list's labels, a line of code); at
    the body's ends, before the first sentence or after the last, it is a widget's residue."""
    lines = ("widget", STORY, "Shopping list:", "eggs", "dairy", "He declined to comment.", "block", "footer")
    assert clean_lines(lines, None) == (STORY, "Shopping list:", "eggs", "dairy", "He declined to comment.")
    # residue before a dateline would hide it from the dateline rule
    lifted = lift_news_fields(clean_lines(("block", "Reuters, Washington :", STORY), None))
    assert lifted.place == "Washington" and lifted.wire == "Reuters" and lifted.lines == (STORY,)


def test_text_written_twice_on_a_line_is_kept_once() -> None:
    """Extractors glue the two copies of a text a page renders twice (a teaser's headline for two
    layouts); a table row's cells repeat by design and stay."""
    twice = "Mike Johnson’s Art of the Deal Mike Johnson’s Art of the Deal"
    row = "| Language | Base, GB/s | | Language | Base, GB/s |"
    assert clean_lines((STORY, twice, row), None) == (STORY, "Mike Johnson’s Art of the Deal", row)
    assert clean_lines((f"{STORY}{STORY}",), None) == (STORY,)


def test_no_rule_for_a_revision_trackers_template() -> None:
    """A revision tracker's header is one site's template, not a news convention: its lines are
    not boilerplate by form (the tracker's page is not a news page)."""
    header = "This article is from the source 'guardian' and was first published or seen on ."
    lines = ("The article has changed 6 times. There is an RSS feed of changes available.", STORY)
    assert clean_lines(lines, header) == lines


def test_headline_promoted_only_without_a_real_title() -> None:
    headline, lines = "Kerry flies to Geneva for talks", (STORY,)
    assert promote_headline((headline, *lines), None) == (headline, lines)
    assert promote_headline((headline, *lines), "Skip to content") == (headline, lines)
    assert promote_headline((headline, *lines), "Advertisement") == (headline, lines)
    assert promote_headline(lines, "A fine headline") == ("A fine headline", lines)
    # a caption credit's form does not make a headline boilerplate
    title = "Docker Hardened Images: Security Independently Validated by SRLabs"
    assert promote_headline((headline, *lines), title) == (title, (headline, *lines))
    # nothing that looks like a headline: no title rather than a sentence as one
    assert promote_headline(lines, "Skip to content") == (None, lines)
