"""The re-check's region test on lexbor: taken where lexbor's tree holds the region with lxml's
text, lxml's kept elsewhere; either way a change of the article is never missed.
(tests/unit/normaliser/test_fingerprint.py runs the region tests on both kinds.)"""

from __future__ import annotations

from newswire.normaliser.extract import parse_html
from newswire.normaliser.fastcheck import same_article
from newswire.normaliser.fingerprint import locate_regions, region_digest
from newswire.normaliser.logic import extract_with_fingerprint
from newswire.regions.lexbor import MAX_TAGS
from tests.unit.normaliser.test_fingerprint import BODY, URL, one_word, page

PARAGRAPHS = "".join(f"<p>{p}</p>" for p in BODY)


def story(inner: str, head: str = "") -> str:
    return (
        f"<html><head><title>Harbour reopens</title>{head}</head><body><nav>Home World</nav><main>"
        f"<article class='story'><h1>Harbour reopens</h1>{inner}</article></main>"
        "<aside>Most read: Council votes on budget</aside></body></html>"
    )


def test_lexbor_takes_the_region_where_its_tree_agrees() -> None:
    html = page()
    ex, fp = extract_with_fingerprint(html, URL)
    assert ex is not None and fp is not None and fp.region_parser == "lexbor"
    tree = parse_html(html)
    regions = locate_regions(tree, fp.region) if tree is not None else None
    assert tree is not None and regions is not None  # the same locators, on lxml's tree
    lxml_digest = region_digest(tree, regions)
    assert lxml_digest != fp.region_digest  # a digest of lexbor's own reading
    lxml_fp = fp.model_copy(update={"region_parser": "lxml", "region_digest": lxml_digest})
    assert same_article(html, fp) and same_article(html, lxml_fp)


def test_where_the_trees_differ_the_lxml_fingerprint_stays() -> None:
    """Text inside a table but outside its cells: lexbor moves it before the table (HTML's
    foster parenting), lxml keeps it in place; the regions' texts differ, so lxml's is kept."""
    html = story(f"<table><tr><td>{PARAGRAPHS}</td></tr>Stray words in a table</table>")
    ex, fp = extract_with_fingerprint(html, URL)
    assert ex is not None and fp is not None and fp.region and fp.region_parser == "lxml"
    assert same_article(html.replace("Most read: Council votes", "Most read: Rail fares"), fp)
    edited = html.replace(BODY[2], one_word(BODY, 2, "last", "final")[2])
    assert not same_article(edited, fp)


def test_a_page_with_more_tags_than_lexbor_takes_keeps_the_lxml_fingerprint() -> None:
    """lexbor parses deep nests in quadratic time, so a page with more than `MAX_TAGS` tags is
    not parsed by it: its fingerprint is lxml's, and lxml's test still tells the article."""
    html = story(PARAGRAPHS).replace("</main>", "</main><footer>" + "<span>·</span>" * (MAX_TAGS // 2) + "</footer>")
    ex, fp = extract_with_fingerprint(html, URL)
    assert ex is not None and fp is not None and fp.region and fp.region_parser == "lxml"
    assert same_article(html.replace("Most read: Council votes", "Most read: Rail fares"), fp)
    assert not same_article(html.replace(BODY[2], one_word(BODY, 2, "last", "final")[2]), fp)


def test_json_ld_inside_the_region_counts_and_a_script_token_does_not() -> None:
    """The verdict inputs are read before the region's scripts are left out of its text: a
    JSON-LD headline inside the article still counts; a script's token there does not."""
    def with_scripts(headline: str, token: str) -> str:
        ld = f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{headline}"}}</script>'
        return story(f'{ld}<script>window.t = "{token}";</script>{PARAGRAPHS}')

    html = with_scripts("Harbour reopens", "abc")
    ex, fp = extract_with_fingerprint(html, URL)
    assert ex is not None and fp is not None and fp.region_parser == "lexbor"
    assert same_article(with_scripts("Harbour reopens", "xyz-123"), fp)
    assert not same_article(with_scripts("Harbour reopens after repairs", "abc"), fp)


def test_a_paragraph_split_in_two_is_a_change() -> None:
    """The region's text nodes are hashed with a break between them: the same words in two
    paragraphs instead of one are not the same article text."""
    html = story(PARAGRAPHS)
    ex, fp = extract_with_fingerprint(html, URL)
    assert ex is not None and fp is not None and fp.region_parser == "lexbor"
    first = BODY[0]
    cut = first.index(", the port")
    split = html.replace(f"<p>{first}</p>", f"<p>{first[:cut]}</p><p>{first[cut:]}</p>")
    assert not same_article(split, fp)
