"""Body pass 3 (issue #25): news furniture by convention in more forms: "most read" headings in
other languages end the article, a byline's meta line of stamps, copyright notices, an agency
named as the source on its own line."""

from __future__ import annotations

import pytest

from newswire.normaliser.cleanup import clean_lines, is_boilerplate
from newswire.normaliser.newsfields import lift_news_fields

STORY = tuple(
    f"Sentence {i} of the story tells the council's decision on the new tram line in detail." for i in range(6)
)
TEASERS = (
    "Stadtrat stimmt für neue Straßenbahnlinie",
    "Die Linie soll 2028 fahren, sagt der Bürgermeister.",
    "Baustelle am Hauptbahnhof dauert länger",
    "Pendler müssen sich auf Umwege einstellen.",
)


@pytest.mark.parametrize(
    "heading",
    ["Meistgelesen", "Weiterführende Links", "Les plus lus", "Lo más leído", "I più letti", "Meest gelezen",
     "Mest lest", "Najczęściej czytane"],
)
def test_a_most_read_block_after_the_story_is_cut_in_other_languages(heading: str) -> None:
    assert clean_lines(STORY + (heading,) + TEASERS, None, "de") == STORY


def test_an_inline_box_heading_does_not_end_the_story() -> None:
    # "Mehr zum Thema" heads a box inside the story, after which the article resumes: the heading
    # alone goes (read-more furniture), the prose after it stays
    lines = STORY[:3] + ("Mehr zum Thema",) + STORY[3:]
    assert clean_lines(lines, None, "de") == STORY


@pytest.mark.parametrize(
    "line",
    [
        "Published Aug 28, 2024 • Last updated 1 hour ago • 4 minute read",
        "Jun 08, 2023 • 11 Minute Read",
        "Veröffentlicht am 13. Mai 2026 · 3 Minuten Lesezeit",
    ],
)
def test_a_byline_meta_line_of_stamps_goes(line: str) -> None:
    assert is_boilerplate(line, "de" if "Minuten" in line else "en")


@pytest.mark.parametrize(
    "line",
    [
        "| 2024-01-01 | 2024-02-01 |",  # a table row: its cells are data
        "Published Aug 28, 2024 • The council voted 5 to 4",  # a part that is text
        "Kick-off | 20:45",
    ],
)
def test_a_line_with_separators_and_text_stays(line: str) -> None:
    assert not is_boilerplate(line, "en")


@pytest.mark.parametrize(
    "line",
    [
        "Copyright © 2023 NPR. All rights reserved. Visit our website terms of use for further information.",
        "Copyright: Project Syndicate, 2025",
        "© 2024 Jane Doe. Originally published in the Journal of Examples.",
        "Copyright",
    ],
)
def test_a_copyright_notice_goes(line: str) -> None:
    assert clean_lines(STORY + (line,), None, "en") == STORY


@pytest.mark.parametrize(
    "line",
    ["Copyright license", "Copyright law in the European Union changed in 2019 with a new directive."],
)
def test_text_about_copyright_stays(line: str) -> None:
    assert clean_lines(STORY + (line,), None, "en") == STORY + (line,)


def test_an_agency_named_as_the_source_on_its_own_line_goes_anywhere() -> None:
    lifted = lift_news_fields((STORY[0], "Quelle: AFP", STORY[1], "Source: ANI", STORY[2]))
    assert lifted.lines == STORY[:3]
    assert lifted.wire == "AFP"


def test_a_source_that_is_no_agency_stays() -> None:
    lines = (STORY[0], "Source: 2023 NAIC Health Insurance Report", STORY[1])
    assert lift_news_fields(lines).lines == lines
