"""Main text of a page: trafilatura first, readability-lxml as a second opinion when the first
result looks implausible: it has less than half the words of visible text on the page.

The rule was chosen on the whole dev set and checked on both halves of it: take readability's
text when it has clearly more words (>20 %) while covering at least half of trafilatura's
words (so it is the same text, grown, not another block of the page). Running readability on
every page, or a full second recall-oriented trafilatura run on every page, gained a little more
F1 but cost 30-50 % more CPU; they are left out to stay within 1.3x plain trafilatura.

When trafilatura kept between a half and two thirds of the page's visible words (readability is
not tried there), trafilatura runs once more in recall mode (its fast path, no fallback
comparison: about half the cost of the first run): its text is taken when it is the same text
grown, i.e. it keeps at least 95 % of the first run's words (as a multiset) and has more than
5 % and at most three times as many words. Trafilatura's own recall escalation only fires on
short extractions covering under a fifth of the page; this catches lists, tables and sections
of long pages its balanced mode drops. Chosen on the dev set's halves (body F1 +0.12 / +0.15
points). Also running it where readability was tried and not taken gained 0.14 more but cost
0.08x more CPU (1.25x plain trafilatura instead of 1.17x): left out for the CPU margin.
"""

from __future__ import annotations

import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from lxml_html_clean import Cleaner
from readability import Document
from readability.readability import REGEXES as READABILITY_REGEXES

from newswire.net.charset import decode_headerless
from newswire.regions.inputs import bounded

#: Beyond this many elements trafilatura's fallback comparison grows quadratic: one fast run only.
LARGE_TREE = 6_000
#: Beyond this many elements a page is refused (no news article is this big; a bomb may be).
MAX_ELEMENTS = 60_000
#: trafilatura's recall mode is tried when the page has this many times the words it kept ...
RECALL_TRIGGER = 1.5
#: ... and taken when it keeps this share of them and grows them by this range of factors.
RECALL_KEEP, RECALL_MIN_GROWTH, RECALL_MAX_GROWTH = 0.95, 1.05, 3.0
_WORD = re.compile(r"\w+")
_NOT_SPACE = re.compile(r"\S")
#: Elements of a parsed page, counted in C (a Python walk of every element cost ~0.1 ms).
_COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")
_EXTRACT_OPTS = dict(
    with_metadata=False, include_comments=False, include_tables=True, include_images=False,
    include_links=False, include_formatting=False, deduplicate=False,
)


class NotExtractable(ValueError):
    """The page has no article text to extract (the reason says why)."""


@dataclass(frozen=True)
class BodyChoice:
    """The chosen body text (lines) and which extractor produced it."""

    lines: tuple[str, ...]
    source: str


#: Bytes of a page as text when no headers came with them (`newswire extract` on a file): the
#: declared charset if it decodes, else UTF-8, else detected. Defined in `newswire.net.charset`.
decode_html = decode_headerless


#: HTML comments and processing instructions are left out of the tree: trafilatura drops a
#: comment node together with its tail, i.e. the article text that follows a comment inside a
#: paragraph (it parses a string the same way itself; we hand it our tree).
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
#: Every element is an HtmlElement, chosen in C: lxml.html's own lookup is a Python call per
#: element proxy (millions a page across trafilatura's passes, ~2 ms of a page's ~45) only to
#: give form controls their own classes, which nothing here reads (#25).
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def parse_html(html: str) -> HtmlElement | None:
    """An lxml tree of the page without comments (cut to MAX_HTML_CHARS; NUL bytes removed), or
    None when there is nothing to parse. NotExtractable when it has more than MAX_ELEMENTS
    elements."""
    parsed = parse_sized(html)
    return parsed[0] if parsed is not None else None


def parse_sized(html: str) -> tuple[HtmlElement, int] | None:
    """`parse_html`'s tree and its number of nodes (what `extract_body` needs to know again)."""
    text = bounded(html)
    if _NOT_SPACE.search(text) is None:  # (not `strip()`: that copies the page)
        return None
    try:
        tree = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    if tree is None or not len(tree):
        return None
    size = int(_COUNT_ELEMENTS(tree))
    if size > MAX_ELEMENTS:
        raise NotExtractable(f"page too large: {size} elements (limit {MAX_ELEMENTS})")
    return tree, size


def _words(lines: tuple[str, ...]) -> list[str]:
    return _WORD.findall(" ".join(lines).casefold())


def _lines(text: str | None) -> tuple[str, ...]:
    return tuple(t for t in (" ".join(line.split()) for line in (text or "").split("\n")) if t)


