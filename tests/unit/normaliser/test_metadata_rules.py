"""The rules added for title, date and author accuracy (follow-up on issue #6), one test each."""

from __future__ import annotations

import json

import lxml.html
import pytest

from newswire.normaliser.evaluation import same_date, same_title
from newswire.normaliser.authors import split_author_names
from newswire.normaliser.markup import repair_mojibake
from newswire.normaliser.metadata import byline_date
from newswire.normaliser.titles import heading_text

from tests.unit.normaliser.pages import metadata_of as _meta, rule_page as _page


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Menu Solar Panels Explained By Jo Bloggs Updated August 14, 2025 Products", "2025-08-14"),
        ("Solar Panels Explained Page updated: 12 November 2025 by Tracy", "2025-11-12"),
        ("Solar Panels Explained Dec 18 2025 · 3 min read", "2025-12-18"),
        ("Solar Panels Explained Published on 2025-12-19 by the team", "2025-12-19"),
        ("Solar Panels Explained Sep. 5th, 2024", "2024-09-05"),
    ],
)
def test_byline_date_reads_the_date_under_the_headline(text: str, day: str) -> None:
    assert byline_date(text, "Solar Panels Explained") == day


def test_byline_date_needs_the_headline_and_a_near_date() -> None:
    assert byline_date("Solar Panels Explained May 4, 2020", None) is None
    assert byline_date("Other text May 4, 2020", "Solar Panels Explained") is None
    far = "Solar Panels Explained " + "word " * 200 + "May 4, 2020"
    assert byline_date(far, "Solar Panels Explained") is None
    assert byline_date("Solar Panels Explained February 30, 2020", "Solar Panels Explained") is None


def test_byline_date_wins_over_a_declared_date_the_page_never_shows() -> None:
    html = _page(
        '<meta property="article:published_time" content="2024-01-04T10:00:00Z">',
        "<h1>Solar Panels Explained</h1><p>By Jo Bloggs · March 9, 2026</p>",
    )
    found = _meta(html)
    assert found.published_local == "2026-03-09"
    assert found.provenance["published"] == "html"


def test_byline_date_does_not_replace_publication_with_the_update() -> None:
    html = _page(
        '<meta property="article:published_time" content="2024-01-04T10:00:00Z">'
        '<meta property="article:modified_time" content="2026-03-09T08:00:00Z">',
        "<h1>Solar Panels Explained</h1><p>Updated March 9, 2026</p>",
    )
    found = _meta(html)
    assert found.published_local == "2024-01-04"
    assert found.modified is not None and found.modified.date().isoformat() == "2026-03-09"


def test_declared_date_shown_on_the_page_is_kept() -> None:
    html = _page(
        '<meta property="article:published_time" content="2024-01-04T10:00:00Z">',
        "<h1>Solar Panels Explained</h1><p>Updated March 9, 2026</p><footer>First published January 4, 2024</footer>",
    )
    assert _meta(html).published_local == "2024-01-04"


def test_heading_text_separates_line_breaks_and_blocks() -> None:
    def h(markup: str) -> str | None:
        return heading_text(lxml.html.fragment_fromstring(markup))

    assert h("<h1>WEEKEND<br>CODING <em>AGENT</em></h1>") == "WEEKEND CODING AGENT"
    assert h("<h1>Top MBA Programs<div>Your <b>Gu</b>ide</div></h1>") == "Top MBA Programs Your Guide"
    assert h("<h1>Head<!-- x -->line <span>now</span></h1>") == "Headline now"


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Written byDan Pantelo", ["Dan Pantelo"]),
        ("Posted by:Idle Cartulary", ["Idle Cartulary"]),
        ("BySummer Swann-", ["Summer Swann"]),
        ("Article by: Cara Dumaplin", ["Cara Dumaplin"]),
        ("Byron Smith", ["Byron Smith"]),
        ("By:", []),
    ],
)
def test_byline_prefixes_glued_or_not(raw: str, names: list[str]) -> None:
    assert split_author_names(raw) == names


def test_comment_authors_are_not_article_authors() -> None:
    html = _page(
        "<title>Solar panels</title>",
        '<h1>Solar panels</h1><div class="comments"><span class="comment-author">Jane Reader says:</span>'
        '</div><p class="byline">By Jo Bloggs</p>',
    )
    assert _meta(html).authors == ("Jo Bloggs",)


def test_jsonld_author_reference_is_resolved() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Article", "headline": "Solar panels", "author": {"@id": "https://example.com/#/person/1"}},
            {"@type": "Person", "@id": "https://example.com/#/person/1", "name": "Nirmita Panchal"},
        ],
    }
    html = _page(f'<script type="application/ld+json">{json.dumps(graph)}</script>', "<h1>Solar panels</h1>")
    found = _meta(html)
    assert found.authors == ("Nirmita Panchal",)
    assert found.provenance["authors"] == "json-ld"


