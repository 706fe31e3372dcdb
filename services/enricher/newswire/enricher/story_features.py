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
from datetime import date, timedelta

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
    "day_match",
    "day_conflict",
    "age_match",
    "age_conflict",
    "has_body",
)
#: The pair features, in the order of the model's weights: the base ones, then each again for
#: articles with a body only (headlines and full text weigh the same evidence differently; one
#: model for both).
PAIR_FEATURES: tuple[str, ...] = _PAIR_BASE + tuple(
    f"{n}*body" for n in _PAIR_BASE[:-1]
)

#: Features of the new-story decision: the best candidate's similarity logit, the runner-up's,
#: the margin and how many candidates there were, and when the article says things happened:
#: only on its publication day or the day before (`fresh_days`: a first report of an event,
#: usually) or also earlier (`past_days`: a follow-up citing the event); each again for articles
#: with a body. (The best candidate's cosine and gap were tried too: the logit already holds
#: them, and the decision learnt to undo them, worse on the held-out halves.)
_DECISION_BASE: tuple[str, ...] = (
    "best_logit",
    "second_logit",
    "margin",
    "log_candidates",
    "fresh_days",
    "past_days",
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


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
#: Words naming a day relative to the publication day ("yesterday", "last night", "on Saturday").
_RELATIVE = {
    "yesterday": -1, "last night": -1, "today": 0, "tonight": 0,
    "this morning": 0, "this afternoon": 0, "this evening": 0,
}  # fmt: skip
#: A number after a space, as a day or an age after its word ("March 3", "Jan. 5th", "aged 23");
#: and a number before its word: a day and month ("3 March", "3rd of March") or an age ("a
#: 23-year-old"). Each led by a digit (rare) and its context checked in Python: far cheaper than
#: look-behinds or a leading alternation of words, which the regex engine tries at every position.
_NUMBER_AFTER_WORD = re.compile(r"\s(\d{1,2})(?:st|nd|rd|th)?(?![\d:])")
_NUMBER_BEFORE_WORD = re.compile(
    rf"(\d{{1,3}})(?:(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|[- ]years?[- ]old\b)"
)
_MONTH_WORD = re.compile(rf"{_MONTH}\.?")
#: An age between commas after a name: "Marcus Reed, 23, of ...".
_AGE_AFTER_NAME = re.compile(r", (\d{1,2}),(?= )")
#: Two days this close are one (a night across midnight, a day's time zones).
DAY_SLACK = 1
_SLACK = range(-DAY_SLACK, DAY_SLACK + 1)


def incident_keys(text: str, published: date) -> tuple[frozenset[int], frozenset[int]]:
    """The days (proleptic ordinals) the text says things happened on, resolved against its
    publication day, and the ages it gives. A weekday is its latest occurrence on or before the
    publication day; a month and day its latest occurrence no later than a month after it."""
    low = text.lower()
    today = published.toordinal()
    days: set[int] = {today + back for word, back in _RELATIVE.items() if word in low}
    for index, name in enumerate(_WEEKDAYS):
        if name in low:
            days.add(today - (published.weekday() - index) % 7)
    found: set[int] = set()
    for match in _NUMBER_AFTER_WORD.finditer(low):
        words = low[max(0, match.start() - 12) : match.start()].split()
        word = words[-1] if words else ""
        if word in ("age", "aged"):
            found.add(int(match.group(1)))
        elif _MONTH_WORD.fullmatch(word):
            _add_day(days, published, word, int(match.group(1)))
    for match in _NUMBER_BEFORE_WORD.finditer(low):
        if match.start() and low[match.start() - 1] in "0123456789.":
            continue
        number, month = match.groups()
        if month:
            _add_day(days, published, month, int(number))
        else:
            found.add(int(number))
    for match in _AGE_AFTER_NAME.finditer(low):
        if match.start() and low[match.start() - 1].isalpha():
            found.add(int(match.group(1)))
    return frozenset(days), frozenset(a for a in found if 0 < a < 120)


def _add_day(days: set[int], published: date, name: str, day: int) -> None:
    month = _MONTHS[name[:3]]
    when = _calendar_day(published.year, month, day)
    if when is not None and when > published + timedelta(days=31):
        when = _calendar_day(published.year - 1, month, day)
    if when is not None:
        days.add(when.toordinal())


def event_days(text: str, published: date) -> frozenset[int]:
    """The days of `incident_keys`."""
    return incident_keys(text, published)[0]


def ages(text: str) -> frozenset[int]:
    """The ages of `incident_keys` (people's, as news write them)."""
    return incident_keys(text, date.min)[1]


def _calendar_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def unit(tf: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    """An L2-normalised TF-IDF vector from term counts (sublinear tf) and idf per term."""
    vec = {t: (1.0 + math.log(n)) * idf[t] for t, n in tf.items() if n > 0}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm else {}


def dot(vec: dict[str, float], centroid: dict[str, float]) -> float:
    """Dot product of a (small) vector with a (large) centroid, summed in `vec`'s order. A term
    the centroid lacks is skipped, not added as 0.0: the same float (x + 0.0 == x), for half
    the CPU of a generator over every term (the candidates' scoring is mostly these products)."""
    get = centroid.get
    total = 0.0
    for term, weight in vec.items():
        value = get(term)
        if value is not None:
            total += weight * value
    return total


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
    #: People, places and organisations by kind, each once, in order of appearance (an ordered
    #: tuple, not a set: a story's name counts break ties by insertion order, and a set's order
    #: changes with PYTHONHASHSEED).
    typed: dict[str, tuple[str, ...]]
    outlet: str
    #: The days the article says things happened on (ordinals) and the ages it gives.
    days: frozenset[int] = frozenset()
    ages: frozenset[int] = frozenset()
    #: Its publication day (ordinal).
    published: int = 0


@dataclass
class StoryParts:
    """The sub-centroids and typed entities of a story (learned similarity only)."""

    title: Centroid = field(default_factory=Centroid)
    body: Centroid = field(default_factory=Centroid)
    entities: Centroid = field(default_factory=Centroid)
    numbers: Centroid = field(default_factory=Centroid)
    typed: dict[str, Counter[str]] = field(default_factory=dict)
    days: Counter[int] = field(default_factory=Counter)
    ages: Counter[int] = field(default_factory=Counter)

    def add(self, art: ArticleVectors, cap: int) -> None:
        self.title.add(art.title, cap)
        self.body.add(art.body, cap)
        self.entities.add(art.entities, cap)
        self.numbers.add(art.numbers, cap)
        for kind, names in art.typed.items():
            self.typed.setdefault(kind, Counter()).update(names)
        self.days.update(art.days)
        self.ages.update(art.ages)

    def absorb(self, other: StoryParts, cap: int) -> None:
        self.title.absorb(other.title, cap)
        self.body.absorb(other.body, cap)
        self.entities.absorb(other.entities, cap)
        self.numbers.absorb(other.numbers, cap)
        for kind, names in other.typed.items():
            self.typed.setdefault(kind, Counter()).update(names)
        self.days.update(other.days)
        self.ages.update(other.ages)


def _days_agree(days: frozenset[int], known: Counter[int]) -> tuple[float, float]:
    """(match, conflict): the article names a day the story does (give or take `DAY_SLACK`);
    both name days and none agree."""
    if not days or not known:
        return 0.0, 0.0
    near = any(d + k in known for d in days for k in _SLACK)
    return (1.0, 0.0) if near else (0.0, 1.0)


def _ages_agree(found: frozenset[int], known: Counter[int]) -> tuple[float, float]:
    """(match, conflict) of the ages of an article and a story, as for days (exact)."""
    if not found or not known:
        return 0.0, 0.0
    return (1.0, 0.0) if any(a in known for a in found) else (0.0, 1.0)


def _overlap(names: tuple[str, ...], known: Counter[str] | None) -> float:
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
        _overlap(typed.get(kind, ()), parts.typed.get(kind)) for kind in TYPED
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
            *_days_agree(art.days, parts.days),
            *_ages_agree(art.ages, parts.ages),
        ]
    )
    body = 1.0 if art.body else 0.0
    values.append(body)
    values.extend(
        [v * body for v in values[:-1]] if body else [0.0] * (len(values) - 1)
    )
    return values


#: What the decision knows of the article itself: (fresh days, past days, has a body).
ArticleSignals = tuple[float, float, float]


def article_signals(art: ArticleVectors) -> ArticleSignals:
    """The article's `fresh_days` and `past_days` (see DECISION_FEATURES) and whether it has a
    body."""
    body = 1.0 if art.body else 0.0
    if not art.days:
        return 0.0, 0.0, body
    past = min(art.days) < art.published - DAY_SLACK
    return (0.0, 1.0, body) if past else (1.0, 0.0, body)


def decision_features(
    logits: Iterable[float], candidates: int, signals: ArticleSignals
) -> list[float]:
    """The DECISION_FEATURES from the candidates' similarity logits, best first, and the
    article's signals."""
    ranked = list(logits)
    top = ranked[0] if ranked else NO_RUNNER_UP
    # without a runner-up, a logit as low as real runner-ups usually score (-5 to -10): one
    # candidate is not a tie (that would read as the ambiguity of two equal candidates)
    second = ranked[1] if len(ranked) > 1 else NO_RUNNER_UP
    fresh, past, body = signals
    values = [top, second, top - second, math.log1p(candidates), fresh, past]
    return [*values, body, *(v * body for v in values)]
