"""The farm's pure parts: generation, fixtures, rendering, catalogue, behaviour assignment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest

from newswire.farm import Assign, FarmConfig, OutletBehaviour, assign_behaviours, combine
from newswire.farm.catalogue import Catalogue
from newswire.farm.config import PRESETS, parse_assign
from newswire.farm.content import (
    MAX_PARAGRAPHS,
    MAX_WORDS,
    MIN_PARAGRAPHS,
    MIN_WORDS,
    article_rng,
    edit_paragraphs,
    generate_article,
    outlet_name,
)
from newswire.farm.fixtures import ENV_VAR, FixtureSet, load_fixtures, locate_fixtures
from newswire.farm.model import Article, ArticleVersion, Outlet, outlet_address
from newswire.farm.render import render_article, render_atom, render_robots, render_rss

START = 1_790_000_000.0  # a fixed "now" so everything below is deterministic


@pytest.fixture(scope="module")
def fixtures() -> FixtureSet:
    fx = load_fixtures()
    if not fx.found:
        pytest.skip("real fixtures (../shared/fixtures) not available")
    return fx


def make_outlet(index: int = 0, fmt: str = "rss", body: bool = True) -> Outlet:
    return Outlet(
        index=index,
        name=outlet_name(index),
        slug="test",
        host=outlet_address(index),
        port=8900,
        feed_format="rss" if fmt == "rss" else "atom",
        jsonld_article_body=body,
        crawl_delay=None,
        behaviour=OutletBehaviour(),
    )


def make_article(title: str = "Minister <resigns> & more", n: int = 3) -> Article:
    paras = tuple(f"Paragraph {i} says something “quoted” & noteworthy." for i in range(n))
    return Article(
        outlet=0,
        serial=0,
        guid="urn:newswire-farm:test:000001",
        title=title,
        author="Jane Doe",
        category="World",
        path="/news/2026/09/08/minister-resigns.html",
        link_path="/news/2026/09/08/minister-resigns.html",
        published_at=START - 3600,
        versions=[ArticleVersion(paras, START - 3600), ArticleVersion(paras[::-1], START)],
        source="generated",
    )


# -- generation -------------------------------------------------------------------------------


def test_generation_is_deterministic_and_varied() -> None:
    a, b = generate_article(7, 3, 11), generate_article(7, 3, 11)
    assert a == b
    assert generate_article(7, 3, 12) != a
    assert generate_article(8, 3, 11) != a
    assert outlet_name(0) == outlet_name(0) and outlet_name(0) != outlet_name(1)


def test_generated_shape_and_uniqueness() -> None:
    titles, paragraphs = set(), set()
    for serial in range(150):
        art = generate_article(1, serial % 7, serial)
        assert MIN_PARAGRAPHS <= len(art.paragraphs) <= MAX_PARAGRAPHS
        for p in art.paragraphs:
            assert MIN_WORDS <= len(p.split()) <= MAX_WORDS, p
        assert (art.title[0].isupper() or art.title[0].isdigit()) and 3 <= len(art.title.split()) <= 20
        assert " " in art.author
        titles.add(art.title)
        paragraphs.add(art.paragraphs)
    assert len(titles) >= 145  # the catalogue re-rolls the rare collision
    assert len(paragraphs) == 150


def test_edit_changes_exactly_one_paragraph() -> None:
    art = generate_article(2, 0, 0)
    for k in range(20):
        new, idx = edit_paragraphs(art.paragraphs, article_rng(2, 0, k, "edit"))
        diff = [i for i, (x, y) in enumerate(zip(art.paragraphs, new, strict=True)) if x != y]
        assert diff == [idx]
        assert MIN_WORDS <= len(new[idx].split()) <= MAX_WORDS


# -- fixtures ---------------------------------------------------------------------------------


def test_seeds_keep_their_boilerplate(fixtures: FixtureSet) -> None:
    assert len(fixtures.seeds) == 5
    by_name = {s.name[:3]: s for s in fixtures.seeds}
    reuters = by_name["003"]
    assert reuters.title.startswith("US, Russia make")
    assert reuters.paragraphs[:2] == ("block", "Reuters, Washington :")
    assert "Source: ANI" in by_name["001"].paragraphs
    assert all(p.strip() for s in fixtures.seeds for p in s.paragraphs)


def test_guardian_versions_differ_at_5_6_7(fixtures: FixtureSet) -> None:
    (rev,) = fixtures.revisions
    assert rev.changed_paragraph_indexes == (5, 6, 7)
    v0, v1 = rev.versions
    assert len(v0) == len(v1)
    assert [i for i, (a, b) in enumerate(zip(v0, v1, strict=True)) if a != b] == [5, 6, 7]


def test_locate_fixtures_env_and_missing(
    fixtures: FixtureSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(fixtures.dir))
    assert locate_fixtures() == fixtures.dir
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    assert locate_fixtures() is None
    missing = load_fixtures()
    assert not missing.found and "generated articles only" in missing.note


# -- rendering --------------------------------------------------------------------------------


def test_article_page_metadata() -> None:
    outlet, art = make_outlet(body=True), make_article()
    page = render_article(outlet, art, related=[("Other", "/news/x.html")], most_read=[])
    canonical = "http://127.0.1.1:8900/news/2026/09/08/minister-resigns.html"
    assert '<html lang="en">' in page
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f"<title>Minister &lt;resigns&gt; &amp; more | {outlet.name}</title>" in page
    for prop in ("og:title", "og:site_name", "og:type", "og:description",
                 "article:published_time", "article:modified_time"):
        assert f'property="{prop}"' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert 'By <span class="author" rel="author">Jane Doe</span>' in page
    assert "<time datetime=" in page and "Related stories" in page and "Most read" in page
    assert "cookie" in page.lower() and "newsletter" in page.lower() and "breadcrumb" in page
    m = re.search(r'<script type="application/ld\+json">\s*(.*?)\s*</script>', page, re.S)
    assert m is not None
    ld = json.loads(m.group(1))
    assert ld["@type"] == "NewsArticle" and ld["headline"] == art.title
    assert ld["author"] == [{"@type": "Person", "name": "Jane Doe"}]
    assert ld["publisher"]["name"] == outlet.name
    assert ld["dateModified"] > ld["datePublished"]
    assert ld["articleBody"].startswith("Paragraph 2")  # the live (second) version
    body = re.search(r"<article[^>]*>(.*)</article>", page, re.S)
    assert body is not None and body.group(1).count("<p>") == 3
    no_body = render_article(make_outlet(body=False), art)
    assert "articleBody" not in no_body


def test_trafilatura_finds_the_body() -> None:
    trafilatura = pytest.importorskip("trafilatura")
    gen = generate_article(3, 0, 0)
    art = make_article()
    art.versions = [ArticleVersion(gen.paragraphs, START)]
    text = trafilatura.extract(render_article(make_outlet(body=False), art)) or ""
    assert gen.paragraphs[0][:60] in text and gen.paragraphs[-1][:60] in text
    assert "Accept all" not in text


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feeds_parse_and_list_links(fmt: str) -> None:
    outlet = make_outlet(fmt=fmt)
    items = [make_article(title=f"Story {i}") for i in range(3)]
    for i, a in enumerate(items):
        a.link_path = a.path = f"/news/2026/09/08/story-{i}.html"
        a.guid = f"urn:newswire-farm:test:{i}"
    render = render_rss if fmt == "rss" else render_atom
    parsed = feedparser.parse(render(outlet, items, updated=START))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    assert [e.link for e in parsed.entries] == [
        f"http://127.0.1.1:8900/news/2026/09/08/story-{i}.html?utm_source={fmt}&utm_medium=feed"
        for i in range(3)
    ]
    e = parsed.entries[0]
    assert e.id == "urn:newswire-farm:test:0" and e.title == "Story 0"
    assert e.author == "Jane Doe" and e.tags[0].term == "World"
    assert e.published_parsed is not None and "noteworthy" in e.summary


def test_robots() -> None:
    assert render_robots(None) == "User-agent: *\nDisallow: /private/\n"
    assert "Crawl-delay: 2.5" in render_robots(2.5)


# -- catalogue and behaviours ------------------------------------------------------------------


def _outlets(n: int, behaviours: list[OutletBehaviour] | None = None) -> list[Outlet]:
    bs = behaviours or [OutletBehaviour()] * n
    return [
        Outlet(i, outlet_name(i), f"o{i}", outlet_address(i), 8900, "rss", True, None, bs[i])
        for i in range(n)
    ]


def test_catalogue_places_fixtures_and_schedules_edits(fixtures: FixtureSet) -> None:
    cfg = FarmConfig(outlets=6, articles_per_outlet=3, edit_after_s=5)
    cat = Catalogue(_outlets(6), cfg, fixtures, START)
    assert [cat.published(i) for i in range(6)] == [5, 4, 4, 4, 4, 3]
    guardian = next(a for a in cat.all_articles() if a.source.startswith("revision:"))
    assert guardian.outlet == 0 and len(guardian.versions) == 1
    cat.advance(START + 4.9)
    assert len(guardian.versions) == 1
    cat.advance(START + 5.0)
    assert len(guardian.versions) == 2 and guardian.modified_at == START + 5
    assert guardian.current.paragraphs == fixtures.revisions[0].versions[1]
    assert cat.edits_applied(0) == 1
    latest = cat.latest(0, 50)
    assert latest == sorted(latest, key=lambda a: -a.published_at)


def test_catalogue_arrivals_and_generated_edits() -> None:
    cfg = FarmConfig(outlets=4, articles_per_outlet=2, arrival_rate=10, edit_rate=1.0,
                     generated_edit_after_s=0.5)
    empty = FixtureSet(dir=None)
    cat = Catalogue(_outlets(4), cfg, empty, START)
    assert len(cat.all_articles()) == 8
    cat.advance(START + 1.0)
    arts = cat.all_articles()
    assert len(arts) == 18
    assert len({a.title for a in arts}) == 18 and len({a.guid for a in arts}) == 18
    edited = [a for a in arts if len(a.versions) == 2]
    # initial ones edit at start + 0.5; arrivals published by start + 0.5 edit by start + 1.0
    assert len(edited) == 8 + 5
    again = Catalogue(_outlets(4), cfg, empty, START)
    again.advance(START + 1.0)
    assert [a.title for a in again.all_articles()] == [a.title for a in arts]


def test_redirecting_outlet_has_story_canonical() -> None:
    outlets = _outlets(2, [OutletBehaviour(), PRESETS["redirecting"]])
    cat = Catalogue(outlets, FarmConfig(outlets=2), FixtureSet(dir=None), START)
    (art, *_) = cat.latest(1, 1)
    assert art.link_path.startswith("/news/") and art.path == "/story/" + art.link_path[6:]
    assert cat.get(1, art.link_path) is art and cat.get(1, art.path) is art
    assert cat.record(art).url.endswith(art.path)


def test_assign_behaviours() -> None:
    rules = [Assign("slow", share=0.5), Assign("dead", indexes=[1]), Assign("no-304", indexes=[1])]
    bs = assign_behaviours(20, rules, seed=3)
    assert bs == assign_behaviours(20, rules, seed=3)
    assert sum(b.latency_ms > 0 for b in bs) in (10, 11)
    assert not any(b.latency_ms for b in bs[:5])  # shares spare the fixture outlets
    assert bs[1].dead and not bs[1].conditional
    assert combine(PRESETS["slow"], PRESETS["throttled"]).throttle_requests == 3
    assert parse_assign("huge=0.25") == Assign("huge", share=0.25)
    assert parse_assign("dead@1,2") == Assign("dead", indexes=(1, 2))
    with pytest.raises(ValueError):
        Assign("no-such-preset").resolved()


def test_addressing() -> None:
    assert outlet_address(0) == "127.0.1.1"
    assert outlet_address(249) == "127.0.1.250"
    assert outlet_address(250) == "127.0.2.1"
    assert outlet_address(999) == "127.0.4.250"
