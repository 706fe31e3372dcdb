"""The title and date rules of the issue #6 accuracy pass (agreement between title candidates,
site names from the registered domain, kickers trimmed from headings; stated publication dates,
the page's own day of an instant, WebPage dates) and the scorer's "&"/"and" and UTC-day rules,
one test each (or a few cases of one rule)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from newswire.normaliser.evaluation import same_date, same_title
from newswire.normaliser.metadata import _shown, possible_days, stated_publication_date
from newswire.normaliser.titles import agreement, site_names, strip_site, trim_heading

from tests.unit.normaliser.pages import metadata_of as _meta, rule_page as _page


# -- titles ----------------------------------------------------------------------------------------


def test_site_names_use_the_registered_domain_not_the_subdomain() -> None:
    assert site_names("Cornell Garden-Based Learning", "https://gardening.cals.cornell.edu/x") == [
        "Cornell Garden-Based Learning", "cornell", "gardening.cals.cornell.edu",
    ]
    assert site_names(None, "https://www.bbc.co.uk/news/1") == ["bbc", "bbc.co.uk"]


def test_a_host_name_is_stripped_without_a_separator() -> None:
    names = site_names(None, "https://davidbau.com/archives/vibe_coding.html")
    assert strip_site("davidbau.com Vibe Coding", names) == "Vibe Coding"
    assert strip_site("Vibe Coding at www.davidbau.com", names) == "Vibe Coding at"
    assert strip_site("davidbau.com Coding", names) == "davidbau.com Coding"  # too short to be a title with a site
    assert strip_site("Why davidbau.com matters to us", names) == "Why davidbau.com matters to us"


def test_a_heading_starting_with_a_subdomain_word_is_not_a_logo() -> None:
    html = _page(
        "<title>Gardening in a Warming World | Cornell Garden-Based Learning</title>",
        "<h1>Gardening in a Warming World</h1>",
    )
    assert _meta(html, "https://gardening.cals.cornell.edu/garden-guidance/gww/").title == "Gardening in a Warming World"


def test_a_heading_naming_the_site_is_kept_when_the_declared_titles_agree() -> None:
    title = "The 2024 SELF Healthy Beauty Awards: The Best Oral Care Products"
    html = _page(
        f'<meta property="og:site_name" content="SELF"><title>{title} | SELF</title>', f"<h1>{title}</h1>"
    )
    assert _meta(html, "https://www.self.com/story/awards").title == title
    # a short heading with the site's name is its logo
    logo = _page('<meta property="og:site_name" content="Acme"><title>Solar panels explained | Acme</title>',
                 "<h1>Acme Blog</h1>")
    assert _meta(logo, "https://acme.com/solar").title == "Solar panels explained"


def test_a_heading_that_disagrees_with_every_declared_title_is_not_the_headline() -> None:
    html = _page(
        '<meta property="og:title" content="How To Get Toddlers To Sleep In Their Own Bed | Brand">'
        "<title>How To Get Toddlers To Sleep In Their Own Bed | Brand</title>",
        "<h1>Toddler Sleep Training</h1>",
    )
    found = _meta(html, "https://www.brand.com/tips/toddler-sleep")
    assert found.title == "How To Get Toddlers To Sleep In Their Own Bed"
    assert found.provenance["title"] == "meta"


def test_a_reworded_heading_that_agrees_is_still_the_headline() -> None:
    html = _page(
        '<meta property="og:title" content="Best Cloud Computing Stocks of 2025">',
        "<h1>The Best Cloud Computing Stocks to Buy in 2025</h1>",
    )
    assert _meta(html).title == "The Best Cloud Computing Stocks to Buy in 2025"


def test_agreement_is_full_when_one_title_contains_the_other() -> None:
    assert agreement("Headline here now", "Headline here now: and a subtitle") == 100
    assert agreement("Toddler Sleep Training", "How To Get Toddlers To Sleep In Their Own Bed") < 60


@pytest.mark.parametrize(
    ("heading", "declared", "expected"),
    [
        ("Blog: Best Social Media Agencies in 2025", ["Best Social Media Agencies in 2025"], "Best Social Media Agencies in 2025"),
        ("Dec 18 2025 Preparing a transition in Debusine", ["Preparing a transition in Debusine"],
         "Preparing a transition in Debusine"),
        ("Top Strategies for Blockchain Security Posted on July 1, 2024 by infuy", ["Top Strategies for Blockchain Security"],
         "Top Strategies for Blockchain Security"),
        ("Stanford Grads Find Degrees No Longer Guarantee Jobs (latimes.com) 87",
         ["Stanford Grads Find Degrees No Longer Guarantee Jobs"], "Stanford Grads Find Degrees No Longer Guarantee Jobs"),
        # a subtitle or a longer wording is headline, not a kicker
        ("House Renovation Costs in the Bay Area: Room-by-Room Breakdown", ["House Renovation Costs in the Bay Area"],
         "House Renovation Costs in the Bay Area: Room-by-Room Breakdown"),
        ("Best High School Tutors in 2025, Reviewed by a Student", ["Best High School Tutors in 2025"],
         "Best High School Tutors in 2025, Reviewed by a Student"),
        ("The Best Scooters for Commuting", ["Best Scooters for Commuting"], "The Best Scooters for Commuting"),
    ],
)
def test_trim_heading_removes_kickers_and_bylines_only(heading: str, declared: list[str], expected: str) -> None:
    assert trim_heading(heading, declared) == expected


# -- dates -----------------------------------------------------------------------------------------


def test_stated_publication_date_near_the_headline() -> None:
    text = "Menu Solar Panels Explained By Jo Bloggs Published on October 14, 2025 · Updated Dec 1, 2025"
    assert stated_publication_date(text, "Solar Panels Explained") == "2025-10-14"
    assert stated_publication_date("Solar Panels Explained Posted: 2025-12-19 by Jo", "Solar Panels Explained") == "2025-12-19"
    # "Updated" is not publication; a date far from the headline belongs to something else
    assert stated_publication_date("Solar Panels Explained Updated Dec 1, 2025", "Solar Panels Explained") is None
    far = "Solar Panels Explained " + "word " * 300 + "Published May 4, 2020"
    assert stated_publication_date(far, "Solar Panels Explained") is None
    assert stated_publication_date(text, None) is None


def test_stated_publication_date_wins_over_declared_metadata() -> None:
    html = _page(
        '<meta property="article:published_time" content="2024-02-11T10:00:00Z">',
        "<h1>Solar Panels Explained</h1><p>By Jo Bloggs. Published October 14, 2025</p>",
    )
    found = _meta(html)
    assert found.published_local == "2025-10-14" and found.provenance["published"] == "html"


def test_possible_days_of_an_instant() -> None:
    assert possible_days(datetime(2025, 12, 19, 2, 41, tzinfo=UTC)) == {"2025-12-18", "2025-12-19"}
    assert possible_days(datetime(2025, 12, 19, 12, 0, tzinfo=UTC)) == {"2025-12-19", "2025-12-20"}
    assert possible_days(datetime(2025, 12, 19, tzinfo=UTC)) == {"2025-12-19"}  # a bare date


def test_printed_local_day_of_the_declared_instant_is_the_page_day() -> None:
    # declared in UTC just after midnight; the page prints the evening before, its own day
    html = _page(
        '<meta property="article:published_time" content="2026-02-23T00:57:30+00:00">',
        "<h1>Backpacking Essentials</h1><p>By Jo Bloggs February 22, 2026</p>",
    )
    found = _meta(html)
    assert found.published == datetime(2026, 2, 23, 0, 57, 30, tzinfo=UTC)
    assert found.published_local == "2026-02-22" and found.provenance["published"] == "meta"


def test_zoned_statement_of_the_same_instant_gives_the_page_day() -> None:
    html = _page(
        '<meta property="article:published_time" content="2025-12-19T03:05:00+00:00">',
        '<h1>Are AI Evangelists In Heat?</h1><p>A long introduction to the piece. ' + "More words. " * 60
        + '</p><time datetime="2025-12-18T19:05:00-08:00">yesterday</time>',
    )
    found = _meta(html)
    assert found.published == datetime(2025, 12, 19, 3, 5, tzinfo=UTC)
    assert found.published_local == "2025-12-18"


def test_webpage_date_when_no_article_object_declares_one() -> None:
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Apps compared", "datePublished": "2024-03-17T19:47:39+00:00",
         "dateModified": "2024-05-03T10:57:58+00:00"},
    ]}
    html = _page(
        f'<script type="application/ld+json">{json.dumps(graph)}</script>'
        '<meta property="article:modified_time" content="2024-05-03T10:57:58+00:00">',
        "<h1>Apps compared</h1>",
    )
    found = _meta(html)
    assert found.published_local == "2024-03-17" and found.provenance["published"] == "json-ld"


def test_a_copyright_year_is_not_a_publication_date() -> None:
    footer = "<footer>Copyright © 2024 Acme Inc. All rights reserved.</footer>"
    html = _page("<title>Solar panels explained</title>", f"<h1>Solar panels explained</h1>{footer}")
    assert _meta(html, "https://acme.com/solar").published is None  # htmldate reads 2024-01-01
    printed = _page("<title>Solar panels explained</title>", f"<h1>Solar panels explained</h1><p>January 1, 2024.</p>{footer}")
    assert _meta(printed, "https://acme.com/solar").published_local == "2024-01-01"


def test_shown_reads_named_and_numeric_forms() -> None:
    text = "Updated on Dec. 09, 2025 · 9th September 2024 · 1 Sept 2023 · 09.10.2024 · 2021-08-12"
    for day in ("2025-12-09", "2024-09-09", "2023-09-01", "2024-09-10", "2021-08-12"):
        assert _shown(text, day), day
    assert not _shown(text, "2025-12-19")
    assert not _shown("12 November 2025", "2025-11-02")


# -- scorer ----------------------------------------------------------------------------------------


def test_scorer_reads_ampersand_as_and() -> None:
    assert same_title("Costs for Homeowners & Investors", "Costs for Homeowners and Investors")
    assert not same_title("Costs for Homeowners & Investors", "Costs for Homeowners or Investors")


def test_scorer_accepts_the_utc_day_of_a_timed_prediction_only() -> None:
    # the page says 22 February (its zone), the label the UTC day of the same instant
    assert same_date("2026-02-22", "2026-02-23", "2026-02-23")
    assert same_date("2025-12-18", "2025-12-18", "2025-12-19")
    assert not same_date("2026-02-22", "2026-02-24", "2026-02-23")
    assert not same_date("2026-02-22", "2026-02-23")  # a bare date has no other day
    assert not same_date(None, "2026-02-23", None)


def test_a_one_word_lowercase_title_is_a_headline_not_residue() -> None:
    from newswire.normaliser.cleanup import promote_headline

    lines = ("American", "A restaurant is a place where meals are served to paying customers.")
    assert promote_headline(lines, "restaurant") == ("restaurant", lines)


def test_a_live_blog_keeps_its_declared_start_over_the_update_dates_it_prints() -> None:
    """A LiveBlogPosting's datePublished is when its coverage began; the days it prints are its
    entries' (here only the day after): neither the line under the headline nor htmldate's
    reading of the page replaces it. The same page as a NewsArticle takes the printed day."""
    def page(kind: str) -> str:
        data = {"@context": "https://schema.org", "@type": kind, "headline": "Storm live: roads closed",
                "datePublished": "2024-08-04T13:23:00Z", "dateModified": "2024-08-05T21:40:00Z"}
        entries = "".join(
            f"<li><p>5 August 2024, {h}:00</p><p>Update {h}: more roads are closed. {'Words. ' * 20}</p></li>"
            for h in (21, 20, 19)
        )
        return _page(
            f'<script type="application/ld+json">{json.dumps(data)}</script>',
            f"<h1>Storm live: roads closed</h1><p>Updated 5 August 2024</p><ul>{entries}</ul>",
        )

    live = _meta(page("LiveBlogPosting"))
    assert live.published_local == "2024-08-04" and live.provenance["published"] == "json-ld"
    assert _meta(page("NewsArticle")).published_local == "2024-08-05"