def _trafilatura(tree: HtmlElement, url: str, **opts: bool) -> tuple[str, ...]:
    try:
        doc = trafilatura.bare_extraction(tree, url=url, **_EXTRACT_OPTS, **opts)  # type: ignore[arg-type]
    except (ValueError, TypeError, etree.LxmlError):
        return ()
    if doc is None or isinstance(doc, dict):
        return ()
    return _lines(doc.text)


#: readability-lxml's cleaner (`readability.cleaners.html_cleaner`, same options) without its
#: `javascript` step: that step only rewrites attributes (event handlers, javascript: links) in
#: a Python walk over every element, ~18 % of a readability run, and only the text is read here.
_READABILITY_CLEANER = Cleaner(
    scripts=True, javascript=False, comments=True, style=True, links=True, meta=False, add_nofollow=False,
    page_structure=False, processing_instructions=True, embedded=False, frames=False, forms=False,
    annoying_tags=False, remove_unknown_tags=False, safe_attrs_only=False,  # remove_tags: None, its default
)


class _TreeDocument(Document):  # type: ignore[misc]  # readability-lxml has no type hints
    """readability's Document on a copy of the page's tree, not the page (#25): it would parse
    the string again (and again for its lenient second pass), ~2 ms of a run's ~21, clean it
    with `_READABILITY_CLEANER`'s javascript step, ~4 ms more, and copy the tree once more to
    clean it. `_parse` is readability 0.9's, less those three. The lines it gives are the same
    on every page of both dev sets but one, where the javascript step raised (a control
    character in a `<style>` block) and readability gave nothing."""

    def _parse(self, input: HtmlElement) -> HtmlElement:
        doc = deepcopy(input)
        self.encoding = "utf-8"
        for elem in doc.xpath("//*[@hidden]"):
            elem.drop_tree()
        for elem in doc.xpath("//*[@style]"):
            if READABILITY_REGEXES["displayNoneRe"].search(elem.get("style")):
                elem.drop_tree()
        _READABILITY_CLEANER(doc)  # in place: `clean_html` would copy the copy
        doc.resolve_base_href(handle_failures=self.handle_failures)
        return doc


def _readability(tree: HtmlElement) -> tuple[str, ...]:
    try:
        summary = _TreeDocument(tree).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # noqa: BLE001 - readability raises bare Exceptions on odd pages
        return ()
    lines: list[str] = []
    for el in root.iter("p", "h2", "h3", "h4", "li", "pre", "blockquote", "td"):
        if any(a.tag in ("p", "li", "blockquote", "td") for a in el.iterancestors()):
            continue
        text = " ".join(el.text_content().split())
        if text:
            lines.append(text)
    return tuple(lines)


def _page_words(tree: HtmlElement) -> int:
    """Words of visible text on the page (a cheap bound on how much text it has)."""
    texts = tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]")
    return sum(len(str(t).split()) for t in texts)


def extract_body(tree: HtmlElement, url: str, page_words: int | None = None, size: int | None = None) -> BodyChoice:
    """The page's main text, by the rules in the module docstring (one fast trafilatura run on
    very large pages). `page_words`: the page's visible words when the caller counted them;
    `size`: the tree's nodes when the caller counted them (`parse_sized`: a walk of the whole
    tree, counted once)."""
    if (size if size is not None else sum(1 for _ in tree.iter())) > LARGE_TREE:
        return BodyChoice(_trafilatura(tree, url, fast=True), "trafilatura-fast")
    best = BodyChoice(_trafilatura(tree, url), "trafilatura")
    best_words = _words(best.lines)
    n_best = len(best_words)
    # readability is the costly second opinion: only when the page has much more text than
    # trafilatura kept (one page in seven on the dev set)
    n_words = page_words if page_words is not None else _page_words(tree)
    if n_words > 2 * n_best:
        alt = _readability(tree)
        alt_words = _words(alt)
        chosen = set(best_words)
        if len(alt_words) > 1.2 * n_best and len(chosen & set(alt_words)) >= 0.5 * len(chosen):
            return BodyChoice(alt, "readability")
    elif n_words > RECALL_TRIGGER * n_best:
        recall = _trafilatura(tree, url, favor_recall=True, fast=True)
        if _grown(best_words, _words(recall)):
            best = BodyChoice(recall, "trafilatura-recall")
    return best


def _grown(base: list[str], alt: list[str]) -> bool:
    """Whether `alt` is the text `base` grown: it keeps RECALL_KEEP of base's words (counted
    with repeats) and has more than RECALL_MIN_GROWTH and at most RECALL_MAX_GROWTH times as
    many words (not the whole page instead of the article)."""
    if not base or not RECALL_MIN_GROWTH * len(base) < len(alt) <= RECALL_MAX_GROWTH * len(base):
        return False
    kept = sum((Counter(base) & Counter(alt)).values())
    return kept >= RECALL_KEEP * len(base)
