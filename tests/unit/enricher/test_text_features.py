"""Keyphrases (YAKE) and quotes with their speakers."""

from __future__ import annotations

from newswire.contracts import Entity
from newswire.enricher.keyphrases import keyphrases
from newswire.enricher.quotes import quotes

KERRY = Entity(name="John Kerry", type="person", mentions=2, first_offset=0, salience=0.5,
               surface_forms=("John Kerry", "Kerry"))


def test_keyphrases_best_first_in_range() -> None:
    text = ("The ceasefire in Syria was discussed in Geneva. Diplomats said the ceasefire could "
            "hold if the humanitarian aid reached Aleppo. The Geneva talks on the Syria ceasefire "
            "will resume next week.")
    found = keyphrases("Syria ceasefire talks in Geneva", text, "en", top=5)
    assert 0 < len(found) <= 5
    assert [k.score for k in found] == sorted((k.score for k in found), reverse=True)
    assert any("ceasefire" in k.text.lower() for k in found)
    assert keyphrases(None, "Too short", "en") == ()
    assert keyphrases("Titel", "Die Waffenruhe in Syrien wurde in Genf besprochen, sagten Diplomaten.", "de")


def test_quotes_with_speakers_in_common_patterns() -> None:
    text = (
        "\u201cWe are close to an agreement,\u201d Kerry said on Friday. "
        "Kerry told reporters: \"Nobody wants a deal for the sake of a deal.\" "
        "\"This will not be easy,\" said John Kerry. "
        "\"Some things need to be finalised,\" he added. "
        "\"The talks went on for hours without a break,\" a diplomat whispered."
    )
    found = {q.text: q.speaker for q in quotes(text, [KERRY])}
    assert found["We are close to an agreement"] == "John Kerry"
    assert found["Nobody wants a deal for the sake of a deal"] == "John Kerry"
    assert found["This will not be easy"] == "John Kerry"
    assert found["Some things need to be finalised"] is None  # a pronoun: not attributable here
    assert found["The talks went on for hours without a break"] is None
