"""Locators: the steps to one element of a page, that find the same element on the page as it
is served again (other ads, another "most read" list, a new token) and none when the page's
structure around it changed.

A locator starts at the nearest ancestor-or-self with an id unique on the page ('#id'), else
at the root; each further step is 'signature:n', the n-th child element with that tag and
class attribute (`newswire.regions.inputs.follow` walks them on any parser's tree). Pure: lxml
only.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml.html import HtmlElement

from newswire.regions.inputs import STEP_MAX, follow

__all__ = ["locate", "locator"]


def _signature(el: HtmlElement) -> str:
    classes = ".".join((el.get("class") or "").split())
    tag = el.tag if isinstance(el.tag, str) else "#"
    return (tag + ("." + classes if classes else ""))[:STEP_MAX]


def _element_children(el: HtmlElement) -> Iterator[HtmlElement]:
    return (c for c in el if isinstance(c.tag, str))


def _with_id(tree: HtmlElement, ident: str) -> list[HtmlElement] | None:
    """The elements whose id is `ident`, or None when lxml cannot query it: an id with a control
    character (an HTML parser keeps one, XPath refuses it with a ValueError, found by fuzzing)
    is never an anchor."""
    try:
        return list(tree.xpath("//*[@id=$i]", i=ident))
    except ValueError:
        return None


def _unique_id(tree: HtmlElement, el: HtmlElement) -> str | None:
    ident = el.get("id")
    if not ident or len(ident) > STEP_MAX:
        return None
    found = _with_id(tree, ident)
    return ident if found is not None and len(found) == 1 else None


def locator(tree: HtmlElement, region: HtmlElement) -> tuple[str, ...]:
    """Steps to `region`: from the nearest ancestor-or-self with an id unique on the page
    ('#id'), else from the root; each step 'signature:n', the n-th child element with that tag
    and class attribute."""
    steps: list[str] = []
    node = region
    while node is not tree:
        if (ident := _unique_id(tree, node)) is not None:
            steps.append("#" + ident)
            break
        parent = node.getparent()
        if parent is None:
            break
        sig = _signature(node)
        n = 0
        for sibling in _element_children(parent):
            if sibling is node:
                break
            if _signature(sibling) == sig:
                n += 1
        steps.append(f"{sig}:{n}")
        node = parent
    return tuple(reversed(steps))


def locate(tree: HtmlElement, steps: tuple[str, ...]) -> HtmlElement | None:
    """The element a locator points at on this page, or None."""
    if not steps:
        return None
    node: HtmlElement = tree
    rest = steps
    if steps[0].startswith("#"):
        found = _with_id(tree, steps[0][1:])
        if found is None or len(found) != 1:
            return None
        node, rest = found[0], steps[1:]
    return follow(node, rest, _element_children, _signature)
