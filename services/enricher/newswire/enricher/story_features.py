"""Features of an (article, candidate story) pair for the learned story similarity.

In the spirit of Miranda et al. 2018 ("Multilingual Clustering of Streaming News"): TF-IDF
sub-vectors of the title, the body lead, the canonical entities and the numbers mentioned, each
compared with the same sub-centroid of the story, plus typed entity overlap (people, places,
organisations), the time since the story was last and first seen, whether the outlet already
covered the story, and the story's size. Each is a convention of news, not of a data set: a
report of the same event names the same people and places, repeats its numbers (ages, counts,
times, addresses), and comes soon after the others.

Pure functions over plain dicts, so that the clusterer's state stays plain data and can be rebuilt
from Kafka like the rest of it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

#: The pair features of every article.
_PAIR_BASE: tuple[str, ...] = (
    "cos_title",
    "cos_body",
    "cos_title_body",
    "cos_entities",
    "cos_numbers",
    "cos_all",
    "person_overlap",
    "place_overlap",
    "organisation_overlap",
    "has_person",
    "has_place",
    "has_organisation",
    "person_conflict",
    "place_conflict",
    "organisation_conflict",
    "log_gap_h",
    "log_age_h",
    "same_outlet",
    "log_size",
    "has_body",
)
#: The pair features, in the order of the model's weights: the base ones, then each again for
#: articles with a body only (headlines and full text weigh the same evidence differently; one
#: model for both).
PAIR_FEATURES: tuple[str, ...] = _PAIR_BASE + tuple(
    f"{n}*body" for n in _PAIR_BASE[:-1]
)

#: Features of the new-story decision: the best candidate's similarity logit, the runner-up's,
#: the margin and how many candidates there were, each again for articles with a body. (The best
#: candidate's cosine and gap were tried too: the logit already holds them, and the decision
#: learnt to undo them, worse on the held-out halves.)
_DECISION_BASE: tuple[str, ...] = (
    "best_logit",
    "second_logit",
    "margin",
    "log_candidates",
    "has_body",
)
DECISION_FEATURES: tuple[str, ...] = _DECISION_BASE + tuple(
    f"{n}*body" for n in _DECISION_BASE[:-1]
)

TYPED = ("person", "place", "organisation")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?(?![\w])", re.UNICODE)
NO_RUNNER_UP = -10.0
ENTITY_PREFIX = "\x00"
NUMBER_PREFIX = "\x01"


def numbers(text: str) -> list[str]:
    """Numbers mentioned (ages, counts, times, addresses, dates), as written, thousands
    separators dropped."""
    return [m.replace(",", "") for m in _NUMBER.findall(text)]


def unit(tf: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """An L2-normalised TF-IDF vector from term counts (sublinear tf) and idf per term."""
    vec = {t: (1.0 + math.log(n)) * idf[t] for t, n in tf.items() if n > 0}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def dot(vec: dict[str, float], centroid: dict[str, float]) -> float:
    """Dot product of a (small) vector with a (large) centroid."""
    get = centroid.get
    return sum(w * get(t, 0.0) for t, w in vec.items())


@dataclass
class Centroid:
    """Sum of unit vectors, with its norm; capped to its heaviest terms."""

    weights: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0

    def add(self, vec: dict[str, float], cap: int) -> None:
        weights = self.weights
        for term, weight in vec.items():
            weights[term] = weights.get(term, 0.0) + weight
        if len(weights) > 2 * cap:
            keep = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)[:cap]
            self.weights = weights = dict(keep)
        self.norm = math.sqrt(sum(v * v for v in weights.values()))

    def absorb(self, other: Centroid, cap: int) -> None:
        self.add(other.weights, cap)

    def cosine(self, vec: dict[str, float]) -> float:
        return dot(vec, self.weights) / self.norm if self.norm and vec else 0.0


@dataclass(frozen=True)
class ArticleVectors:
    """An article as the learned similarity sees it."""

    title: dict[str, float]
    body: dict[str, float]
    entities: dict[str, float]
    numbers: dict[str, float]
    combined: dict[str, float]
    typed: dict[str, frozenset[str]]
    outlet: str


@dataclass
class StoryParts:
    """The sub-centroids and typed entities of a story (learned similarity only)."""

    title: Centroid = field(default_factory=Centroid)
    body: Centroid = field(default_factory=Centroid)
    entities: Centroid = field(default_factory=Centroid)
    numbers: Centroid = field(default_factory=Centroid)
    typed: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, art: ArticleVectors, cap: int) -> None:
        self.title.add(art.title, cap)
        self.body.add(art.body, cap)
        self.entities.add(art.entities, cap)
        self.numbers.add(art.numbers, cap)
        for kind, names in art.typed.items():
            self.typed.setdefault(kind, Counter()).update(names)

    def absorb(self, other: StoryParts, cap: int) -> None:
        self.title.absorb(other.title, cap)
        self.body.absorb(other.body, cap)
        self.entities.absorb(other.entities, cap)
        self.numbers.absorb(other.numbers, cap)
        for kind, names in other.typed.items():
            self.typed.setdefault(kind, Counter()).update(names)


def _overlap(names: frozenset[str], known: Counter[str] | None) -> float:
    if not names or not known:
        return 0.0
    return sum(1 for n in names if n in known) / len(names)


def pair_features(
    art: ArticleVectors,
    parts: StoryParts,
    cos_all: float,
    gap_h: float,
    age_h: float,
    outlet_seen: bool,
    size: int,
) -> list[float]:
    """The PAIR_FEATURES of an article against a story."""
    typed = art.typed
    values = [
        parts.title.cosine(art.title),
        parts.body.cosine(art.body),
        parts.body.cosine(art.title),
        parts.entities.cosine(art.entities),
        parts.numbers.cosine(art.numbers),
        cos_all,
    ]
    values.extend(
        _overlap(typed.get(kind, frozenset()), parts.typed.get(kind)) for kind in TYPED
    )
    values.extend(1.0 if typed.get(kind) else 0.0 for kind in TYPED)
    # both name people (places, organisations) and share none: another incident, usually
    values.extend(
        1.0
        if typed.get(kind) and parts.typed.get(kind) and values[6 + i] == 0.0
        else 0.0
        for i, kind in enumerate(TYPED)
    )
    values.extend(
        [
            math.log1p(max(0.0, gap_h)),
            math.log1p(max(0.0, age_h)),
            1.0 if outlet_seen else 0.0,
            math.log(max(1, size)),
        ]
    )
    body = 1.0 if art.body else 0.0
    values.append(body)
    values.extend(
        [v * body for v in values[:-1]] if body else [0.0] * (len(values) - 1)
    )
    return values


def decision_features(
    logits: Iterable[float], candidates: int, has_body: bool
) -> list[float]:
    """The DECISION_FEATURES from the candidates' similarity logits, best first."""
    ranked = list(logits)
    top = ranked[0] if ranked else NO_RUNNER_UP
    # without a runner-up, a logit as low as real runner-ups usually score (-5 to -10): one
    # candidate is not a tie (that would read as the ambiguity of two equal candidates)
    second = ranked[1] if len(ranked) > 1 else NO_RUNNER_UP
    values = [top, second, top - second, math.log1p(candidates)]
    body = 1.0 if has_body else 0.0
    return [*values, body, *(v * body for v in values)]
