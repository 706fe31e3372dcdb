"""The re-check's region test on lexbor (selectolax), lxml's (`fingerprint`) where lexbor's tree
does not agree: the same question, "does this page still hold the same article?", for less than
half the CPU.

A re-check that finds its article unchanged costs the normaliser one region test, and most
re-checks do (issue #20): the test is most of the stage's steady-state work. lxml's parse and the
Python walks over its tree took ~2.9 ms of a test (median, dev pages); lexbor parses about twice
as fast and gives a region's text and the verdict inputs from C, ~1.1 ms in all (a whole
re-check page through `logic.unchanged_region`, walls included: 3.7 -> 1.64 ms, bench/rechecks.py).

Recording (`fingerprint_page`): the regions are found on the extraction's lxml tree
(`fingerprint.region_locators`); then the page is parsed by lexbor, the same locators are walked
on its tree, and when its regions hold exactly the text of lxml's (whitespace left out), the
fingerprint is lexbor's: `region_parser="lexbor"`, and `region_digest` is the digest of the
regions' text nodes (a break between two nodes, so a paragraph split or merged shows; script and
style text left out) and of the page's verdict inputs read from lexbor's tree (`fingerprint`'s
rules: the title, the first five h1s, the `VERDICT_META` tags, JSON-LD, rel=canonical, the first
six byline elements). Where the two parsers build different trees around the article (text
foster-parented out of a table, `<template>`: 2% of the fingerprinted dev pages), the digest is
lxml's (`fingerprint.region_digest`), so no page loses its fast path.

Checking (`same_article`): by the fingerprint's parser. Anything not found, or a digest that
differs, is "extract it", as with lxml: a real change is never missed.

Pure: selectolax, lxml (through `fingerprint`) and the standard library.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswire.contracts.fetch import PageFingerprint
from newswire.normaliser import fingerprint as lxml_region
from newswire.normaliser.extract import bounded
from newswire.normaliser.body_region import NO_TEXT
from newswire.normaliser.fingerprint import NOT_BYLINE, REGION_BREAK, byline_marked, declared_input, digest_parts
from newswire.normaliser.locator import STEP_MAX, follow

__all__ = ["fingerprint_page", "same_article"]

#: Every element the verdict inputs may come from, in document order (one walk, in C); the tests
#: proper are `_verdict_parts`' below.
_VERDICT = (
    "title, h1, meta[content], script[type], link[rel][href], [rel], [itemprop], "
    "[class*=byline], [class*=author]"
)
#: Text between two text nodes of a region: a paragraph split in two, or two merged, changes it.
_NODE_BREAK = "\x1e"


# -- the lexbor tree ------------------------------------------------------------------------------


def _parse(html: str) -> LexborHTMLParser | None:
    """lexbor's tree of the page (`extract.bounded`, as lxml's), or None."""
    try:
        return LexborHTMLParser(bounded(html))
    except (ValueError, RuntimeError):  # selectolax raises these for input it cannot take
        return None


def _children(node: LexborNode) -> Iterator[LexborNode]:
    return (c for c in node.iter() if c.tag is not None and c.tag[0] != "-")  # not text, comments


def _signature(node: LexborNode) -> str:
    classes = ".".join((node.attributes.get("class") or "").split())
    return ((node.tag or "") + ("." + classes if classes else ""))[:STEP_MAX]


def _locate(tree: LexborHTMLParser, steps: list[str]) -> LexborNode | None:
    """`locator.locate` on lexbor's tree: the same steps, the same element where both parsers
    build the same structure around it."""
    node = tree.root
    if not steps or node is None:
        return None
    rest = steps
    if steps[0].startswith("#"):
        ident = steps[0][1:]
        found = [n for n in tree.css("[id]") if n.attributes.get("id") == ident]
        if len(found) != 1:
            return None
        node, rest = found[0], steps[1:]
    return follow(node, rest, _children, _signature)


def _regions(tree: LexborHTMLParser, steps: tuple[str, ...]) -> list[LexborNode] | None:
    found: list[LexborNode] = []
    one: list[str] = []
    for step in (*steps, REGION_BREAK):
        if step != REGION_BREAK:
            one.append(step)
            continue
        region = _locate(tree, one)
        if region is None:
            return None
        found.append(region)
        one = []
    return found


def _texts(regions: list[LexborNode]) -> list[str]:
    """Each region's text nodes joined by `_NODE_BREAK`, script and style text left out (those
    elements are removed from the tree: it is this test's own)."""
    out = []
    for region in regions:
        region.strip_tags(list(NO_TEXT), recursive=True)
        out.append(region.text(deep=True, separator=_NODE_BREAK))
    return out


