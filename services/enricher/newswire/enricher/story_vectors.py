"""How story clustering reads an article: content words, document frequencies learnt from the
stream, the TF-IDF vector of the hand-tuned scorer and the sub-vectors of the learned similarity
(`ArticleVectors`: title, body lead, entities, numbers, typed entities, incident keys)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from newswire.enricher.story_features import (
    ENTITY_PREFIX,
    NUMBER_PREFIX,
    TYPED,
    ArticleVectors,
    incident_keys,
    numbers,
    unit,
)
from newswire.enricher.story_types import StoryConfig, StoryInput
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*", re.UNICODE)
_STOP = frozenset(ENGLISH_STOP_WORDS) | {"said", "says", "new", "just", "year", "years", "day"}


def tokens(text: str) -> list[str]:
    """Content words, lower-cased, possessives and plural -s folded (language-light on
    purpose: a stemmer per language is not worth its cost on headlines and leads)."""
    out: list[str] = []
    for raw in _WORD.findall(text.lower()):
        word = raw.replace("\u2019", "'").removesuffix("'s")
        word = word.replace("'", "")
        if len(word) < 2 or word in _STOP or word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        out.append(word)
    return out


class DocumentFrequencies:
    """Document frequencies learnt from the stream (IDF without a fitted vocabulary)."""

    def __init__(self) -> None:
        self.docs = 0
        self.df: Counter[str] = Counter()

    def add(self, terms: Iterable[str]) -> None:
        self.docs += 1
        self.df.update(set(terms))

    def idf(self, term: str) -> float:
        return math.log((1 + self.docs) / (1 + self.df.get(term, 0))) + 1.0


def vectorise(item: StoryInput, df: DocumentFrequencies, config: StoryConfig) -> dict[str, float]:
    """The L2-normalised TF-IDF vector of an article (title weighted up, body lead)."""
    title = tokens(item.title)
    body = tokens(" ".join(item.text.split()[: config.lead_words])) if item.text else []
    df.add([*title, *body])
    tf: dict[str, float] = {}
    for term in title:
        tf[term] = tf.get(term, 0.0) + config.title_weight
    for term in body:
        tf[term] = tf.get(term, 0.0) + 1.0
    vec = {t: (1.0 + math.log(n)) * df.idf(t) for t, n in tf.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def entity_key(name: str) -> str:
    """The postings key of an entity (a prefix no word token can have)."""
    return ENTITY_PREFIX + name


def featurise(item: StoryInput, df: DocumentFrequencies, config: StoryConfig) -> ArticleVectors:
    """The article's sub-vectors for the learned similarity (and learns its document
    frequencies): title, body lead, entities, numbers, and the combined vector of `vectorise`."""
    title = tokens(item.title)
    lead = " ".join(item.text.split()[: config.lead_words]) if item.text else ""
    body = tokens(lead)
    ents = [entity_key(name) for name in item.entities]
    head = f"{item.title}\n{lead}"
    nums = [NUMBER_PREFIX + n for n in numbers(head)]
    days, ages = incident_keys(head, item.published.date())
    df.add([*title, *body, *ents, *nums])
    idf = {t: df.idf(t) for t in {*title, *body, *ents, *nums}}
    tf_title = Counter(title)
    tf_body = Counter(body)
    combined: dict[str, float] = {t: config.title_weight * n for t, n in tf_title.items()}
    for t, n in tf_body.items():
        combined[t] = combined.get(t, 0.0) + n
    typed: dict[str, dict[str, None]] = {}
    for kind, name in item.typed_entities:
        if kind in TYPED:
            typed.setdefault(kind, {})[name] = None
    return ArticleVectors(
        title=unit(dict(tf_title), idf),
        body=unit(dict(tf_body), idf),
        entities=unit(dict(Counter(ents)), idf),
        numbers=unit(dict(Counter(nums)), idf),
        combined=unit(combined, idf),
        typed={kind: tuple(names) for kind, names in typed.items()},
        outlet=item.outlet,
        days=days,
        ages=ages,
        published=item.published.date().toordinal(),
    )

