"""Metadata: dates, canonical URLs, titles and authors from structured data and markup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newswire.normaliser.extract import parse_html
from newswire.normaliser.logic import choose_canonical, detect_language
from newswire.normaliser.authors import split_author_names
from newswire.normaliser.metadata import parse_date, read_metadata
from newswire.normaliser.titles import strip_site

URL = "https://www.example.com/world/2016/sep/08/kerry-geneva"


@pytest.mark.parametrize(
    ("raw", "utc", "local"),
    [
        ("2016-09-08T10:00:00+01:00", datetime(2016, 9, 8, 9, tzinfo=UTC), "2016-09-08"),
        ("2016-09-08T23:30:00-05:00", datetime(2016, 9, 9, 4, 30, tzinfo=UTC), "2016-09-08"),
        ("2016-09-08T10:00:00Z", datetime(2016, 9, 8, 10, tzinfo=UTC), "2016-09-08"),
        ("2016-09-08 10:00:00 GMT", datetime(2016, 9, 8, 10, tzinfo=UTC), "2016-09-08"),
        ("2016-09-08T10:00:00+0100", datetime(2016, 9, 8, 9, tzinfo=UTC), "2016-09-08"),
        ("2016-09-08", datetime(2016, 9, 8, tzinfo=UTC), "2016-09-08"),
        ("2016/09/08", datetime(2016, 9, 8, tzinfo=UTC), "2016-09-08"),
        ("1473328800", datetime(2016, 9, 8, 10, tzinfo=UTC), "2016-09-08"),
    ],
)
def test_parse_date(raw: str, utc: datetime, local: str) -> None:
    assert parse_date(raw) == (utc, local)


@pytest.mark.parametrize("raw", [None, "", "yesterday", "0000-00-00", "1850-01-01", "2016-13-45"])
def test_parse_date_rejects(raw: str | None) -> None:
    assert parse_date(raw) is None


def test_canonical_url() -> None:
    final = URL + "?utm_source=rss&utm_medium=feed&fbclid=abc&gclid=x&id=7"
    assert choose_canonical(None, final) == (URL + "?id=7", False)
    assert choose_canonical("HTTPS://WWW.Example.com/world/2016/sep/08/kerry-geneva?utm_campaign=x#top", final) == (URL, True)
    assert choose_canonical("https://www.example.com/", final) == (URL + "?id=7", False)
    assert choose_canonical("not a url", final)[1] is False


def test_structured_metadata_wins_and_says_so() -> None:
    html = f"""<html lang="en-GB"><head><title>Kerry in Geneva | The Daily Example</title>
<link rel="canonical" href="{URL}">
<meta property="og:site_name" content="The Daily Example">
<meta property="og:title" content="Kerry in Geneva - The Daily Example">
<meta property="article:modified_time" content="2016-09-08T12:00:00Z">
<meta property="article:section" content="World">
<meta property="article:tag" content="Syria"><meta property="article:tag" content="Diplomacy">
<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
 {{"@type": "NewsArticle", "headline": "Kerry in Geneva", "datePublished": "2016-09-08T10:00:00+01:00",
   "author": [{{"@type": "Person", "name": "Jane Doe"}}, {{"@type": "Organization", "name": "The Daily Example"}}]}}]}}
</script></head><body><h1>Kerry in Geneva</h1><p>Published 8 September 2016</p></body></html>"""
    tree = parse_html(html)
    assert tree is not None
    f = read_metadata(tree, URL)
    assert f.title == "Kerry in Geneva" and f.sitename == "The Daily Example"
    assert f.authors == ("Jane Doe",) and f.provenance["authors"] == "json-ld"
    assert f.published == datetime(2016, 9, 8, 9, tzinfo=UTC) and f.provenance["published"] == "json-ld"
    assert f.modified == datetime(2016, 9, 8, 12, tzinfo=UTC)
    assert f.canonical == URL and f.section == "World" and f.tags == ("Syria", "Diplomacy")
    assert f.html_lang == "en-GB"


def test_title_skips_logo_h1_and_strips_site() -> None:
    html = """<html><head><title>Kerry lands in Geneva for talks | Daily Example</title>
<meta property="og:site_name" content="Daily Example"></head>
<body><h1>Daily Example</h1><p>text</p></body></html>"""
    tree = parse_html(html)
    assert tree is not None
    assert read_metadata(tree, "https://dailyexample.com/a/b").title == "Kerry lands in Geneva for talks"
    assert strip_site("Headline | Example News", ["Example News"]) == "Headline"
    assert strip_site("Example News - Headline", ["examplenews.com"]) == "Headline"
    assert strip_site("Pros - and cons", ["Example News"]) == "Pros - and cons"


def test_author_names() -> None:
    assert split_author_names("By Jane Doe and John Roe") == ["Jane Doe", "John Roe"]
    assert split_author_names("Jane Doe, Senior Director of Operations") == ["Jane Doe"]
    assert split_author_names("Staff Reporter") == []
    assert split_author_names("https://example.com/author/jane") == []
    assert split_author_names("jane.doe") == []


def test_language() -> None:
    assert detect_language("Die Gespräche in Genf dauerten bis in die Nacht. " * 10) == "de"
    assert detect_language("Kurz.", "fr-FR") == "fr"
    assert detect_language("") is None
