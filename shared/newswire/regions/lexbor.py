"""The region test on lexbor's tree (selectolax): a fingerprint with `region_parser="lexbor"` holds
the locators of the article's regions and the digest of their text nodes (a break between two
nodes, so a paragraph split or merged shows; script and style text left out) and of the page's
verdict inputs (`inputs`: the title, the first five h1s, the `VERDICT_META` tags, JSON-LD,
rel=canonical, the first six byline elements not inside a comment).

lexbor parses about twice as fast as lxml and gives a region's text and the verdict inputs from C:
~1.1 ms a test (median, dev pages; bench/rechecks.py). The normaliser records the fingerprint
(`newswire.normaliser.fastcheck`: the regions found on the extraction's lxml tree, digested here
when lexbor's tree holds the same text in them); `same_region` tests a re-checked page against it,
in the fetcher before the page is passed on, and in the normaliser for what comes through. A
region not found or a digest that differs is "extract it": a real change is never missed.

Pure: selectolax and the standard library."""

from __future__ import annotations

from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newswire.contracts.fetch import PageFingerprint
from newswire.regions.inputs import (
    NO_TEXT, NOT_BYLINE, REGION_BREAK, STEP_MAX, bounded, byline_marked, declared_input, digest_parts, follow,
)

__all__ = ["MAX_TAGS", "NODE_BREAK", "locate_regions", "parse", "read", "region_digest", "same_region"]

#: Every element the verdict inputs may come from, in document order (one walk, in C); the tests
#: proper are `_verdict_parts`' below.
_VERDICT = (
    "title, h1, meta[content], script[type], link[rel][href], [rel], [itemprop], "
    "[class*=byline], [class*=author]"
)
#: Text between two text nodes of a region: a paragraph split in two, or two merged, changes it.
NODE_BREAK = "\x1e"
#: Most '<' a page may hold to be parsed by lexbor. lexbor has no nesting limit (lxml's parser
#: stops at 256 levels, browsers' at ~512), and the HTML rules make each block-level start tag
#: look through the stack of open elements for a `<p>` to close: N nested `<div>`s cost O(N²)
#: (40,000 of them, 200 KB: 3.5 s; a 3 MB page of them: hours, on the stage's event loop). At
#: this bound a nest of them parses in ~0.2 s; the dev pages hold at most 9,770 (99th
#: percentile 6,307, median 1,597). A page over it has no lexbor test: the fingerprint is
#: lxml's, and a re-check of it goes to the normaliser's lxml test.
MAX_TAGS = 15_000


def parse(html: str) -> LexborHTMLParser | None:
    """lexbor's tree of the page (`inputs.bounded`, as lxml's), or None (a page over `MAX_TAGS`,
    or one lexbor refuses)."""
    text = bounded(html)
    if text.count("<") > MAX_TAGS:
        return None
    try:
        return LexborHTMLParser(text)
    except (ValueError, RuntimeError):  # selectolax raises these for input it cannot take
        return None


def _children(node: LexborNode) -> Iterator[LexborNode]:
    return (c for c in node.iter() if c.tag is not None and c.tag[0] != "-")  # not text, comments


def _signature(node: LexborNode) -> str:
    classes = ".".join((node.attributes.get("class") or "").split())
    return ((node.tag or "") + ("." + classes if classes else ""))[:STEP_MAX]


def _locate(tree: LexborHTMLParser, steps: list[str]) -> LexborNode | None:
    """A locator's element: from the element with the first step's id ('#id', unique on the
    page) or from the root, then 'signature:n' steps (the normaliser's `locator.locate`, on this
    tree)."""
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


def locate_regions(tree: LexborHTMLParser, steps: tuple[str, ...]) -> list[LexborNode] | None:
    """The elements a fingerprint's locators (joined by REGION_BREAK) point at, or None when one
    is not found."""
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
    """Each region's text nodes joined by `NODE_BREAK`, script and style text left out (those
    elements are removed from the tree: it is this test's own)."""
    out = []
    for region in regions:
        region.strip_tags(list(NO_TEXT), recursive=True)
        out.append(region.text(deep=True, separator=NODE_BREAK))
    return out


def _is_byline(node: LexborNode, in_comment: dict[int, bool]) -> bool:
    """Marked as the author's or a byline, and not inside a comment (nor one itself).
    `in_comment` remembers each ancestor's answer for the page's walk: lexbor's tree has no depth
    limit (lxml's stops at 256), and a walk up from every marked element of a deep nest of them
    was quadratic (10,000 nested `<div class="author">`, 270 KB, took 14 s)."""
    attrs = node.attributes
    if not byline_marked(attrs.get("rel"), attrs.get("itemprop"), attrs.get("class")):
        return False
    path: list[int] = []
    at: LexborNode | None = node
    inside = False
    while at is not None and at.tag not in (None, "-document"):
        key = at.mem_id
        if key in in_comment:
            inside = in_comment[key]
            break
        path.append(key)
        a = at.attributes
        if "comment" in (a.get("class") or "") or "comment" in (a.get("id") or ""):
            inside = True
            break
        at = at.parent
    for key in path:
        in_comment[key] = inside
    return not inside


def _verdict_parts(tree: LexborHTMLParser) -> Iterator[str]:
    """The page's verdict inputs: the first `<title>`, the first five `<h1>`s, the verdict meta
    tags, JSON-LD, rel=canonical and the first six byline elements."""
    title: str | None = None
    h1s: list[str] = []
    metas: list[str] = []
    scripts: list[str] = []
    hrefs: list[str] = []
    bylines: list[str] = []
    declared = {"meta": metas, "script": scripts, "link": hrefs}
    in_comment: dict[int, bool] = {}
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
        if len(bylines) < 6 and tag not in NOT_BYLINE and _is_byline(node, in_comment):
            bylines.append("byline:" + node.text(deep=True))
    yield "title:" + (title or "")
    yield from h1s
    yield from metas
    yield from scripts
    yield from hrefs
    yield from bylines


def read(tree: LexborHTMLParser, regions: list[LexborNode]) -> tuple[list[str], str]:
    """The regions' texts (`_texts`) and the digest of them and of the page's verdict inputs (read
    first: `_texts` removes the regions' scripts, JSON-LD among them)."""
    verdict = list(_verdict_parts(tree))
    texts = _texts(regions)
    return texts, digest_parts(["lexbor", "\x02".join(texts), "\x00", *verdict])


def region_digest(html: str, steps: tuple[str, ...]) -> str | None:
    """The lexbor digest of the page's regions at `steps` and of its verdict inputs, or None when
    the page cannot be parsed or a region is not found."""
    tree = parse(html)
    regions = locate_regions(tree, steps) if tree is not None and steps else None
    if tree is None or regions is None:
        return None
    return read(tree, regions)[1]


def same_region(html: str, fingerprint: PageFingerprint) -> bool:
    """Whether a re-checked page certainly holds the article a lexbor `fingerprint` was taken from.
    False whenever in doubt, and for a fingerprint of another parser (not this test's to tell)."""
    if fingerprint.region_parser != "lexbor" or not fingerprint.region or fingerprint.region_digest is None:
        return False
    return region_digest(html, fingerprint.region) == fingerprint.region_digest
