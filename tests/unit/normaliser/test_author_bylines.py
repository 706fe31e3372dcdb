"""The author rules of issue #25, one test each, on small synthetic pages: visible bylines when
no structured data names the authors, credentials, "and" in other languages, image credits."""

from __future__ import annotations

import json

import pytest

from newswire.normaliser.authors import split_author_names

from tests.unit.normaliser.pages import metadata_of as _meta, rule_page as _page

HEAD = "<title>Solar panels explained</title>"


def _authors(body: str, head: str = HEAD) -> tuple[str, ...]:
    return tuple(_meta(_page(head, "<h1>Solar panels explained</h1>" + body)).authors)


def test_itemprop_name_inside_author_markup() -> None:
    """An itemprop=author block that also holds a bio: its itemprop=name is the name."""
    body = (
        '<div itemprop="author"><div itemprop="name"><a href="/people/jo">Jo Bloggs</a></div>'
        f'<div itemprop="description">{"Jo writes about energy and homes. " * 4}</div></div>'
    )
    assert _authors(body) == ("Jo Bloggs",)


def test_names_in_separate_children_of_a_byline() -> None:
    """Names side by side in their own elements, without separators, are each a name; a job
    title under a name is not one."""
    body = '<div class="article-byline"><div><span>Anna Maria Berg</span><span>Jan Peter Holm</span></div></div>'
    assert _authors(body) == ("Anna Maria Berg", "Jan Peter Holm")
    body = '<div class="author-info"><span>Rachel Doe</span><span>Writer</span></div>'
    assert _authors(body) == ("Rachel Doe",)
    # a byline whose parts are not all names is not read part by part
    body = '<div class="byline"><span>Guide</span><span>by</span><span>Will Judd</span><span>Former Editor</span></div>'
    assert _authors(body) != ("Guide", "Will Judd")


def test_byline_text_ends_before_dates_counts_and_reviewers() -> None:
    """What follows the names in a byline is not a name: a date, "on <date>", "0 comments",
    "Updated", a reading time, "Reviewed by" someone else."""
    assert _authors('<p class="byline">By Amy Wilhelm 0 comments</p>') == ("Amy Wilhelm",)
    assert _authors('<p class="byline">By: Jo Bloggs on 04-08-2021 5:11</p>') == ("Jo Bloggs",)
    assert _authors('<div class="author-box">Reyan Perumal Published Nov 3, 2025</div>') == ("Reyan Perumal",)
    assert _authors('<p class="byline">by: Ziyi Xu, Dec 17, 2025</p>') == ("Ziyi Xu",)
    assert _authors('<p class="byline">By Shelby Loos, DVM . Reviewed by Molly Price, DVM</p>') == ("Shelby Loos, DVM",)
    assert _authors('<p class="byline">Published August 7, 2023 by Nicole Burke</p>') == ("Nicole Burke",)
    assert _authors('<p class="byline">by Amanda · Dec 20, 2025 at 3:00 am</p>') == ("Amanda",)


def test_links_to_author_pages() -> None:
    """Without byline markup or declared credits, links to author pages name the authors (the
    first one with text and those beside it); an avatar's empty link does not count."""
    body = (
        '<div><a href="/blog/author/jo-bloggs/"><img src="a.png"></a></div>'
        '<p><a href="/blog/author/jo-bloggs/">Jo Bloggs</a>, <a href="/blog/author/al-roe/">Al Roe</a></p>'
    )
    assert _authors(body) == ("Jo Bloggs", "Al Roe")


def test_a_by_line_near_any_markup() -> None:
    """A short text that opens with "By" or "Written by", or a lone "Written by" / "Author"
    label and the text after it, names the author; "Bylaws" or a sentence does not."""
    assert _authors("<p>Written by Edzel Tabing</p>") == ("Edzel Tabing",)
    assert _authors("<p>Written by</p><p>Edzel Tabing</p>") == ("Edzel Tabing",)
    assert _authors("<h3>Author</h3><p>Lisa D. Ellis</p>") == ("Lisa D. Ellis",)
    assert _authors('<div class="author-bio">This post was written by Danielle Padula</div>') == ("Danielle Padula",)
    assert _authors("<p>Bylaws and Rules</p>") == ()
    assert _authors("<p>By clicking Subscribe you agree</p>") == ()


