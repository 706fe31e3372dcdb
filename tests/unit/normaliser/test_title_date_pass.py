"""The title and date pass of issue #25: dotted numeric dates in a byline ("12.12.2025"), the
`<time>` nearest the headline when the page declares no date, byline dates with month names in
other languages and year-first slashed or CJK dates; one test each (or a few cases of one rule)."""

from __future__ import annotations

import pytest
from newswire.normaliser.metadata import _shown, byline_date

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Tax 101 By The Currency editors 12.12.2025 Key takeaways", "2025-12-12"),
        ("Tax 101 Von Jonas Weber 3.9.2024, 14:05 Uhr", "2024-09-03"),  # day first, unpadded
    ],
)
def test_a_dotted_numeric_byline_date_puts_the_day_first(text: str, day: str) -> None:
    assert byline_date(text, "Tax 101") == day


@pytest.mark.parametrize(
    "text",
    [
        "Tax 101 By Jo 12.13.2025 Key takeaways",  # no 13th month: not read as month-first either
        "Tax 101 Version 10.1.12.2025 released",  # a version number, not a date
        "Tax 101 Build 1.12.2025.4 notes",
    ],
)
def test_a_dotted_number_that_is_no_day_is_not_a_byline_date(text: str) -> None:
    assert byline_date(text, "Tax 101") is None


def test_a_dotted_byline_date_is_the_publication_when_nothing_is_declared() -> None:
    found = _meta(_page("<title>Tax 101</title>", "<h1>Tax 101</h1><p>By The editors 12.12.2025</p>"))
    assert found.published_local == "2025-12-12" and found.provenance["published"] == "html"


_SIDEBAR = "".join(
    f'<li><a href="/n{i}">Other story {i}</a> <time datetime="2025-01-{i + 10:02d}T12:00:00Z">01/{i + 10}/2025</time></li>'
    for i in range(3)
)


def test_the_time_element_nearest_the_headline_dates_an_undeclared_page() -> None:
    # a list of other stories with their <time>s comes first in the markup; the byline's <time>
    # under the headline is the article's ("03/01/2017" itself is ambiguous: not read as text)
    body = (
        f"<nav><ul>{_SIDEBAR}</ul></nav><div><p>Newsletter</p><p>Sign up</p></div>"
        "<article><h1>Candidate Experience</h1>"
        '<div class="meta"><time datetime="2017-03-01T12:00:00Z">03/01/2017</time> by Jo Roe</div></article>'
    )
    found = _meta(_page("<title>Candidate Experience</title>", body))
    assert found.published_local == "2017-03-01" and found.provenance["published"] == "html"


def test_a_time_element_just_above_the_headline_is_nearer_than_a_later_one() -> None:
    body = (
        '<article><small><time datetime="2023-10-12T19:38:01Z">10/12/2023</time></small>'
        "<h1>Skiplagging in relocation</h1><p>Text.</p></article>"
        + "<p>filler</p>" * 10
        + f"<aside><ul>{_SIDEBAR}</ul></aside>"
    )
    found = _meta(_page("<title>Skiplagging in relocation</title>", body))
    assert found.published_local == "2023-10-12"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Tax 101 Publiziert 17. Dezember 2024, 12:17", "2024-12-17"),
        ("Tax 101 27. Januar 2026 • Gregor Meier", "2026-01-27"),
        ("Tax 101 Publicerad 23 okt 2025 kl 10.23", "2025-10-23"),
        ("Tax 101 Publicado el 13 de enero de 2025", "2025-01-13"),
        ("Tax 101 Publié le 22 novembre 2024", "2024-11-22"),
        ("Tax 101 16. mrt. 2024 door Jan", "2024-03-16"),
        ("Tax 101 公開日： 2025/01/31 11:30", "2025-01-31"),
        ("Tax 101 2025年1月14日 01時28分", "2025-01-14"),
        ("Tax 101 2024年04月24日23:52 来源", "2024-04-24"),
    ],
)
def test_byline_dates_in_other_languages_and_scripts(text: str, day: str) -> None:
    assert byline_date(text, "Tax 101") == day


@pytest.mark.parametrize(
    "text",
    [
        "Tax 101 Marco 12 2025 scored",  # a name is no month
        "Tax 101 sold 2025/13/01 units",  # no 13th month
        "Tax 101 see 12025/1/2 and 2025/1/234",  # longer digit runs are no year or day
    ],
)
def test_words_and_numbers_that_are_no_date_are_not_read(text: str) -> None:
    assert byline_date(text, "Tax 101") is None


def test_a_german_byline_date_dates_a_page_that_declares_none() -> None:
    found = _meta(_page("<title>Tax 101</title>", "<h1>Tax 101</h1><p>Von Jonas Weber, 3. März 2025</p>"))
    assert found.published_local == "2025-03-03" and found.provenance["published"] == "html"


@pytest.mark.parametrize(
    "text",
    [
        "Von Jonas Weber 17. Dezember 2024, 12:17 Uhr",
        "Publicado el 17 de diciembre de 2024",
        "Publié le 17 déc. 2024",
        "Publicerad 17 dec 2024",
        "公開日： 2024/12/17 11:30",
        "2024年12月17日 01時28分",
        "Posted Dec. 17th, 2024",
    ],
)
def test_a_declared_day_printed_in_another_language_is_shown(text: str) -> None:
    # a declared date the page prints is trusted, not second-guessed by reading the whole page
    assert _shown(text, "2024-12-17")
    assert not _shown(text, "2024-12-18")
    assert not _shown(text, "2024-11-17")


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Veröffentlicht am 13. Mai 2026 um 15:44", "2026-05-13"),
        ("Publié le 22 novembre 2024", "2024-11-22"),
        ("Publicerad 23 okt 2025 kl 10.23", "2025-10-23"),
    ],
)
def test_a_publication_label_in_another_language_states_the_date(line: str, day: str) -> None:
    html = _page(
        '<meta property="article:published_time" content="2024-02-11T10:00:00Z">',
        f"<h1>Hantavirus an Bord</h1><p>Aktualisiert 1. Juni 2026</p><p>{line}</p>",
    )
    found = _meta(html)
    assert found.published_local == day and found.provenance["published"] == "html"


def test_stand_is_no_publication_label() -> None:
    # German "Stand:" gives the state of a page (often its update), not its publication
    html = _page(
        '<meta property="article:published_time" content="2024-02-11T10:00:00Z">',
        "<h1>Hantavirus an Bord</h1><p>Stand: 13. Mai 2026</p><p>11. Februar 2024</p>",
    )
    assert _meta(html).published_local != "2026-05-13"
