"""The article's region: a cheap test that a re-checked page still holds the same article.

When an article is extracted, `region_fingerprint` finds the element its body came from: every
line the extractor kept is looked up in the page's text (letters and digits only, in document
order), and the region is the deepest element holding all of them. When that is the whole
`<body>` (a standfirst in the page header, the text in `<main>`), the lines are grouped by the
child of `<body>` (or `<html>`) they lie in, and up to `body_region.MAX_REGIONS` groups are regions of their
own, each the deepest element holding its lines. It records a locator of each region
(`PageFingerprint.region`: steps from the root, or from the nearest ancestor with an id that is
unique on the page; several regions' locators one after another, joined by the step `+`) and
one digest (`region_digest`) of

- each region's tags and text, exactly as parsed (every descendant's text and tail, script and
  style text left out); and
- the page's *verdict inputs* outside the body: what the headline, the byline, the site name and
  the canonical URL are read from (`<title>`, the `<h1>`s, the meta tags that declare them,
  JSON-LD, rel=canonical, byline markup; see `metadata.read_metadata`).

On a re-check, `same_article` parses the page (the same bounded lxml parse as the extraction,
without the extraction), walks the locators and hashes the same things: equal digests mean the
article's text, headline, byline and canonical URL cannot have changed, so the full extraction
is skipped. Anything else (the region not found, a digest that differs, a page too large) means
"extract it": a real change is never missed, only an unchanged page is sometimes extracted again
(a dynamic element inside the article's region, a changing JSON-LD field). No page or site is
special-cased: the locator is whatever the page's own markup gives.

Pure: lxml, the standard library and `newswire.regions.inputs` (what any parser's test reads).
"""

from __future__ import annotations

from functools import partial
from collections.abc import Iterable, Iterator

from lxml import etree
from lxml.html import HtmlElement

from newswire.contracts.fetch import PageFingerprint
from newswire.normaliser.body_region import body_regions
from newswire.normaliser.extract import NotExtractable, parse_html
from newswire.normaliser.locator import locate, locator
from newswire.regions.inputs import NO_TEXT, NOT_BYLINE, REGION_BREAK, byline_marked, declared_input, digest_parts

__all__ = [
    "locate", "locate_regions", "region_digest", "region_fingerprint", "region_locators", "region_text", "same_article",
]

#: Most steps of all locators together (`PageFingerprint.region`'s limit).
_MAX_STEPS = 64
#: The byline markup metadata.py reads authors from (the same XPath, first six).
_BYLINE = (
    '//*[@rel="author" or @itemprop="author" or contains(@class, "byline") or '
    'contains(@class, "author")][not(self::meta or self::script or self::style or self::body)]'
    '[not(ancestor-or-self::*[contains(@class, "comment") or contains(@id, "comment")])]'
)
_JSONLD = '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'
_CANONICAL = '//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href'


# -- the region's text and the verdict inputs -------------------------------------------------


