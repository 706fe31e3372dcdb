"""The re-check's region test: recording the fingerprint on lexbor's tree where it agrees with
lxml's, and testing a re-checked page by the fingerprint's parser.

A re-check that finds its article unchanged costs one region test, and most re-checks do (issue
#20). lxml's parse and the Python walks over its tree took ~2.9 ms of a test (median, dev pages);
lexbor parses about twice as fast and gives a region's text and the verdict inputs from C, ~1.1 ms
in all (`newswire.regions.lexbor`, shared with the fetcher, which answers most re-checks with it
before a page is passed on).

Recording (`fingerprint_page`): the regions are found on the extraction's lxml tree
(`fingerprint.region_locators`); then the page is parsed by lexbor, the same locators are walked
on its tree, and when its regions hold exactly the text of lxml's (whitespace left out), the
fingerprint is lexbor's: `region_parser="lexbor"`, `region_digest` from `regions.lexbor.read`.
Where the two parsers build different trees around the article (text foster-parented out of a
table, `<template>`: 2% of the fingerprinted dev pages), the digest is lxml's
(`fingerprint.region_digest`), so no page loses its fast path.

Checking (`same_article`): by the fingerprint's parser. Anything not found, or a digest that
differs, is "extract it", as with lxml: a real change is never missed.

Pure: selectolax, lxml (through `fingerprint`) and the standard library.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from newswire.contracts.fetch import PageFingerprint
from newswire.normaliser import fingerprint as lxml_region
from newswire.regions import lexbor

__all__ = ["fingerprint_page", "same_article"]


def _unspaced(text: str) -> str:
    """The text without its whitespace (which the two parsers keep differently: line ends,
    whitespace-only nodes)."""
    return "".join(text.split())


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
    lex = lexbor.parse(html)
    lex_regions = lexbor.locate_regions(lex, steps) if lex is not None else None
    if lex is not None and lex_regions is not None:
        texts, digest = lexbor.read(lex, lex_regions)
        if _unspaced(lxml_region.region_text(regions)) == _unspaced("".join(texts).replace(lexbor.NODE_BREAK, "")):
            return PageFingerprint(body_digest=body_digest, region=steps, region_digest=digest, region_parser="lexbor")
    return PageFingerprint(body_digest=body_digest, region=steps, region_digest=lxml_region.region_digest(tree, regions))


def same_article(html: str, fingerprint: PageFingerprint) -> bool:
    """Whether a re-checked page certainly holds the article `fingerprint` was taken from, tested
    on the tree of the fingerprint's parser. False whenever in doubt."""
    if fingerprint.region_parser == "lexbor":
        return lexbor.same_region(html, fingerprint)
    return lxml_region.same_article(html, fingerprint)
