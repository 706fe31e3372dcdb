"""Clustering a file of articles with the service's own code (`newswire cluster`, evaluation).

Items are plain dicts (`id`, `title`, optional `text`, `published`, `outlet`) in time order. Each
goes through the same steps as in the stream: language, NER with within-article
canonicalisation (when the language has a model), then `CrossArticle.cluster`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from newswire.contracts import Entity
from newswire.enricher.entities import article_entities, ner_mentions
from newswire.enricher.logic import CrossArticle, article_language
from newswire.enricher.stories import StoryConfig


class ItemError(ValueError):
    """An input line is not a usable article."""


@dataclass(frozen=True)
class Item:
    """One input article."""

    id: str
    title: str
    text: str
    published: datetime
    outlet: str


def parse_item(row: Mapping[str, Any], line: int) -> Item:
    """An input row as an Item, or an ItemError saying what is wrong with it."""
    ident, title, published = row.get("id"), row.get("title"), row.get("published")
    if not ident or not isinstance(title, str) or not published:
        raise ItemError(f"line {line}: need 'id', 'title' and 'published'")
    try:
        when = datetime.fromisoformat(str(published))
    except ValueError as exc:
        raise ItemError(f"line {line}: 'published' is not an ISO 8601 time: {published!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Item(str(ident), title, str(row.get("text") or ""), when, str(row.get("outlet") or ""))


def with_entities(
    items: Iterable[Item], models: Mapping[str, str], load: Callable[[str], Any] | None, batch: int = 256
) -> Iterator[tuple[Item, tuple[Entity, ...]]]:
    """Each item with its entities as the enricher finds them (NER with within-article
    canonicalisation when its language has a model, else none), in input order."""
    source = iter(items)
    while chunk := list(islice(source, batch)):
        languages = [article_language(None, i.text, i.title) for i in chunk]  # as the normaliser reads it
        entities: list[tuple[Entity, ...]] = [() for _ in chunk]
        by_model: dict[str, list[int]] = {}
        for index, language in enumerate(languages):
            model = models.get(language or "")
            if model is not None and load is not None:
                by_model.setdefault(model, []).append(index)
        for model, indices in by_model.items():
            assert load is not None  # by_model is only filled when there is a loader
            nlp = load(model)
            for index in indices:  # the stage's NER path (`ner_mentions`: the vectorised decoder)
                text = _ner_text(chunk[index])
                title_chars = len(chunk[index].title) + 2
                entities[index] = article_entities(ner_mentions(nlp, text), text, title_chars, title_chars + 600)
        yield from zip(chunk, entities, strict=True)


def cluster_entities(
    items: Iterable[tuple[Item, tuple[Entity, ...]]], config: StoryConfig, duplicate_threshold: float = 0.7
) -> Iterator[tuple[str, str]]:
    """(id, story id) per item with its entities, in input order, once all are clustered: a
    story merged later in the stream is reported under its surviving id, as the stories topic
    would resolve it."""
    state = CrossArticle(stories=config, duplicate_threshold=duplicate_threshold)
    assigned: list[tuple[str, str]] = []
    for item, found in items:
        clustered = state.cluster(item.id, item.title, item.text, item.published, item.outlet, found)
        assigned.append((item.id, clustered.assignment.story_id))
    for ident, story in assigned:
        yield ident, state.clusterer.resolve(story)


def cluster_items(
    items: Iterable[Item],
    config: StoryConfig,
    models: Mapping[str, str],
    load: Callable[[str], Any] | None,
    duplicate_threshold: float = 0.7,
    batch: int = 256,
) -> Iterator[tuple[str, str]]:
    """(id, story id) per item (see `cluster_entities`), entities found as the enricher does."""
    yield from cluster_entities(with_entities(items, models, load, batch), config, duplicate_threshold)


def _ner_text(item: Item) -> str:
    return f"{item.title}\n\n{item.text[:30_000]}"
