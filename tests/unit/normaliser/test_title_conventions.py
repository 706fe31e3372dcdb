"""Title rules of issue #25 (extraction that wins on unseen pages, in every language), one test
each on synthetic pages: an all-capitals <h1> yields to the declared form, a kicker set before
the headline with a dash goes when a declared title gives the headline without it, a trailing
section name goes from a declared title, a news article's JSON-LD headline confirmed by its
og:title wins over a differing <h1>, and metadata text escaped twice is read once unescaped."""

from __future__ import annotations

import json

from newswire.normaliser.markup import clean
from newswire.normaliser.titles import all_capitals, drop_kicker, section_names, strip_section

from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page


def _ld(kind: str, headline: str) -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": headline}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


# -- all-capitals headings -----------------------------------------------------------------------


def test_all_capitals_reads_cased_letters_only() -> None:
    assert all_capitals("TIPS FOR ONLINE SUCCESS")
    assert all_capitals("10 TIPS: 2026!")
    assert not all_capitals("Tips for Online Success")
    assert not all_capitals("NASA sends a probe")
    assert not all_capitals("日本の見出し")  # no case: never "capitals"
    assert not all_capitals("A 1")  # too few letters to tell


def test_an_all_capitals_heading_yields_to_the_declared_title_it_agrees_with() -> None:
    html = _page(
        '<meta property="og:title" content="Solar Panels: Buying Tips From Installers">',
        "<h1>SOLAR PANELS IN 2026: BUYING TIPS FROM INSTALLERS</h1>",
    )
    found = _meta(html)
    assert found.title == "Solar Panels: Buying Tips From Installers"
    assert found.provenance["title"] == "meta"


def test_an_all_capitals_heading_stays_when_every_declared_title_is_in_capitals_or_disagrees() -> None:
    html = _page("<title>SOLAR PANELS EXPLAINED</title>", "<h1>SOLAR PANELS EXPLAINED</h1>")
    assert _meta(html).title == "SOLAR PANELS EXPLAINED"
    html = _page('<meta property="og:title" content="Garden furniture sale">', "<h1>SOLAR PANELS EXPLAINED</h1>")
    assert _meta(html).title == "Garden furniture sale"  # the heading disagrees: not the headline at all


# -- kickers before the headline -------------------------------------------------------------------


def test_a_kicker_before_a_dash_goes_when_a_declared_title_says_the_headline_alone() -> None:
    declared = ["Farmers demand a say in the new water law"]
    heading = "Drought in the south - Farmers demand a say in the new water law"
    assert drop_kicker(heading, declared) == "Farmers demand a say in the new water law"
    html = _page(
        '<meta property="og:title" content="Farmers demand a say in the new water law">'
        "<title>Farmers demand a say in the new water law - News - Example</title>",
        f"<h1>{heading}</h1>",
    )
    assert _meta(html).title == "Farmers demand a say in the new water law"


def test_a_kicker_goes_when_the_declared_title_has_another_kicker_before_the_same_headline() -> None:
    heading = "Escalation in the region – «Restraint has a lot to do with the allies»"
    declared = ["Attack on the capital: «Restraint has a lot to do with the allies»"]
    assert drop_kicker(heading, declared) == "«Restraint has a lot to do with the allies»"


def test_a_dash_stays_when_it_is_the_headlines_own() -> None:
    # a declared title that has the whole heading: the dash belongs to the headline
    heading = "How to replace brake pads – From a certified mechanic"
    assert drop_kicker(heading, [heading, "From a certified mechanic"]) == heading
    # the declared title carries the heading's own kicker words: a longer kicker, not another one
    heading = "After the protests: Report: Activist killed - Officials deny it all"
    assert drop_kicker(heading, ["Report: Activist killed - Officials deny it all"]) == heading
    # no declared title says the rest alone: nothing to go by
    assert drop_kicker("Drought in the south - Farmers demand a say", ["Water law passes"]) == (
        "Drought in the south - Farmers demand a say"
    )
    # a "kicker" of more than six words is a part of the headline
    long_head = "One two three four five six seven - Farmers demand a say in the law"
    assert drop_kicker(long_head, ["Farmers demand a say in the law"]) == long_head


# -- section names -----------------------------------------------------------------------------------


def test_section_names_come_from_the_url_path_and_the_declared_section() -> None:
    assert section_names("https://example.org/district/343604", None) == {"district"}
    # the last segment is the page's own slug, not a section
    assert section_names("https://example.org/news/local-politics/story-1", "Local Politics") == {"news", "localpolitics"}
    assert section_names("https://example.org/solar-panels", None) == set()


def test_a_trailing_section_name_goes_from_a_declared_title() -> None:
    sections = section_names("https://example.org/district/343604", None)
    assert strip_section("Gardens make rural villages self-reliant | District", sections) == (
        "Gardens make rural villages self-reliant"
    )
    # a segment that names no section stays, and so does a headline that would be left too short
    assert strip_section("Gardens make rural villages self-reliant | Opinion", sections) == (
        "Gardens make rural villages self-reliant | Opinion"
    )
    assert strip_section("Gardens | District", sections) == "Gardens | District"
    html = _page('<meta property="og:title" content="Gardens make rural villages self-reliant | District">', "")
    assert _meta(html, "https://example.org/district/343604").title == "Gardens make rural villages self-reliant"


def test_metadata_text_escaped_twice_is_unescaped() -> None:
    assert clean("And finally&amp;#8230; trouble brewing") == "And finally\u2026 trouble brewing"
    assert clean("Fish &amp;amp; Chips") == "Fish & Chips"
    assert clean("Fish &amp; Chips") == "Fish & Chips"
    assert clean("AT&T results") == "AT&T results"


# -- a news article's declared headline ------------------------------------------------------------


def test_a_news_articles_headline_confirmed_by_og_title_wins_over_a_differing_heading() -> None:
    declared = "Central bank decision on Thursday: rates fall? A clear signal"
    html = _page(
        f'<meta property="og:title" content="{declared}">{_ld("NewsArticle", declared)}',
        "<h1>Central bank decision on Thursday: rates fall? A clear signal from experts</h1>",
    )
    found = _meta(html)
    assert found.title == declared
    assert found.provenance["title"] == "json-ld"


def test_the_heading_stays_without_a_confirmed_news_headline() -> None:
    heading = "Central bank decision on Thursday: rates fall? A clear signal from experts"
    declared = "Central bank decision on Thursday: rates fall? A clear signal"
    # og:title says otherwise than the JSON-LD headline
    html = _page(f'<meta property="og:title" content="{heading}">{_ld("NewsArticle", declared)}', f"<h1>{heading}</h1>")
    assert _meta(html).title == heading
    # not a news article (a blog post, a guide): its heading is the headline
    html = _page(f'<meta property="og:title" content="{declared}">{_ld("BlogPosting", declared)}', f"<h1>{heading}</h1>")
    assert _meta(html).title == heading
    # a declared headline of another story (a heading the <title> confirms is kept)
    other = "Garden furniture on sale this weekend only"
    html = _page(
        f'<meta property="og:title" content="{other}">{_ld("NewsArticle", other)}<title>{heading}</title>',
        f"<h1>{heading}</h1>",
    )
    assert _meta(html).title == heading
