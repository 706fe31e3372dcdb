"""Where an extracted body came from on the page: the elements holding its lines (`body_regions`),
for the re-check fingerprint (`fingerprint`). Split from `fingerprint.py`: finding the regions
changes with how extractors rewrite text; the digest with what counts as the same article.

Every line the extractor kept is looked up in the page's text (letters and digits only, in
document order; word by word within a short span when the extractor left a bit out of the middle
of a line), and the region is the deepest element holding all of them; when that is the whole
`<body>`, up to `MAX_REGIONS` regions, one per child of `<body>` holding lines.

Pure: lxml and the standard library.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from newswire.regions.inputs import NO_TEXT

__all__ = ["MAX_REGIONS", "body_regions"]

#: A region that is the whole document says nothing: no fingerprint is recorded then.
_TOO_WIDE = frozenset({"html", "body"})
#: Most regions one fingerprint holds (a body spread over more parts of the page has none).
MAX_REGIONS = 3
_NOT_WORD = re.compile(r"\W+")
#: The ASCII characters `_NOT_WORD` matches: all but letters, digits and "_".
_ASCII_NOT_WORD = bytes(b for b in range(128) if not (chr(b).isalnum() or chr(b) == "_"))


def _text_index(tree: HtmlElement) -> tuple[str, list[int], list[HtmlElement]]:
    """The text of the page's body as one string of letters and digits, with where each piece
    starts and the element holding it (an element's text belongs to it, its tail to its
    parent)."""
    keys: list[str] = []
    starts: list[int] = []
    owners: list[HtmlElement] = []
    at = 0
    root = tree.find("body")
    for event, el in etree.iterwalk(tree if root is None else root, events=("start", "end")):
        start = event == "start"
        if start:
            text = el.text if isinstance(el.tag, str) and el.tag not in NO_TEXT else None
        else:
            text = el.tail
        # most text nodes are whitespace between tags (no key) and most text is ASCII: deleting
        # its non-word bytes is the same as the regex, and cheaper
        if not text or text.isspace():
            continue
        key = (
            text.encode("ascii").translate(None, _ASCII_NOT_WORD).decode("ascii") if text.isascii()
            else _NOT_WORD.sub("", text)
        )
        if not key:
            continue
        owner = el if start else el.getparent()
        if owner is None:
            continue
        keys.append(key)
        starts.append(at)
        owners.append(owner)
        at += len(key)
    return "".join(keys), starts, owners


def _lowest_common(elements: Iterable[HtmlElement]) -> HtmlElement | None:
    path: list[HtmlElement] = []  # the current common element and its ancestors, deepest first
    on_path: dict[int, int] = {}  # id of each element on `path` -> its index (rebuilt when it changes)
    for el in elements:
        if not path:
            path = [el, *el.iterancestors()]
            on_path = {id(p): i for i, p in enumerate(path)}
            continue
        if el is path[0]:
            continue
        node: HtmlElement | None = el
        while node is not None and id(node) not in on_path:
            node = node.getparent()
        if node is None:
            return None
        if (at := on_path[id(node)]) > 0:
            path = path[at:]
            on_path = {id(p): i for i, p in enumerate(path)}
    return path[0] if path else None


def body_regions(tree: HtmlElement, lines: Iterable[str]) -> list[HtmlElement] | None:
    """The deepest element holding every line of the extracted body, each found in the page's
    text (letters and digits only) after the previous one where possible; when that is the whole
    `<body>` or `<html>`: the deepest element holding the lines of each child of it that holds
    some, in document order, if there are at most MAX_REGIONS. None when a line is not on the
    page as text (an extractor's rewriting), there are no lines, or the body is spread over more
    parts."""
    found = _line_owners(tree, lines)
    common = _lowest_common(found) if found else None
    if found is None or common is None:
        return None
    if common.tag not in _TOO_WIDE:
        return [common]
    # (part, its owners): the list keeps each part's element proxy alive, so `is` tells them
    # apart (lxml may give a freed proxy's id to another element's)
    groups: list[tuple[HtmlElement, list[HtmlElement]]] = []
    for owner in found:
        if owner is common:  # text directly in <body>: no narrower part holds it
            return None
        top = owner
        while (parent := top.getparent()) is not None and parent is not common:
            top = parent
        group = next((g for g in groups if g[0] is top), None)
        if group is None:
            if len(groups) == MAX_REGIONS:
                return None
            group = (top, [])
            groups.append(group)
        group[1].append(owner)
    regions = [_lowest_common(owners) for _, owners in groups]
    if any(r is None or r.tag in _TOO_WIDE for r in regions):
        return None
    return [r for r in regions if r is not None]


def _line_owners(tree: HtmlElement, lines: Iterable[str]) -> list[HtmlElement] | None:
    """The elements holding each line's text, line after line (see `body_regions`); None when a
    line is not found."""
    text, starts, owners = _text_index(tree)
    found: list[HtmlElement] = []
    cursor = 0
    for line in lines:
        key = _NOT_WORD.sub("", line)
        if not key:
            continue
        span = _find_line(text, line, key, cursor)
        if span is None:
            return None
        pos, end = span
        first = bisect_right(starts, pos) - 1
        last = bisect_right(starts, end - 1) - 1
        found.extend(owners[first:last + 1])
        cursor = end
    return found


#: A line found word by word may spread over at most this many times its own length (plus slack).
_SCATTER = 2
_SCATTER_SLACK = 200
_SCATTER_TRIES = 20


def _find_line(text: str, line: str, key: str, cursor: int) -> tuple[int, int] | None:
    """Where a body line is in the page's text: whole (after `cursor` where possible), or else
    word by word in order within a short span, as when the extractor left out a bit in the middle
    of a line (a footnote mark, a link's text, a table cell). Every word of the line is then
    inside the span, so the region's digest still covers the whole line."""
    pos = text.find(key, cursor)
    if pos < 0:
        pos = text.find(key)
    if pos >= 0:
        return pos, pos + len(key)
    words = [w for w in (_NOT_WORD.sub("", w) for w in line.split()) if w]
    if len(words) < 2:
        return None
    limit = _SCATTER * len(key) + _SCATTER_SLACK
    for origin in (cursor, 0):
        start = text.find(words[0], origin)
        for _ in range(_SCATTER_TRIES):
            if start < 0:
                break
            end = start + len(words[0])
            for word in words[1:]:
                at = text.find(word, end, start + limit)
                if at < 0:
                    break
                end = at + len(word)
            else:
                return start, end
            start = text.find(words[0], start + 1)
    return None