def test_declared_credit_beats_a_by_line() -> None:
    """An organisation the structured data credits wins over a "By" line or an author link
    (which may name a reviewer); byline markup still names people first."""
    ld = {"@type": "Article", "headline": "Solar panels explained", "author": {"@type": "Organization", "name": "The Example Team"}}
    head = HEAD + f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    assert _authors('<p>Reviewed by <a href="/author/margaret-james">Margaret James</a></p>', head) == ("The Example Team",)


def test_group_credit_of_the_byline() -> None:
    """A byline that names a group and no person ("Podium Staff", "Team X") credits the group."""
    assert _authors('<p class="authorName">Podium Staff</p>') == ("Podium Staff",)
    assert _authors("<p>By The Meetingnotes Team | 6 mins</p>") == ("The Meetingnotes Team",)
    assert _authors('<div class="author-name">Team SimplyThrilled</div>') == ("Team SimplyThrilled",)


def test_outlet_credit_in_a_by_line_is_no_person() -> None:
    """A "By" line that holds every word of the outlet's name is the outlet's, not a person's."""
    head = HEAD + '<meta property="og:site_name" content="Ovolo Hotels">'
    assert _authors("<h4>By Ovolo Collective Hotels</h4>", head) == ()


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Dylan Bailey, MS, RD, FAND", ["Dylan Bailey, MS, RD, FAND"]),
        ("Michael Greger, M.D. FACLM", ["Michael Greger, M.D. FACLM"]),
        ("Rebecca Lake, CEPF®", ["Rebecca Lake, CEPF®"]),
        ("Jane Doe, CNN", ["Jane Doe"]),  # an outlet's acronym is no credential
        ("Adam Vidler, AP", ["Adam Vidler"]),
        ("MD", []),
    ],
)
def test_credentials_stay_with_the_name(raw: str, names: list[str]) -> None:
    assert split_author_names(raw) == names


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Monika Bolliger und Anna Trechsel, Sweidah", ["Monika Bolliger", "Anna Trechsel", "Sweidah"]),
        ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
        ("Le Figaro et Jean Dupont", ["Le Figaro", "Jean Dupont"]),
        ("Anna E. Berg", ["Anna E. Berg"]),  # an initial is no "e"
    ],
)
def test_and_in_other_languages_splits_names(raw: str, names: list[str]) -> None:
    assert split_author_names(raw) == names


def test_image_credits_and_job_titles_are_not_names() -> None:
    assert split_author_names("Foto: Mads Claus Rasmussen") == []
    assert split_author_names("Photo: Jane Doe") == []
    assert split_author_names("Brett Cruz, Privacy and Digital Security Expert") == ["Brett Cruz"]
    assert split_author_names("Jane Doe and John Roe") == ["Jane Doe", "John Roe"]


def test_job_title_after_a_name_in_a_byline() -> None:
    """A job title run on after a name ("Tech Reporter", "Content Marketing Coordinator", "Trial
    Attorney") is not part of it; a group's name ("The Upwork Team") keeps all its words."""
    assert _authors('<p class="byline">Harry Rabinowitz Tech Reporter</p>') == ("Harry Rabinowitz",)
    assert _authors('<div class="author-card">Written by Meghan Neville Content Marketing Coordinator</div>') == (
        "Meghan Neville",
    )
    assert split_author_names("Justin C. Meserole, Trial Attorney") == ["Justin C. Meserole"]
    assert _authors('<p class="authorName">The Upwork Team</p>') == ("The Upwork Team",)


def test_a_longer_byline_sentence_in_author_markup() -> None:
    """Author markup of up to 120 characters is read ("This post was written by X, <title>")."""
    body = '<div class="author-bio">This post was written by Danielle Padula, Head of Marketing and Community Development</div>'
    assert _authors(body) == ("Danielle Padula",)


def test_an_outlet_crediting_itself_yields_to_a_link_to_an_author_page() -> None:
    """A declared credit that is only the outlet's own name (a CMS default) gives way to the
    person a link to an author page names; with no such link the outlet's credit stands, and a
    declared person is never replaced."""
    site = '<meta property="og:site_name" content="Daily Sun">'
    own = '<meta name="author" content="Daily Sun">'
    link = '<p class="meta">Text: <a href="/author/ada-lovelace/">Ada Lovelace</a></p>'
    assert _authors(link, HEAD + site + own) == ("Ada Lovelace",)
    assert _authors("<p>Text by the newsroom.</p>", HEAD + site + own) == ("Daily Sun",)
    person = '<meta name="author" content="Grace Hopper">'
    assert _authors(link, HEAD + site + person) == ("Grace Hopper",)
    # a link to the outlet's own author page names no one else
    own_link = '<p><a href="/author/daily-sun/">Daily Sun</a></p>'
    assert _authors(own_link, HEAD + site + own) == ("Daily Sun",)


