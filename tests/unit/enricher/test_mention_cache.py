"""NER once per distinct text: the per-paragraph mention cache gives exactly the mentions of a
full NER pass, and runs NER only around what a revision or a syndicated copy changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newswire.enricher.entities import MentionCache, cached_mentions, ner_mentions
from newswire.enricher.logic import CrossArticle, EnrichConfig, enrich
from tests.factories import T0
from tests.unit.enricher.helpers import seed_versions, version_of


def _ner_text(title: str, body: str) -> str:
    return f"{title}\n\n{body}"


def _seed_text(i: int = 0) -> tuple[str, str]:
    article = seed_versions()[i].article
    return article.title or "", article.text


def test_a_text_seen_again_runs_no_ner_and_gets_the_same_mentions(nlp: Any) -> None:
    text = _ner_text(*_seed_text())
    cache = MentionCache()
    first = cached_mentions(nlp, text, cache)
    assert first == ner_mentions(nlp, text)
    assert cache.ner_chars == len(text)  # a first version: one full pass
    again = cached_mentions(nlp, text, cache)
    assert again == first and cache.ner_chars == len(text)  # no NER at all


def test_a_revision_runs_ner_around_the_changed_paragraph_only(nlp: Any) -> None:
    title, body = _seed_text()
    paragraphs = body.split("\n\n")
    assert len(paragraphs) >= 6
    cache = MentionCache()
    cached_mentions(nlp, _ner_text(title, body), cache)
    middle = len(paragraphs) // 2
    for changed in (
        paragraphs[:middle] + ["Officials in Moscow and Washington said Angela Merkel would attend."]
        + paragraphs[middle + 1 :],  # one paragraph rewritten
        [*paragraphs, "Reporting by Jane Doe in Geneva; editing by Tom Smith."],  # one added at the end
        paragraphs[:1] + paragraphs[2:],  # one removed
    ):
        text = _ner_text(title, "\n\n".join(changed))
        spent = cache.ner_chars
        assert cached_mentions(nlp, text, cache) == ner_mentions(nlp, text)
        assert cache.ner_chars - spent < len(text) / 2


def test_a_syndicated_copy_with_another_title_and_footer_gets_the_full_pass_mentions(nlp: Any) -> None:
    title, body = _seed_text(1)
    cache = MentionCache()
    cached_mentions(nlp, _ner_text(title, body), cache)
    copy = _ner_text("Kerry, Lavrov meet again as Syria talks drag on", body + "\n\n(c) Copyright Example Wire 2026")
    spent = cache.ner_chars
    assert cached_mentions(nlp, copy, cache) == ner_mentions(nlp, copy)
    assert cache.ner_chars - spent < len(copy) / 2


def test_enrich_with_the_cache_equals_enrich_without(nlp: Any) -> None:
    cache = MentionCache()
    config = EnrichConfig()
    versions = seed_versions()
    seed = versions[0]
    revision = version_of(str(seed.article.canonical_url), seed.article.title or "",
                          seed.article.text.replace("\n\n", "\n") + "\nUpdated with a statement from Geneva.",
                          version=2)
    copy = version_of("https://copy.example/a", seed.article.title or "", seed.article.text.replace("\n\n", "\n"))
    for version in [*versions, revision, copy, *versions]:
        with_cache = enrich(version, T0, config, lambda _l: nlp, cache)
        without = enrich(version, T0, config, lambda _l: nlp)
        assert with_cache.model_copy(update={"enriched_at": T0}) == without.model_copy(update={"enriched_at": T0})
    assert cache.hits > 0


def test_the_seeds_stay_one_story_through_the_cache(nlp: Any) -> None:
    cache = MentionCache()
    state = CrossArticle()
    finals = []
    for version in [*seed_versions(), *seed_versions()]:
        final, _, _ = state.process(enrich(version, T0, EnrichConfig(), lambda _l: nlp, cache), T0)
        finals.append(final)
    assert len({f.story_id for f in finals}) == 1
    assert len({e.name for f in finals for e in f.entities if "Lavrov" in e.name}) == 1


# -- the rules on a fake pipeline ----------------------------------------------------------------


@dataclass
class _Ent:
    text: str
    label_: str
    start_char: int


class _Doc:
    def __init__(self, ents: list[_Ent]) -> None:
        self.ents = ents


class _FakeNLP:
    """Capitalised words are PERSON mentions; "A\\n\\nB" (a name across a paragraph break) is one
    mention, as a model that lets an entity run over whitespace could find."""

    def __init__(self) -> None:
        self.meta = {"lang": "xx", "name": "fake", "version": "0"}
        self.calls: list[str] = []

    def __call__(self, text: str) -> _Doc:
        import re

        self.calls.append(text)
        return _Doc([_Ent(m.group(), "PERSON", m.start()) for m in re.finditer(r"[A-Z]\w+(?:\n\n[A-Z]\w+)?", text)])


def _body(n: int) -> list[str]:
    return [" ".join(f"w{i}x{k}" for k in range(30)) + f" Name{i}" for i in range(n)]


def test_only_the_window_around_a_change_goes_to_ner() -> None:
    nlp = _FakeNLP()
    cache = MentionCache()
    paragraphs = _body(8)
    cached_mentions(nlp, "\n\n".join(paragraphs), cache)
    paragraphs[4] = paragraphs[4].replace("Name4", "Other4")
    text = "\n\n".join(paragraphs)
    nlp.calls.clear()
    assert cached_mentions(nlp, text, cache) == ner_mentions(_FakeNLP(), text)
    assert len(nlp.calls) == 1 and len(nlp.calls[0]) < len(text) / 2
    assert "Other4" in nlp.calls[0] and "Name1" not in nlp.calls[0]


def test_an_entity_across_a_paragraph_break_is_not_cached_and_forces_a_full_pass() -> None:
    nlp = _FakeNLP()
    cache = MentionCache()
    paragraphs = _body(8)
    paragraphs[5] = "Alpha"  # with the previous paragraph's last word: "Name4\n\nAlpha"
    text = "\n\n".join(paragraphs)
    full = cached_mentions(nlp, text, cache)
    assert any("\n\n" in m.text for m in full)
    assert len(cache) == len(paragraphs) - 2  # the two units the mention spans are not kept
    paragraphs[6] = paragraphs[6].replace("Name6", "Other6")  # a change right after it
    text = "\n\n".join(paragraphs)
    assert cached_mentions(nlp, text, cache) == ner_mentions(_FakeNLP(), text)


class _EdgeNLP(_FakeNLP):
    """On anything but the whole text, one mention over all of it (across the window's edges)."""

    whole = ""

    def __call__(self, text: str) -> _Doc:
        doc = super().__call__(text)
        return doc if text == self.whole else _Doc([_Ent(text, "PERSON", 0)])


def test_a_window_mention_across_the_edge_of_a_change_forces_a_full_pass() -> None:
    nlp = _EdgeNLP()
    cache = MentionCache()
    paragraphs = _body(8)
    nlp.whole = "\n\n".join(paragraphs)
    cached_mentions(nlp, nlp.whole, cache)
    paragraphs[4] = paragraphs[4].replace("Name4", "Other4")
    nlp.whole = text = "\n\n".join(paragraphs)
    nlp.calls.clear()
    assert cached_mentions(nlp, text, cache) == ner_mentions(_FakeNLP(), text)
    assert len(nlp.calls) == 2 and nlp.calls[-1] == text  # the window, then one full pass


def test_the_cache_is_bounded_and_can_be_disabled() -> None:
    nlp = _FakeNLP()
    cache = MentionCache(max_paragraphs=3)
    text = "\n\n".join(_body(8))
    cached_mentions(nlp, text, cache)
    assert len(cache) == 3
    off = MentionCache(max_paragraphs=0)
    assert cached_mentions(nlp, text, off) == ner_mentions(nlp, text) and len(off) == 0
