"""Minimal enrichment: language, word count, reading time, honest notes."""

from __future__ import annotations

from newswire.enricher.logic import detect_language, enrich, word_count
from tests.factories import T0, article_version


def test_language_and_counts() -> None:
    assert detect_language("The United States and Russia continue to make headway in talks on Syria.", None) == "en"
    assert detect_language("Die Vereinigten Staaten und Russland machen Fortschritte bei den Gesprächen.", None) == "de"
    assert detect_language("Hi", "fr") == "fr"
    assert word_count("John Kerry met Sergey Lavrov.") == 5


def test_enrich_keeps_the_version_and_says_what_is_pending() -> None:
    enriched = enrich(article_version(), T0, 230)
    assert enriched.version == 1 and enriched.revision_id.endswith("-v1")
    assert enriched.word_count == 4 and enriched.reading_time_s == 1
    assert any(n.startswith("entities") for n in enriched.notes)