def test_an_outlet_opening_with_the_after_the_names_is_no_author() -> None:
    """"Jane Doe and Jo Roe, The Daily Sun": a newspaper network's byline names the paper after
    its writers; a credit that is that name alone is still read as written."""
    assert split_author_names("Jane Doe and Jo Roe, The Daily Sun") == ["Jane Doe", "Jo Roe"]
    assert split_author_names("Jane Doe, The Daily Sun") == ["Jane Doe"]
    assert split_author_names("The Gardening Journal") == ["The Gardening Journal"]


def test_an_outlet_credit_with_its_address_names_no_one() -> None:
    """"Daily Sun, Frankfurt, Germany" in an author meta tag is the outlet crediting itself with
    its address: its places are no authors, so the byline names the writer; without one, the
    declared credit stands as written (as before)."""
    site = '<meta property="og:site_name" content="Daily Sun">'
    own = '<meta name="author" content="Daily Sun, Frankfurt, Germany">'
    byline = '<p class="byline">By Ada Lovelace</p>'
    assert _authors(byline, HEAD + site + own) == ("Ada Lovelace",)
    # a person next to the outlet in the same tag is still its author
    assert _authors("", HEAD + site + '<meta name="author" content="Grace Hopper, Daily Sun">') == ("Grace Hopper",)


def test_an_organisation_of_any_schema_org_subtype_is_no_person() -> None:
    """A JSON-LD author typed as one of schema.org's Organization subtypes (NewsMediaOrganization,
    NGO, ...) is an organisation: the people a byline names come first, as for Organization."""
    for kind in ("Organization", "NewsMediaOrganization", "NGO"):
        ld = {"@type": "NewsArticle", "headline": "Solar panels explained", "author": {"@type": kind, "name": "Riverside Courier"}}
        head = HEAD + f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        assert _authors('<div class="author-name">Jo Bloggs</div>', head) == ("Jo Bloggs",), kind


def test_a_short_credit_declared_beside_a_person_is_kept() -> None:
    """JSON-LD that declares an agency or a team as an author of its own beside a writer ("AP",
    "Gear Team") credits both; a longer entry that reads as no name (a link's text) is no credit."""

    def declared(*names: str) -> tuple[str, ...]:
        ld = {"@type": "NewsArticle", "headline": "Solar panels explained",
              "author": [{"@type": "Person", "name": n} for n in names]}
        return _authors("", HEAD + f'<script type="application/ld+json">{json.dumps(ld)}</script>')

    assert declared("Jane Doe", "AP") == ("Jane Doe", "AP")
    assert declared("Jane Doe", "By AP") == ("Jane Doe", "AP")
    assert declared("Jane Doe", "Gear Team") == ("Jane Doe", "Gear Team")
    assert declared("Jane Doe", "South Carolina Garden-based Learning Network on Facebook") == ("Jane Doe",)


def test_a_citation_author_tag_is_one_name_last_name_first() -> None:
    """`citation_author` (the Highwire tags scholarly pages declare) holds one author as
    "Last, First": one person, read in the byline's order, not two names."""
    head = HEAD + '<meta name="citation_author" content="Roy, Aniruddha">'
    assert _authors("", head) == ("Aniruddha Roy",)
    head = HEAD + '<meta name="citation_author" content="Ada Lovelace">'
    assert _authors("", head) == ("Ada Lovelace",)


def test_an_avatars_initials_before_the_name_are_not_part_of_it() -> None:
    """A byline whose avatar circle prints the writer's initials before the name ("CM Craig
    McCarthy") names the writer; capitals that are not the name's initials stay."""
    assert _authors('<div class="author-name"><span class="avatar">CM</span> Craig McCarthy</div>') == ("Craig McCarthy",)
    assert _authors('<div class="author-name">JD Vance</div>') == ("JD Vance",)


def test_a_lead_in_ending_in_a_lowercase_word_is_no_name() -> None:
    """"Insights from", "Securitum since": a credit line's lead-in, split off the name after it,
    ends in a lowercase word, which a name never does (its particles stand inside it)."""
    assert split_author_names("Insights from, Liza Burke") == ["Liza Burke"]
    assert split_author_names("Ludwig van Beethoven") == ["Ludwig van Beethoven"]
    assert split_author_names("Securitum since") == []