def test_mojibake_is_repaired_only_when_it_is_one() -> None:
    assert repair_mojibake("A DIY Investor\u00e2\u0080\u0099s Guide") == "A DIY Investor\u2019s Guide"
    assert repair_mojibake("Café Zoë, naïve") == "Café Zoë, naïve"
    assert repair_mojibake("cafÃ©") == "café"
    assert repair_mojibake("naïve cafÃ©") == "naïve cafÃ©"  # not all one encoding: left alone


def test_scorer_folds_a_site_name_segment_on_both_sides() -> None:
    url = "https://bytesauna.com/post/proofs-as-types"
    assert same_title("Understanding mathematics through Lean", "Understanding mathematics through Lean | ByteSauna", url)
    assert same_title("ByteSauna - Understanding Lean", "Understanding Lean", url)
    assert same_title("Spice", "Spice | Spice AI", "https://spice.ai/blog/x")
    # a segment that does not name the site is part of the title, and the headline never goes
    assert not same_title("Headline", "Headline | District", "https://www.bssnews.net/district/1")
    assert not same_title("Headline", "Headline: More words", url)
    assert not same_title(None, "Headline", url)
    assert same_title("It’s a “test” — yes", "It's a \"TEST\" - yes")


def test_scorer_compares_dates_at_the_label_precision() -> None:
    assert same_date("2003-11-05", "2003-11")
    assert not same_date("2003-12-05", "2003-11")
    assert same_date("2025-01-02", "2025-01-02T23:30:00")
    assert not same_date("2025-01-03", "2025-01-02")
    assert not same_date(None, "2025-01-02")
    assert not same_date("2025-01-02", "Jan 2025")


# -- authors: filters that dropped real names (issue #25) ---------------------------------------


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        # a credential before a name is part of it (Md for Muhammad); after a name it stays with
        # the name, as the byline reads (issue #25); alone, it goes
        ("By Md Shahnawaz Khan Chandan", ["Md Shahnawaz Khan Chandan"]),
        ("Dylan Bailey, MS, RD", ["Dylan Bailey, MS, RD"]),
        ("Jane Doe MD", []),
        # a job title counts when no name follows it; before a name it is a label and goes
        ("Jane Doe, Senior Director of Operations", ["Jane Doe"]),
        ("CEO of CaseBasix", []),
        ("Rachel Doe Writer", []),
        ("Author Isaiah Shelton", ["Isaiah Shelton"]),
        ("Senior Writer Jane Doe", ["Jane Doe"]),
        # an outlet word that is also a surname makes an outlet only when the whole credit is one
        ("By Anna Press", ["Anna Press"]),
        ("Christopher Guest", ["Christopher Guest"]),
        ("Associated Press", []),
        ("The Canadian Press", []),
        ("Press Association", []),
        ("ABC Press", []),
        ("Guest Post", []),
        ("Podium Staff", []),
        ("News Desk", []),
        # scripts without case, and bylines in other languages
        ("大渡 美咲", ["大渡 美咲"]),
        ("Андрей Колесников", ["Андрей Колесников"]),
        ("Von Anna Schmidt", ["Anna Schmidt"]),
        ("Von dpa", []),
        ("Par Jean Dupont", ["Jean Dupont"]),
        ("Von", []),
    ],
)
def test_author_filters_keep_real_names(raw: str, names: list[str]) -> None:
    assert split_author_names(raw) == names


def test_site_name_filter_works_in_any_script() -> None:
    """The outlet's own name is not taken for a person, in any script; a name is not mistaken for
    it because both reduce to nothing in ASCII. A page that credits only the outlet reports that
    credit, as its byline would read."""
    head = '<meta property="og:site_name" content="産経新聞：産経ニュース"><meta name="author" content="大渡 美咲">'
    assert _meta(_page(head, "<h1>見出し</h1>")).authors == ("大渡 美咲",)
    head = '<meta property="og:site_name" content="産経ニュース"><meta name="author" content="産経ニュース">'
    assert _meta(_page(head, "<h1>見出し</h1>")).authors == ("産経ニュース",)


def test_declared_credit_when_no_person_is_named() -> None:
    """Without a person, the organisation the page credits is the author (an agency, a desk);
    a CMS account or a generated handle is not."""
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Quake hits", "author": %s}</script>'
    org = '{"@type": "Organization", "name": "Associated Press"}'
    assert _meta(_page(ld % org, "<h1>Quake hits</h1>")).authors == ("Associated Press",)
    person = '[{"@type": "Person", "name": "Jane Doe"}, {"@type": "Organization", "name": "Associated Press"}]'
    assert _meta(_page(ld % person, "<h1>Quake hits</h1>")).authors == ("Jane Doe",)
    for account in ("admin", "jdoe4x7kq2", "https://example.com/about"):
        head = f'<meta name="author" content="{account}">'
        assert _meta(_page(head, "<h1>Quake hits</h1>")).authors == ()
