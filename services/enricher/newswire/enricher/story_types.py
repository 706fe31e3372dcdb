"""The data of story clustering: its configuration, what it reads of an article, a story's state,
and what it reports (changes, candidates, assignments). Plain dataclasses, so the state can be
rebuilt from Kafka (see `stories`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from newswire.enricher.story_features import StoryParts
from newswire.enricher.story_model import DEFAULT_MODEL


@dataclass(frozen=True)
class StoryConfig:
    """Clustering parameters (tuned on one half of the headline dev set, checked on the other)."""

    window_s: float = 30 * 86400.0
    threshold: float = 0.12
    entity_weight: float = 0.1
    half_life_s: float = 4 * 3600.0
    merge_threshold: float = 0.25
    title_weight: float = 2.0
    lead_words: int = 150
    query_terms: int = 10
    postings_per_term: int = 200
    max_candidates: int = 30
    centroid_terms: int = 300
    top_entities: int = 10
    merge_candidates: int = 5
    #: Learned model: a runner-up candidate (of the best `merge_candidates`) whose similarity logit
    #: reaches this (P >= 0.97) is the same story as the one the article joins: the article links
    #: two fragments, and they merge (tried on the held-out halves: 0 merges fragments of
    #: look-alike incidents, 2 to 5 are level on full text).
    merge_logit: float = 3.5
    #: The learned similarity and decision: "default" (packaged), a file path, or "" for the
    #: hand-tuned score (threshold, entity_weight, half_life_s and merge_threshold apply to that
    #: one only).
    model: str = DEFAULT_MODEL
    #: Dormant stories (learned model): a story leaving the window is kept, cut down, for this
    #: long after it was last seen, and an article reaches it again only on specific evidence:
    #: it names the incident's day (give or take `DAY_SLACK`) and one of its people or places,
    #: or two of its people and places (follow-ups - hearings, funerals, anniversaries - cite
    #: the original date and names). The learned similarity then scores it, the time features
    #: telling it the gap. 0 turns it off.
    dormant_s: float = 365 * 86400.0
    #: At most this many dormant stories (the oldest go first); each keeps `dormant_terms` terms
    #: per sub-centroid and its top people, places, days and ages.
    dormant_stories: int = 10_000
    dormant_terms: int = 20
    #: At most this many names in the cross-article alias table (`entities.AliasTable`, ~600
    #: bytes each with the time each was last seen: 250,000 ~ 150 MB); the least recently seen
    #: go first, and any not seen for `max(window_s, dormant_s)`.
    alias_names: int = 250_000



@dataclass(frozen=True)
class StoryInput:
    """What clustering needs of an article."""

    article_id: str
    title: str
    text: str
    published: datetime
    outlet: str
    entities: tuple[str, ...] = ()
    duplicate_of: str | None = None
    #: (type, canonical name) of the article's entities, for typed overlap (learned model).
    typed_entities: tuple[tuple[str, str], ...] = ()


@dataclass
class Story:
    """One story's state: centroid, entities, outlets and the span it covers."""

    story_id: str
    first_seen: datetime
    last_seen: datetime
    title: str
    title_score: float = -1.0
    size: int = 0
    centroid: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0
    entities: Counter[str] = field(default_factory=Counter)
    outlets: Counter[str] = field(default_factory=Counter)
    merged_from: list[str] = field(default_factory=list)
    parts: StoryParts = field(default_factory=StoryParts)


@dataclass(frozen=True)
class StoryChange:
    """A change to a story that must be published: created, updated, or merged away."""

    event: str  # "created" | "updated" | "merged"
    story: Story
    merged_into: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A candidate story of an article, with its pair features and similarity logit."""

    story: Story
    features: list[float]
    logit: float


@dataclass(frozen=True)
class Assignment:
    """Where an article went, and every story change it caused."""

    article_id: str
    story_id: str
    score: float
    changes: tuple[StoryChange, ...]

