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
        "Kerry flies to Geneva",
        "We use cookies to improve your experience. Accept all cookies",
        STORY,
        "Sign up for our daily newsletter",
        "Share on Facebook",
        "Photo: Getty Images",
        "block",
        "Read more: Lavrov warns of consequences",
        "Officials said the last differences were about territory. " * 2,
        "All rights reserved.",
    )
    out = clean_lines(lines, "Kerry flies to Geneva")
    assert out == (STORY, "Officials said the last differences were about territory.")


def test_aggregator_header_gives_way_to_headline() -> None:
    header = "This article is from the source 'guardian' and was first published or seen on ."
    lines = clean_lines(
        (
            "You can find the current article at its original source at https://example.com/a",
            "The article has changed 6 times. There is an RSS feed of changes available.",
            "Version 0 Version 1",
            "Kerry flies to Geneva for talks Kerry flies to Geneva for talks",
            "(35 minutes later)",
            f"{STORY}{STORY}",
        ),
        header,
    )
    title, body = promote_headline(lines, header)
    assert title == "Kerry flies to Geneva for talks" and body == (STORY,)
    assert promote_headline((STORY,), "A fine headline") == ("A fine headline", (STORY,))
