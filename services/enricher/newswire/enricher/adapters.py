"""The enricher's I/O: spaCy pipelines from disk, and reading its own past output back from
Kafka to rebuild the clustering state after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any, Protocol


from newswire.config import KafkaSettings
from newswire.enricher.entities import VOCAB_STRINGS, NerLabels, load_pipeline, vocab_guard
from newswire.kafka.reader import read_to_end
from newswire.runtime.logging import get_logger
from newswire.topics import TopicSpec

log = get_logger("newswire.enricher")


class Pipelines(Protocol):
    """The NER pipeline of a language, or None when it has none."""

    def for_language(self, language: str | None) -> Any | None: ...


class SpacyPipelines:
    """spaCy pipelines per language from configuration, each loaded once per process. A model
    that fails to load is logged once and the language is then enriched without entities.
    `labels`: NEWSWIRE_NER_LABELS (see `entities.load_pipeline`)."""

    def __init__(self, models: Mapping[str, str], labels: NerLabels = "kept", vocab_strings: int = VOCAB_STRINGS) -> None:
        self.models = dict(models)
        self.labels: NerLabels = labels
        self.vocab_strings = vocab_strings
        self._broken: set[str] = set()
        self._guarded: set[str] = set()

    def for_language(self, language: str | None) -> Any | None:
        model = self.models.get(language or "")
        if model is None or model in self._broken:
            return None
        try:
            nlp = load_pipeline(model, self.labels)
        except (OSError, ImportError, ValueError) as exc:
            self._broken.add(model)
            log.error("spacy_model_unavailable", model=model, language=language, error=str(exc))
            return None
        if model not in self._guarded:
            vocab_guard(nlp, self.vocab_strings)
            self._guarded.add(model)
        return nlp


async def read_compacted(settings: KafkaSettings, spec: TopicSpec) -> AsyncIterator[bytes]:
    """Every value of a (compacted) topic as it stands now."""
    async for record in read_to_end(settings, spec):
        if record.value is not None:
            yield record.value


async def read_latest(settings: KafkaSettings, spec: TopicSpec) -> AsyncIterator[bytes]:
    """The latest value of each key of a compacted topic, in the order of those values' offsets,
    without the keys whose latest record is a tombstone (compaction may not have run yet)."""
    latest: dict[bytes | None, bytes] = {}
    async for record in read_to_end(settings, spec):
        latest.pop(record.key, None)
        if record.value is not None:
            latest[record.key] = record.value
    for value in latest.values():
        yield value


async def read_since(
    settings: KafkaSettings, spec: TopicSpec, since: datetime, idle_timeout_s: float = 5.0
) -> AsyncIterator[bytes]:
    """Every value of `spec`'s topic with a record timestamp at or after `since`, up to the end
    offsets of when the read starts (partition by partition, no consumer group, no commits)."""
    async for record in read_to_end(settings, spec, since=since, timeout_s=idle_timeout_s):
        if record.value is not None:
            yield record.value
