"""The enricher's pure entry points: no Kafka, HTTP or Elasticsearch.

Two steps, because they scale differently:

* `enrich` (stateless, runs on every partition of the versions topic): language, word count,
  reading time, named entities (canonical within the article), keyphrases and quotes.
* `CrossArticle` (stateful, one instance on one partition): canonical names across articles
  (the alias table), near-duplicates (MinHash LSH) and online story clustering, which together
  need to see every article: a story spans outlets, and outlets hash to different partitions.
  World news is tens of articles per second and this step costs milliseconds per article, so
  one partition is enough (see README); its state is rebuilt from Kafka after a restart.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import py3langid

from newswire.contracts import ArticleVersion, DormantStory, EnrichedArticle, Entity, Quote, StoryUpdate
from newswire.enricher.duplicates import Duplicate, DuplicateIndex
from newswire.enricher.entities import AliasTable, MentionCache, article_entities, cached_mentions
from newswire.enricher.keyphrases import keyphrases
from newswire.enricher.quotes import quotes
from newswire.enricher.stories import Assignment, Story, StoryClusterer, StoryConfig, StoryInput
from newswire.enricher.story_dormant import DormantChange
from newswire.enricher.story_features import Centroid, StoryParts

_WORD = re.compile(r"\w+", re.UNICODE)
#: Entity types that describe what a story is about (clustering features, top entities).
STORY_ENTITY_TYPES = frozenset({"person", "organisation", "place", "event", "other"})


def detect_language(text: str, fallback: str | None, max_chars: int = 600) -> str | None:
    """ISO 639-1 code of `text` (its first `max_chars` characters are plenty), or `fallback`
    when the text is too short to tell."""
    sample = text[:max_chars]
    if len(_WORD.findall(sample)) < 5:
        return fallback
    code, _score = py3langid.classify(sample)
    return str(code)


#: How much of a body the language is read from when an article comes without one: the
#: normaliser's `LANGUAGE_CHARS`, so that the two stages answer alike.
LANGUAGE_CHARS = 3000


def article_language(declared: str | None, text: str, title: str | None) -> str | None:
    """The article's language: the normaliser's when it gave one (py3langid on the body's first
    3,000 characters, the page's `lang` for a very short body), else py3langid here on the same
    characters (the title's when there is no body). One answer per article: reading 600
    characters again here cost 0.5-0.7 ms per version and disagreed with the normaliser on 12 of
    3,806 development texts, mostly upper-case transcripts it took for Nigerian Pidgin, which
    has no NER model, so those articles lost their entities."""
    if declared:
        return declared
    return detect_language(text or title or "", None, max_chars=LANGUAGE_CHARS)


def word_count(text: str) -> int:
    """Words in the text (Unicode word characters)."""
    return len(_WORD.findall(text))


@dataclass(frozen=True)
class EnrichConfig:
    """What per-article enrichment needs to know (from the settings)."""

    words_per_minute: int = 230
    ner_max_chars: int = 30_000
    lead_chars: int = 600
    keyphrases: int = 10


def enrich(
    version: ArticleVersion,
    now: datetime,
    config: EnrichConfig,
    nlp_for: Callable[[str | None], Any | None] | None = None,
    mentions: MentionCache | None = None,
) -> EnrichedArticle:
    """The per-article enrichment of one version. `nlp_for(language)` gives the spaCy pipeline
    of the article's language, or None when it has no model (then the notes say so). With a
    `mentions` cache, NER runs only around paragraphs not seen before in the same context (a
    revision's changed paragraphs, what a syndicated copy does not share); the entities are
    the same as from a full pass."""
    article = version.article
    words = word_count(article.text)
    language = article_language(article.language, article.text, article.title)
    nlp = nlp_for(language) if nlp_for is not None else None
    notes: list[str] = []
    entities: tuple[Entity, ...] = ()
    if nlp is None:
        notes.append(f"entities: no model for {language or 'unknown language'}")
    else:
        title = article.title or ""
        body = article.text[: config.ner_max_chars]
        text = f"{title}\n\n{body}" if title else body
        offset = len(title) + 2 if title else 0
        entities = article_entities(cached_mentions(nlp, text, mentions), text, offset if title else 0,
                                    offset + config.lead_chars)
        if len(article.text) > config.ner_max_chars:
            notes.append(f"entities: body truncated to {config.ner_max_chars} characters")
    found_quotes = quotes(article.text, entities)
    phrases = keyphrases(article.title, article.text, language, config.keyphrases)
    if not phrases:
        notes.append("keyphrases: text too short")
    return EnrichedArticle(
        article_id=version.article_id,
        version=version.version,
        revision_id=version.revision_id,
        first_seen=version.first_seen,
        last_changed=version.observed_at,
        article=article,
        language=language,
        word_count=words,
        reading_time_s=round(words * 60 / config.words_per_minute),
        entities=entities,
        keyphrases=phrases,
        quotes=found_quotes,
        notes=tuple(notes),
        enriched_at=now,
    )


def event_time(enriched: EnrichedArticle) -> datetime:
    """When the article happened for clustering: its publication time, unless missing or later
    than when we first saw it (a wrong clock on the page), then first_seen."""
    published = enriched.article.published
    if published is None or published > enriched.first_seen + timedelta(hours=1):
        return enriched.first_seen
    return published


def story_entities(entities: Iterable[Entity]) -> tuple[str, ...]:
    """Entity names as clustering features, each repeated by its mentions (at most 3) so that a
    story's top entities favour what its articles are about rather than what they mention."""
    names: list[str] = []
    for entity in entities:
        if entity.type in STORY_ENTITY_TYPES:
            names.extend([entity.name] * min(3, entity.mentions))
    return tuple(names)


def story_typed_entities(entities: Iterable[Entity]) -> tuple[tuple[str, str], ...]:
    """(type, canonical name) of the entities, once each (typed overlap for the clusterer)."""
    return tuple(dict.fromkeys((e.type, e.name) for e in entities if e.type in STORY_ENTITY_TYPES))


def story_input(enriched: EnrichedArticle) -> StoryInput:
    """What the clusterer needs of an already enriched article (for rebuilding the state)."""
    article = enriched.article
    return StoryInput(
        article_id=enriched.article_id,
        title=article.title or "",
        text=article.text,
        published=event_time(enriched),
        outlet=article.outlet or article.host,
        entities=story_entities(enriched.entities),
        typed_entities=story_typed_entities(enriched.entities),
    )


def story_update(
    story: Story, event: str, now: datetime, article_id: str | None, merged_into: str | None = None,
    top_entities: int = 20,
) -> StoryUpdate:
    """The published state of a story."""
    return StoryUpdate(
        story_id=story.story_id,
        event=event,  # type: ignore[arg-type]
        size=max(1, story.size),
        outlets=tuple(name for name, _n in story.outlets.most_common(100)),
        title=story.title or "(untitled)",
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        top_entities=tuple(name for name, _n in story.entities.most_common(top_entities)),
        latest_article_id=article_id,
        merged_into=merged_into,
        merged_from=tuple(story.merged_from),
        updated_at=now,
    )


def dormant_record(story: Story, state: str, now: datetime) -> DormantStory:
    """The record of a dormant story (or of the base a follow-up revived) for the dormant topic:
    all a cut-down story holds, weights in their order (exact floats: restored, it scores and
    breaks ties as before)."""
    parts = story.parts
    return DormantStory(
        story_id=story.story_id,
        state=state,  # type: ignore[arg-type]
        title=story.title,
        title_score=story.title_score,
        size=story.size,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        centroid=story.centroid,
        title_terms=parts.title.weights,
        body_terms=parts.body.weights,
        entity_terms=parts.entities.weights,
        number_terms=parts.numbers.weights,
        typed={kind: dict(names) for kind, names in parts.typed.items()},
        days=dict(parts.days),
        ages=dict(parts.ages),
        entities=dict(story.entities),
        outlets=dict(story.outlets),
        merged_from=tuple(story.merged_from),
        updated_at=now,
    )


def _centroid(weights: dict[str, float]) -> Centroid:
    weights = dict(weights)
    return Centroid(weights, math.sqrt(sum(v * v for v in weights.values())))


def story_of(record: DormantStory) -> Story:
    """The cut-down story a dormant record holds (norms recomputed as when it was cut)."""
    centroid = dict(record.centroid)
    return Story(
        story_id=record.story_id,
        first_seen=record.first_seen,
        last_seen=record.last_seen,
        title=record.title,
        title_score=record.title_score,
        size=record.size,
        centroid=centroid,
        norm=math.sqrt(sum(v * v for v in centroid.values())),
        entities=Counter(record.entities),
        outlets=Counter(record.outlets),
        merged_from=list(record.merged_from),
        parts=StoryParts(
            title=_centroid(record.title_terms),
            body=_centroid(record.body_terms),
            entities=_centroid(record.entity_terms),
            numbers=_centroid(record.number_terms),
            typed={kind: Counter(names) for kind, names in record.typed.items()},
            days=Counter(record.days),
            ages=Counter(record.ages),
        ),
    )


#: A change to the dormant topic: the story id and its record, or None for a tombstone.
DormantEmit = tuple[str, DormantStory | None]


@dataclass(frozen=True)
class Clustered:
    """The outcome of the cross-article step for one article."""

    entities: tuple[Entity, ...]
    names: tuple[str, ...]
    duplicate: Duplicate | None
    assignment: Assignment
    #: What the article changed of the dormant stories (went to sleep, revived, dropped).
    dormant: tuple[DormantChange, ...] = ()


@dataclass
class CrossArticle:
    """The state of the single clustering partition: alias table, duplicate index, stories."""

    stories: StoryConfig = field(default_factory=StoryConfig)
    duplicate_threshold: float = 0.7
    aliases: AliasTable = field(default_factory=AliasTable)
    duplicates: DuplicateIndex = field(init=False)
    clusterer: StoryClusterer = field(init=False)

    def __post_init__(self) -> None:
        if self.aliases.window_s is None:  # a name lives as long as a story holding it may come back
            self.aliases.window_s = max(self.stories.window_s, self.stories.dormant_s)
        if self.aliases.max_names is None:
            self.aliases.max_names = self.stories.alias_names
        self.duplicates = DuplicateIndex(
            threshold=self.duplicate_threshold, window_s=self.stories.window_s
        )
        self.clusterer = StoryClusterer(self.stories)
        self._restored: dict[str, None] = {}
        self._pending: list[DormantEmit] = []

    def process(
        self, enriched: EnrichedArticle, now: datetime
    ) -> tuple[EnrichedArticle, list[StoryUpdate], list[DormantEmit]]:
        """Canonicalise entities across articles, find the earliest near-duplicate, assign the
        story. Returns the final article, the story updates to publish (none when the article is
        already known: a new version keeps its story) and the changes to the dormant topic (a
        record per story gone to sleep or revived, a tombstone per story dropped or merged away),
        so that the topic holds the dormant stories."""
        article = enriched.article
        clustered = self.cluster(
            enriched.article_id, article.title or "", article.text, event_time(enriched),
            article.outlet or article.host, enriched.entities,
        )
        speakers = dict(zip((e.name for e in enriched.entities), clustered.names, strict=True))
        found_quotes = tuple(
            q if q.speaker is None else Quote(text=q.text, speaker=speakers.get(q.speaker, q.speaker))
            for q in enriched.quotes
        )
        duplicate = clustered.duplicate
        updates = [
            story_update(change.story, change.event, now, enriched.article_id, change.merged_into,
                         self.stories.top_entities * 2)
            for change in clustered.assignment.changes
        ]
        final = enriched.model_copy(
            update={
                "entities": clustered.entities,
                "quotes": found_quotes,
                "duplicate_of": duplicate.article_id if duplicate else None,
                "duplicate_similarity": duplicate.similarity if duplicate else None,
                "story_id": clustered.assignment.story_id,
                "enriched_at": now,
            }
        )
        dormant: list[DormantEmit] = self._pending
        self._pending = []
        for change in clustered.dormant:
            record = None if change.story is None else dormant_record(change.story, change.state, now)
            dormant.append((change.story_id, record))
        # A story merged away may have a revived base on the topic: it must not come back.
        dormant.extend((c.story.story_id, None) for c in clustered.assignment.changes if c.event == "merged")
        return final, updates, dormant

    def cluster(
        self, article_id: str, title: str, text: str, when: datetime, outlet: str,
        entities: Iterable[Entity] = (),
    ) -> Clustered:
        """The cross-article step on plain fields: what the service and `newswire cluster` share."""
        originals = tuple(entities)
        seconds = when.timestamp()
        self.aliases.advance(seconds)
        names = self._canonical_names(originals, seconds)
        canonical = self.canonical_entities(originals, names)
        duplicate = self.duplicates.check_and_add(article_id, text, when)
        assignment = self.clusterer.add(
            StoryInput(
                article_id=article_id, title=title, text=text, published=when, outlet=outlet,
                entities=story_entities(canonical),
                typed_entities=story_typed_entities(canonical),
                duplicate_of=duplicate.article_id if duplicate else None,
            )
        )
        return Clustered(canonical, tuple(names), duplicate, assignment, tuple(self.clusterer.sleeping.drain()))

    def canonical_entities(self, entities: tuple[Entity, ...], names: list[str]) -> tuple[Entity, ...]:
        """The article's entities under their canonical `names` (two that turn out to be one
        entity are merged: mentions added, earliest offset, highest salience)."""
        merged: dict[tuple[str, str], Entity] = {}
        for entity, name in zip(entities, names, strict=True):
            key = (entity.type, name)
            known = merged.get(key)
            if known is None:
                merged[key] = entity.model_copy(update={"name": name})
                continue
            merged[key] = known.model_copy(
                update={
                    "mentions": known.mentions + entity.mentions,
                    "first_offset": min(known.first_offset, entity.first_offset),
                    "salience": max(known.salience, entity.salience),
                    "surface_forms": tuple(dict.fromkeys((*known.surface_forms, *entity.surface_forms))),
                }
            )
        return tuple(merged.values())

    def _canonical_names(self, entities: Iterable[Entity], when: float | None = None) -> list[str]:
        return [self.aliases.canonical(e.name, e.type, e.surface_forms, when) for e in entities]

    # -- rebuilding the state from Kafka -----------------------------------------------------

    # The order of an uninterrupted run: the dormant stories first (in the order they went to
    # sleep), then the merges, then the window's articles. An article a story's record already
    # holds (not later than its last_seen) only counts for the window and document frequencies;
    # the first later article of a revived base brings it back as the live run did, and the
    # others join it.

    def restore_dormant(self, record: DormantStory) -> None:
        """Put back a dormant story this stage published before (from the dormant topic, the
        latest record of each story, in offset order)."""
        self.clusterer.sleeping.restore(story_of(record))
        self._restored[record.story_id] = None

    def restore_article(self, enriched: EnrichedArticle) -> None:
        """Put back an article this stage published before (from the enriched topic)."""
        if enriched.story_id is None:
            return
        at = event_time(enriched)
        seconds = at.timestamp()
        self.aliases.advance(seconds)
        for entity in enriched.entities:
            self.aliases.learn(entity.name, entity.type, entity.surface_forms, seconds)
        self.duplicates.check_and_add(enriched.article_id, enriched.article.text, at)
        self.clusterer.restore(story_input(enriched), enriched.story_id)
        self.clusterer.sleeping.drain()  # what the replay changes is on the topic already

    def restore_story(self, update: StoryUpdate) -> None:
        """Put back a merge this stage published before (from the compacted stories topic)."""
        if update.event == "merged" and update.merged_into:
            self.clusterer.redirect(update.story_id, update.merged_into)

    def restored(self) -> None:
        """The rebuild is over: a restored dormant story the replay dropped (past the dormant
        horizon, beyond the cap) gets its tombstone with the next article's output."""
        sleeping = self.clusterer.sleeping
        sleeping.drain()
        self._pending.extend(
            (sid, None) for sid in self._restored
            if sid not in sleeping.stories and sid not in self.clusterer.stories
        )
        self._restored.clear()
        sleeping.restored.clear()