def _region_parts(region: HtmlElement) -> Iterator[str]:
    """The region's tags and text in document order (its own tail is not part of it)."""
    for event, el in etree.iterwalk(region, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else "#"
        if event == "start":
            yield "<" + tag
            if el.text and tag not in NO_TEXT:
                yield el.text
        else:
            yield ">"
            if el is not region and el.tail:
                yield el.tail


#: The elements `_BYLINE`'s first predicate may hold for, in document order. Found through their
#: attributes in C and tested in Python (`_is_byline`): a Python test of every element cost a
#: re-check ~0.3 ms more (of ~4 ms), and `_BYLINE` itself, with its ancestor test, more still.
_BYLINE_CANDIDATES = etree.XPath(
    '//@class[contains(., "byline") or contains(., "author")]/.. | //@rel[. = "author"]/.. | '
    '//@itemprop[. = "author"]/..'
)
#: The tags of the other verdict inputs (`lxml`'s tag filter walks in C).
_VERDICT_TAGS = ("h1", "meta", "script", "link")


def _verdict_parts(tree: HtmlElement) -> Iterator[str]:
    """What the headline, byline, site name and canonical URL are read from, outside the body:
    `<title>`, the first five `<h1>`s, the verdict meta tags, JSON-LD, rel=canonical and the
    first six byline elements (`_BYLINE`), in document order within each kind. The tests are the
    XPaths' (`_JSONLD`, `_CANONICAL`, `_BYLINE`), written out; their `//` is the whole document,
    which may hold more than one top-level element (two pages glued together)."""
    h1s: list[HtmlElement] = []
    metas: list[str] = []
    scripts: list[str] = []
    hrefs: list[str] = []
    declared = {"meta": metas, "script": scripts, "link": hrefs}
    for top in tree.xpath("/*"):
        for el in top.iter(*_VERDICT_TAGS):
            if el.tag == "h1":
                h1s.append(el)
            elif (part := declared_input(el.tag, el.get, partial(getattr, el, "text"))) is not None:
                declared[el.tag].append(part)
    bylines: list[HtmlElement] = []
    for el in _BYLINE_CANDIDATES(tree):
        if el.tag not in NOT_BYLINE and _is_byline(el):
            bylines.append(el)
            if len(bylines) == 6:
                break
    yield "title:" + (tree.findtext(".//title") or "")
    for h1 in h1s[:5]:
        yield "h1:" + "".join(h1.itertext())
    yield from metas
    yield from scripts
    yield from hrefs
    for el in bylines:
        yield "byline:" + "".join(el.itertext())


def _is_byline(el: HtmlElement) -> bool:
    """`_BYLINE`'s predicates on an element (other than its tag): marked as the author's or a
    byline, and not inside a comment (nor one itself)."""
    if not byline_marked(el.get("rel"), el.get("itemprop"), el.get("class")):
        return False
    node: HtmlElement | None = el
    while node is not None:
        if "comment" in (node.get("class") or "") or "comment" in (node.get("id") or ""):
            return False
        node = node.getparent()
    return True


def region_text(regions: list[HtmlElement]) -> str:
    """The regions' text (every descendant's text and tail, script and style text left out), as
    the digest reads it: what a tree of another parser must hold in its regions too."""
    parts: list[str] = []
    for region in regions:
        for event, el in etree.iterwalk(region, events=("start", "end")):
            if event == "start":
                if el.text and isinstance(el.tag, str) and el.tag not in NO_TEXT:
                    parts.append(el.text)
            elif el is not region and el.tail:
                parts.append(el.tail)
    return "".join(parts)


def region_digest(tree: HtmlElement, regions: list[HtmlElement]) -> str:
    """The digest of the regions' tags and text and of the page's verdict inputs (of one region:
    the same digest as always, so fingerprints recorded before several regions still match)."""
    parts: list[str] = []
    for n, one in enumerate(regions):
        if n:
            parts.append("\x02")
        parts.extend(_region_parts(one))
    return digest_parts([*parts, "\x00", *_verdict_parts(tree)])


# -- the two entry points -----------------------------------------------------------------------


def region_locators(tree: HtmlElement, lines: Iterable[str]) -> tuple[tuple[str, ...], list[HtmlElement]] | None:
    """The body's regions on the extraction's tree (`lines`: the extractor's body lines, before
    any cleanup) and their locators, joined by REGION_BREAK. None when the regions cannot be told
    (a line not found as text), the body is spread over more than `MAX_REGIONS` parts of the page,
    or a locator does not find its region again."""
    regions = body_regions(tree, lines)
    if not regions:
        return None
    steps: list[str] = []
    for region in regions:
        one = locator(tree, region)
        if not one or locate(tree, one) is not region:
            return None
        steps.extend([REGION_BREAK, *one] if steps else one)
    if len(steps) > _MAX_STEPS:
        return None
    return tuple(steps), regions


def region_fingerprint(
    tree: HtmlElement, lines: Iterable[str], body_digest: str | None = None
) -> PageFingerprint | None:
    """The fingerprint of an extracted page on lxml's tree (`region_locators`, and the digest of
    the regions and the verdict inputs); `body_digest` the fetcher's digest of the raw body. None
    when the regions cannot be told."""
    found = region_locators(tree, lines)
    if found is None:
        return None
    steps, regions = found
    return PageFingerprint(body_digest=body_digest, region=steps, region_digest=region_digest(tree, regions))


def locate_regions(tree: HtmlElement, steps: tuple[str, ...]) -> list[HtmlElement] | None:
    """The elements a fingerprint's locators (joined by REGION_BREAK) point at, or None when one
    is not found."""
    found: list[HtmlElement] = []
    start = 0
    for end in [*(i for i, step in enumerate(steps) if step == REGION_BREAK), len(steps)]:
        region = locate(tree, steps[start:end])
        if region is None:
            return None
        found.append(region)
        start = end + 1
    return found


def same_article(html: str, fingerprint: PageFingerprint) -> bool:
    """Whether a re-checked page certainly holds the article `fingerprint` was taken from: its
    region is found and its digest (with the verdict inputs) is equal. False whenever in doubt."""
    if not fingerprint.region or fingerprint.region_digest is None:
        return False
    try:
        tree = parse_html(html)
    except NotExtractable:
        return False
    if tree is None:
        return False
    regions = locate_regions(tree, fingerprint.region)
    return regions is not None and region_digest(tree, regions) == fingerprint.region_digest
