"""The NER vocabulary's budget: spaCy keeps every string it meets, so past its budget a pipeline
reads each text in a memory zone, and the vocabulary stops growing with the same mentions."""

from __future__ import annotations

import random
from typing import Any

import pytest

from newswire.enricher.adapters import SpacyPipelines
from newswire.enricher.entities import VOCAB_STRINGS, build_pipeline, ner_mentions, vocab_guard
from tests.unit.enricher.conftest import MODEL


def _texts(n: int) -> list[str]:
    """News-like sentences, each with names never seen before (as real news brings)."""
    rnd = random.Random(7)

    def name() -> str:
        return "".join(rnd.choice("bcdfghklmnprstvz") + rnd.choice("aeiou") for _ in range(4)).capitalize()

    return [
        f"{name()} {name()}, the mayor of {name()}, met Angela Merkel in Berlin on Monday. "
        f"The {name()} Group said {rnd.randint(1000, 99999)} people attended." for _ in range(n)
    ]


@pytest.fixture
def fresh() -> Any:
    """A pipeline of its own (its vocabulary is what the tests watch)."""
    try:
        return build_pipeline(MODEL)
    except OSError:
        pytest.skip(f"spaCy model {MODEL} not installed")


def test_past_its_budget_the_vocabulary_stops_growing_and_the_mentions_stay_the_same(fresh: Any, nlp: Any) -> None:
    texts = _texts(40)
    expected = [ner_mentions(nlp, t) for t in texts]  # the shared pipeline, under its budget
    vocab_guard(fresh, budget=0)
    strings = len(fresh.vocab.strings)
    found = [ner_mentions(fresh, t) for t in texts]
    assert found == expected
    assert any(m.label == "PERSON" for ms in found for m in ms)  # the texts do have entities
    assert len(fresh.vocab.strings) == strings
    # what the zone freed is not needed afterwards: the mentions are plain strings
    assert all(isinstance(m.text, str) and m.text == texts[i][m.start : m.start + len(m.text)]
               for i, ms in enumerate(found) for m in ms)


def test_under_its_budget_the_vocabulary_keeps_new_words(fresh: Any) -> None:
    guard = vocab_guard(fresh, budget=50)
    assert guard is not None and not guard.full()
    start = len(fresh.vocab.strings)
    for text in _texts(40):  # ~6 new strings each: the budget is met after a few texts
        ner_mentions(fresh, text)
    grown = len(fresh.vocab.strings) - start
    assert guard.full()
    assert 50 <= grown < 50 + 30  # past the budget by at most one text's new strings


def test_the_stage_gives_each_pipeline_its_configured_budget() -> None:
    pipelines = SpacyPipelines({"en": MODEL}, vocab_strings=123)
    nlp = pipelines.for_language("en")  # None (logged) when the model cannot load
    if nlp is None:
        pytest.skip(f"spaCy model {MODEL} not installed")
    try:
        guard = vocab_guard(nlp)
        assert guard is not None and guard.limit - len(guard.strings) <= 123
        assert pipelines.for_language("en") is nlp and vocab_guard(nlp) is guard  # given once
    finally:
        vocab_guard(nlp, VOCAB_STRINGS)  # the shared pipeline's default back, for the other tests


def test_a_stand_in_without_memory_zones_has_no_guard() -> None:
    class StandIn:
        pass

    assert vocab_guard(StandIn()) is None
