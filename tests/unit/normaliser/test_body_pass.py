"""The body pass of issue #25: rules of news pages measured on both dev sets and their halves."""

from __future__ import annotations

from newswire.normaliser.cleanup import clean_lines, drop_repeats
from newswire.normaliser.logic import extract

STORY = tuple(
    f"Sentence {i} of the story tells the council's decision on the new tram line in detail." for i in range(6)
)
PLACEHOLDER = "Your privacy settings prevent loading and showing all external content such as graphics and tables."
TEASER = "The mayor's plan for the tram line would cost the city more than it has said so far."


def test_a_placeholder_repeated_between_paragraphs_goes_altogether() -> None:
    lines = (STORY[0], PLACEHOLDER, STORY[1], PLACEHOLDER, STORY[2], PLACEHOLDER, STORY[3], PLACEHOLDER, STORY[4])
    assert clean_lines(lines, None, "en") == STORY[:5]


def test_a_long_line_shown_twice_is_kept_once_where_it_first_stands() -> None:
    lines = (TEASER, STORY[0], STORY[1], TEASER, STORY[2])
    assert drop_repeats(lines) == (TEASER, STORY[0], STORY[1], STORY[2])


def test_short_lines_repeat_by_design_and_stay() -> None:
    lines = ("Pros", "Cheap to run", "Cons", "Slow", "Pros", "Quiet", "Cons", "Heavy", "Pros", "Cons", "Pros")
    assert drop_repeats(lines) == lines


def test_a_page_with_an_embed_placeholder_per_chart_loses_only_the_placeholders() -> None:
    parts = []
    for i, sentence in enumerate(STORY):
        parts.append(f"<p>{sentence}</p>")
        if i < 5:
            parts.append(f'<div class="embed"><p>{PLACEHOLDER}</p></div>')
    html = f"<html><head><title>Tram line</title></head><body><article><h1>Tram line</h1>{''.join(parts)}</article></body></html>"
    ex = extract(html, "https://news.example.com/city/tram-line")
    assert ex is not None
    assert ex.paragraphs == STORY


def test_agency_photo_credits_alone_on_a_line_go_in_any_language() -> None:
    credits = ("STR/AFP via Getty Images", "Noel Celis/Getty Images", "Keystone/The White House via AP/Adam Schultz",
               "Long Wei/Costfoto/Barcroft Media via Getty Images", "Marijan Murat/dpa")
    lines = STORY[:2] + credits + STORY[2:4]
    assert clean_lines(lines, None, "de") == STORY[:4]


def test_a_sentence_naming_an_agency_or_a_slash_stays() -> None:
    lines = (
        "The photo agency AFP/Getty said on Monday it would appeal the court's ruling.",
        "Reuters reported that the deal was worth $2bn, citing two people familiar with it.",
        "Turnout in the 18/19 season was the highest since AP records began",
        "The photo of the mayor was later distributed to the newspapers via Getty Images.",
    )
    assert clean_lines(lines, None, "en") == lines


def test_a_video_card_goes_with_its_teaser() -> None:
    glued = "The council's debate on the tram line, filmed on Monday evening. 18.04.2024 | 0:21 min"
    card = ("Residents explain why they oppose the new depot near the park.", "05.09.2024 | 2:03 min")
    lines = STORY[:2] + (glued,) + STORY[2:4] + card + STORY[4:]
    assert clean_lines(lines, None, "de") == STORY


def test_times_and_dates_inside_the_story_stay() -> None:
    lines = STORY[:2] + ("The vote was set for 18.04.2024 at 10:30, the clerk said.", "Kick-off | 20:45") + STORY[2:]
    assert clean_lines(lines, None, "en") == lines


def test_a_most_popular_block_after_the_story_is_cut() -> None:
    teasers = (
        "The GOP Primary Debate Was a Tedious Mess",
        "Two rivals clearly despise each other, but neither emerged as the obvious number two.",
        "Can a European Law Inspire US Tech Regulation?",
        "The effect of these laws is going to be felt well beyond the borders of Europe.",
    )
    for heading in ("Popular", "Most popular", "Most Read", "Trending now"):
        assert clean_lines(STORY + (heading,) + teasers, None, "en") == STORY


def test_a_consent_plugins_table_of_cookies_goes_and_other_tables_stay() -> None:
    cookies = (
        "| Cookie | Duration | Description |",
        "| cookielawinfo-checkbox-analytics | 11 months | This cookie is set by the consent plugin. |",
        "| viewed_cookie_policy | 11 months | The cookie stores whether the user has consented. |",
    )
    prices = ("| Model | Range | Price |", "| Scooter A | 30 miles | $600 |")
    lines = STORY[:3] + prices + STORY[3:] + cookies
    assert clean_lines(lines, None, "en") == STORY[:3] + prices + STORY[3:]
