"""Keyphrases (YAKE) and quotes with their speakers."""

from __future__ import annotations

from newswire.contracts import Entity
from newswire.enricher.keyphrases import keyphrases, ranked, yake_language, yake_text
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


def test_near_equal_keyphrases_come_out_in_one_order() -> None:
    """yake-rust scores a text with last-bit differences from one process to the next; the
    keyphrases come out the same whichever order and last bits the candidates arrive with, the
    cut-off included: equal scores in the order the keyphrases first occur in the text."""
    body = "Tulsa County Jail: Spartan College of Aeronautics and Technology student dead in shooting Thursday evening"
    one = [("Tulsa County Jail", 0.010075219643504914), ("Technology student dead", 0.0359422302866321),
           ("shooting Thursday evening", 0.03594223028663213), ("Spartan College", 0.05), ("college", 0.06)]
    other = [("Tulsa County Jail", 0.010075219643504916), ("shooting Thursday evening", 0.035942230286632154),
             ("Technology student dead", 0.0359422302866322), ("Spartan College", 0.05), ("college", 0.06)]
    assert ranked(one, 4, body) == ranked(other, 4, body) == (
        ("Tulsa County Jail", 0.01007521964), ("Technology student dead", 0.03594223029),
        ("shooting Thursday evening", 0.03594223029), ("Spartan College", 0.05),
    )
    # a near-tie at the cut-off: the same one is kept, the one the text says first
    assert ranked(one[:3], 2, body) == ranked(other[:3], 2, body)
    assert ranked(other[:3], 2, body)[1][0] == "Technology student dead"


def test_what_yake_reads() -> None:
    """The title and the lead; the article's stop words where YAKE has them, else English."""
    assert yake_text("Title", "one two three four", max_words=2) == "Title.\none two"
    assert yake_text(None, "one two three", max_words=5) == "one two three"
    assert [yake_language(x) for x in ("de", "xx", None)] == ["de", "en", "en"]


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