def _is_byline(node: LexborNode) -> bool:
    """`fingerprint._is_byline` on a lexbor node: marked as the author's or a byline, and not
    inside a comment (nor one itself)."""
    attrs = node.attributes
    if not byline_marked(attrs.get("rel"), attrs.get("itemprop"), attrs.get("class")):
        return False
    at: LexborNode | None = node
    while at is not None and at.tag not in (None, "-document"):
        a = at.attributes
        if "comment" in (a.get("class") or "") or "comment" in (a.get("id") or ""):
            return False
        at = at.parent
    return True


def _verdict_parts(tree: LexborHTMLParser) -> Iterator[str]:
    """`fingerprint._verdict_parts` read from lexbor's tree: the first `<title>`, the first five
    `<h1>`s, the verdict meta tags, JSON-LD, rel=canonical and the first six byline elements."""
    title: str | None = None
    h1s: list[str] = []
    metas: list[str] = []
    scripts: list[str] = []
    hrefs: list[str] = []
    bylines: list[str] = []
    declared = {"meta": metas, "script": scripts, "link": hrefs}
    for node in tree.css(_VERDICT):
        tag = node.tag
        if tag == "title":
            if title is None:
                title = node.text(deep=True)
        elif tag == "h1":
            if len(h1s) < 5:
                h1s.append("h1:" + node.text(deep=True))
        elif tag in declared:
            part = declared_input(tag, node.attributes.get, node.text)  # text(deep=True)
            if part is not None:
                declared[tag].append(part)
        if len(bylines) < 6 and tag not in NOT_BYLINE and _is_byline(node):
            bylines.append("byline:" + node.text(deep=True))
    yield "title:" + (title or "")
    yield from h1s
    yield from metas
    yield from scripts
    yield from hrefs
    yield from bylines


def _unspaced(text: str) -> str:
    """The text without its whitespace (which the two parsers keep differently: line ends,
    whitespace-only nodes)."""
    return "".join(text.split())


def _read(tree: LexborHTMLParser, regions: list[LexborNode]) -> tuple[list[str], str]:
    """The regions' texts (`_texts`) and the digest of them and of the page's verdict inputs (read
    first: `_texts` removes the regions' scripts, JSON-LD among them)."""
    verdict = list(_verdict_parts(tree))
    texts = _texts(regions)
    return texts, digest_parts(["lexbor", "\x02".join(texts), "\x00", *verdict])


# -- the two entry points -------------------------------------------------------------------------


def fingerprint_page(
    tree: HtmlElement, html: str, lines: tuple[str, ...], body_digest: str | None = None
) -> PageFingerprint | None:
    """The page's fingerprint: the regions found on the extraction's lxml `tree`
    (`fingerprint.region_locators`), digested on lexbor's tree of `html` when that tree's regions
    hold the same text, else on lxml's (see the module docstring)."""
    found = lxml_region.region_locators(tree, lines)
    if found is None:
        return None
    steps, regions = found
    lex = _parse(html)
    lex_regions = _regions(lex, steps) if lex is not None else None
    if lex is not None and lex_regions is not None:
        texts, digest = _read(lex, lex_regions)
        if _unspaced(lxml_region.region_text(regions)) == _unspaced("".join(texts).replace(_NODE_BREAK, "")):
            return PageFingerprint(body_digest=body_digest, region=steps, region_digest=digest, region_parser="lexbor")
    return PageFingerprint(body_digest=body_digest, region=steps, region_digest=lxml_region.region_digest(tree, regions))


def same_article(html: str, fingerprint: PageFingerprint) -> bool:
    """Whether a re-checked page certainly holds the article `fingerprint` was taken from, tested
    on the tree of the fingerprint's parser. False whenever in doubt."""
    if fingerprint.region_parser != "lexbor":
        return lxml_region.same_article(html, fingerprint)
    if not fingerprint.region or fingerprint.region_digest is None:
        return False
    tree = _parse(html)
    regions = _regions(tree, fingerprint.region) if tree is not None else None
    if tree is None or regions is None:
        return False
    return _read(tree, regions)[1] == fingerprint.region_digest
