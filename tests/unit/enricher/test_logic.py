"""Per-article enrichment (language, counts, entities, keyphrases, quotes, pass-through) and the
cross-article step on the five seed reports (one story, canonical entities)."""

from __future__ import annotations

from typing import Any

from newswire.enricher.logic import CrossArticle, EnrichConfig, article_language, detect_language, enrich, word_count
from tests.factories import T0, article_version
from tests.unit.enricher.helpers import seed_versions, version_of


def test_language_and_counts() -> None:
    assert detect_language("The United States and Russia continue to make headway in talks on Syria.", None) == "en"
    assert detect_language("Die Vereinigten Staaten und Russland machen Fortschritte bei den Gesprächen.", None) == "de"
    assert detect_language("Hi", "fr") == "fr"
    assert word_count("John Kerry met Sergey Lavrov.") == 5


def test_the_article_s_language_is_the_normaliser_s_when_it_gave_one() -> None:
    """One answer per article: the normaliser's (read on more text), detected here only when the
    article has none, on the body's first 3,000 characters as the normaliser reads them."""
    german = "Die Vereinigten Staaten und Russland machen Fortschritte bei den Gesprächen über Syrien."
    assert article_language("en", german, "Titel") == "en"
    assert article_language(None, german, "Titel") == "de"
    assert article_language(None, "", "Die Vereinigten Staaten und Russland machen Fortschritte.") == "de"
    # read on the first 3,000 characters, not 600: here the words start after 700
    late = "-" * 700 + " The United States and Russia made progress in the talks on Syria, officials said."
    assert detect_language(late, None) is None and article_language(None, late, None) == "en"
    version = article_version()
    body = version.article.model_copy(update={"language": "en", "text": german, "paragraphs": (german,)})
    enriched = enrich(version.model_copy(update={"article": body}), T0, EnrichConfig(), lambda language: None)
    assert enriched.language == "en" and "entities: no model for en" in enriched.notes
    unknown = body.model_copy(update={"language": None})
    enriched = enrich(version.model_copy(update={"article": unknown}), T0, EnrichConfig(), lambda language: None)
    assert enriched.language == "de"


def test_without_a_model_the_article_says_so_and_keeps_its_version() -> None:
    version = article_version()
    enriched = enrich(version, T0, EnrichConfig(words_per_minute=230), lambda language: None)
    assert enriched.version == 1 and enriched.revision_id.endswith("-v1")
    assert enriched.word_count == 4 and enriched.reading_time_s == 1
    assert enriched.entities == ()
    assert "entities: no model for en" in enriched.notes
    # The normaliser's dateline and wire source pass through with the article.
    assert enriched.article.dateline is not None and enriched.article.dateline.place == "GENEVA"
    assert enriched.article.wire_source == "Reuters"


def test_entities_keyphrases_and_quotes_of_a_seed(nlp: Any) -> None:
    version = seed_versions()[0]
    enriched = enrich(version, T0, EnrichConfig(), lambda language: nlp if language == "en" else None)
    names = {e.name: e for e in enriched.entities}
    assert "John Kerry" in names and names["John Kerry"].type == "person"
    # "Kerry" alone resolves to the full name mentioned in the article.
    assert "Kerry" not in names and "Kerry" in names["John Kerry"].surface_forms
    assert names["John Kerry"].mentions >= 4
    assert {"Geneva", "Daraya"} <= set(names)
    title_entity = max(enriched.entities, key=lambda e: e.salience)
    assert title_entity.salience >= 0.5  # named in the title
    assert enriched.keyphrases and all(0 <= k.score <= 1 for k in enriched.keyphrases)
    assert any("clarity" in k.text.lower() for k in enriched.keyphrases)
    quotes = {q.text: q.speaker for q in enriched.quotes}
    assert quotes["We are working on those issues"] == "John Kerry"
    assert enriched.notes == ()


def test_the_five_seeds_are_one_story_with_its_entities(nlp: Any) -> None:
    state = CrossArticle()
    finals, updates = [], []
    for version in seed_versions():
        final, changes, _ = state.process(enrich(version, T0, EnrichConfig(), lambda _l: nlp), T0)
        finals.append(final)
        updates.extend(changes)
    assert len({f.story_id for f in finals}) == 1
    last = updates[-1]
    assert last.story_id == finals[0].story_id and last.size == 5 and len(last.outlets) == 5
    assert [u.event for u in updates] == ["created", "updated", "updated", "updated", "updated"]
    top = " | ".join(last.top_entities)
    for needle in ("Kerry", "Lavrov", "de Mistura", "Geneva", "Daraya", "Aleppo"):
        assert needle in top, (needle, last.top_entities)
    lavrovs = {e.name for f in finals for e in f.entities if "Lavrov" in e.name}
    assert len(lavrovs) == 1, lavrovs  # "Sergei" and "Sergey" are one canonical Lavrov
    speakers = {q.speaker for f in finals for q in f.quotes if q.speaker and "Lavrov" in q.speaker}
    assert speakers <= lavrovs


def test_a_new_version_keeps_its_story_and_changes_no_story(nlp: Any) -> None:
    state = CrossArticle()
    first = seed_versions()[0]
    final, _, _ = state.process(enrich(first, T0, EnrichConfig(), lambda _l: nlp), T0)
    again = version_of(str(first.article.canonical_url), first.article.title or "", first.article.text + "\nUpdated.",
                       version=2)
    final2, updates, _ = state.process(enrich(again, T0, EnrichConfig(), lambda _l: nlp), T0)
    assert final2.version == 2 and final2.story_id == final.story_id and updates == []


def test_an_unrelated_article_starts_its_own_story(nlp: Any) -> None:
    state = CrossArticle()
    seed, _, _ = state.process(enrich(seed_versions()[0], T0, EnrichConfig(), lambda _l: nlp), T0)
    other = version_of(
        "https://sport.example/cup-final", "Rovers win the cup final after penalties",
        "Rovers beat United on penalties in the cup final at Wembley on Saturday. The goalkeeper "
        "saved two kicks as the match ended level after extra time, and the fans celebrated "
        "long into the night in the city centre.",
    )
    final, updates, _ = state.process(enrich(other, T0, EnrichConfig(), lambda _l: nlp), T0)
    assert final.story_id != seed.story_id and [u.event for u in updates] == ["created"]
