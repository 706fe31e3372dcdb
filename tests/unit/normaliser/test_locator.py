"""Locators on pages whose ids XPath cannot query (a control character: found by fuzzing)."""

from __future__ import annotations

import lxml.html

from newswire.normaliser.locator import locate, locator

PAGE = (
    '<html><body><div id="main"><div id="bad\x01id"><p>One.</p><article><p>Two.</p></article></div>'
    "</div></body></html>"
)


def test_an_id_with_a_control_character_is_not_an_anchor() -> None:
    tree = lxml.html.document_fromstring(PAGE)
    article = tree.xpath("//article")[0]
    assert article.getparent().get("id") == "bad\x01id"  # the parser keeps it
    steps = locator(tree, article)
    assert steps == ("#main", "div:0", "article:0")  # the next id up anchors it instead
    assert locate(tree, steps) is article


def test_a_stored_step_with_such_an_id_finds_nothing() -> None:
    tree = lxml.html.document_fromstring(PAGE)
    assert locate(tree, ("#bad\x01id", "article:0")) is None
