"""Training the learned story similarity and new-story decision from labelled streams.

Each stream is replayed in time order through the clusterer's own steps (window, document
frequencies, candidate retrieval, pair features) with every article put into its *gold* story
(teacher forcing). Every candidate gives a similarity example (is it the article's story?);
every article with candidates gives a decision example (is the best-ranked candidate its story?),
the ranking coming from the similarity model fitted first. Both are logistic regressions
(scikit-learn, features standardised, the scaling folded back into raw-space weights).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newswire.contracts import Entity
from newswire.contracts.ids import story_id as make_story_id
from newswire.enricher.logic import CrossArticle, story_entities, story_typed_entities
from newswire.enricher.stories import StoryConfig, StoryInput
from newswire.enricher.story_features import (
    DECISION_FEATURES,
    PAIR_FEATURES,
    ArticleSignals,
    article_signals,
    decision_features,
)
from newswire.enricher.story_model import Linear, StoryModel


@dataclass(frozen=True)
class LabelledArticle:
    """An article of a training stream, its entities (as NER gives them) and its gold story."""

    article_id: str
    title: str
    text: str
    published: Any  # datetime
    outlet: str
    entities: tuple[Entity, ...]
    story: str


@dataclass
class Examples:
    """What a replay collects: pair features per article (with labels), best first."""

    pairs: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    # per article: (indices of its candidates in `pairs`, index of the gold one or -1, signals)
    groups: list[tuple[list[int], int, ArticleSignals]] = field(default_factory=list)
    articles: int = 0
    reachable: int = 0  # articles whose gold story was among the candidates
    continuing: int = 0  # articles whose gold story was in the window


def _story_input(state: CrossArticle, article: LabelledArticle) -> StoryInput:
    """The article as the clusterer sees it in the service (canonical entities, duplicate)."""
    names = [
        state.aliases.canonical(e.name, e.type, e.surface_forms)
        for e in article.entities
    ]
    canonical = state.canonical_entities(article.entities, names)
    duplicate = state.duplicates.check_and_add(
        article.article_id, article.text, article.published
    )
    return StoryInput(
        article_id=article.article_id,
        title=article.title,
        text=article.text,
        published=article.published,
        outlet=article.outlet,
        entities=story_entities(canonical),
        duplicate_of=duplicate.article_id if duplicate else None,
        typed_entities=story_typed_entities(canonical),
    )


def replay_decisions(
    stream: Iterable[LabelledArticle],
    config: StoryConfig,
    model: StoryModel,
    rows: list[list[float]],
    labels: list[int],
) -> None:
    """Replay one stream with the model's own decisions (the stories it would really have), adding
    a decision example per article with candidates: is the best candidate's story (by the gold
    story most of its articles have) the article's? This trains the decision on the state it
    meets in service, fragments and all, rather than on perfect stories."""
    state = CrossArticle(stories=replace(config, model=""))
    clusterer = state.clusterer
    clusterer.model = model
    majority: dict[str, Counter[str]] = {}
    for article in stream:
        item = _story_input(state, article)
        art = clusterer.featurise(item)
        found = clusterer.candidates(item, art)
        target: str | None = None
        if (
            item.duplicate_of is not None
            and item.duplicate_of in clusterer.article_story
        ):
            target = clusterer.resolve(clusterer.article_story[item.duplicate_of])
        elif found:
            values = decision_features(
                (c.logit for c in found), len(found), article_signals(art)
            )
            best = found[0].story.story_id
            golds = majority.get(best)
            rows.append(values)
            labels.append(
                int(golds is not None and golds.most_common(1)[0][0] == article.story)
            )
            if model.decision.probability(model.decision.logit(values)) >= 0.5:
                target = best
        story = clusterer.place(item, art, target or make_story_id(article.article_id))
        majority.setdefault(story.story_id, Counter())[article.story] += 1


def refit_decision(
    model: StoryModel, rows: list[list[float]], labels: list[int], c: float = 1.0
) -> StoryModel:
    """The model with its decision fitted on `replay_decisions` examples."""
    if len(set(labels)) < 2:
        raise ValueError(
            "not enough examples for the decision: every best candidate was right (or wrong)"
        )
    decision, dec_std = _fit(rows, labels, DECISION_FEATURES, c)
    weights = {**model.info["standardised_weights"], "decision": dec_std}
    info = {
        **model.info,
        "decision_examples": len(rows),
        "standardised_weights": weights,
    }
    return StoryModel(model.similarity, decision, info)


def replay(
    stream: Iterable[LabelledArticle],
    config: StoryConfig,
    examples: Examples,
    name: str,
) -> None:
    """Replay one stream with gold assignments, adding its examples."""
    state = CrossArticle(stories=config)
    clusterer = state.clusterer
    for article in stream:
        item = _story_input(state, article)
        duplicate = item.duplicate_of
        gold = f"{name}\x1f{article.story}"
        art = clusterer.featurise(item)
        found = clusterer.candidates(item, art)
        examples.articles += 1
        examples.continuing += duplicate is None and gold in clusterer.stories
        if duplicate is None and found:
            indices: list[int] = []
            hit = -1
            for candidate in found:
                indices.append(len(examples.pairs))
                examples.pairs.append(candidate.features)
                same = candidate.story.story_id == gold
                examples.labels.append(int(same))
                if same:
                    hit = indices[-1]
            examples.reachable += hit >= 0
            examples.groups.append((indices, hit, article_signals(art)))
        clusterer.place(item, art, gold)


def _fit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    names: tuple[str, ...],
    c: float,
) -> tuple[Linear, dict[str, float]]:
    """A logistic regression on standardised features, returned in raw feature space, with the
    standardised weights (what the model weighs most)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    fitted = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    std_weights = fitted.coef_[0]
    weights = std_weights / scale
    bias = float(fitted.intercept_[0] - float(np.dot(weights, mean)))
    return (
        Linear(names, tuple(float(w) for w in weights), bias),
        {n: round(float(w), 3) for n, w in zip(names, std_weights, strict=True)},
    )


def teacher_decisions(
    examples: Examples, similarity: Linear
) -> tuple[list[list[float]], list[int]]:
    """Decision examples from the teacher-forced replay: is the best-ranked candidate right?"""
    rows: list[list[float]] = []
    labels: list[int] = []
    for indices, hit, signals in examples.groups:
        ranked = sorted(
            indices, key=lambda i: similarity.logit(examples.pairs[i]), reverse=True
        )
        logits = [similarity.logit(examples.pairs[i]) for i in ranked]
        rows.append(decision_features(logits, len(ranked), signals))
        labels.append(int(ranked[0] == hit))
    return rows, labels


def fit(examples: Examples, info: dict[str, Any], c: float = 1.0) -> StoryModel:
    """Fit the similarity on the pairs, then the decision on each article's ranked candidates."""
    if not examples.pairs or len(set(examples.labels)) < 2:
        raise ValueError(
            "not enough examples: need candidates both of the right story and of others"
        )
    similarity, sim_std = _fit(examples.pairs, examples.labels, PAIR_FEATURES, c)
    rows, labels = teacher_decisions(examples, similarity)
    if len(set(labels)) < 2:
        raise ValueError(
            "not enough examples for the decision: every best candidate was right (or wrong)"
        )
    decision, dec_std = _fit(rows, labels, DECISION_FEATURES, c)
    info = {
        **info,
        "articles": examples.articles,
        "pairs": len(examples.pairs),
        "candidate_recall": round(examples.reachable / max(1, examples.continuing), 4),
        "standardised_weights": {"similarity": sim_std, "decision": dec_std},
    }
    return StoryModel(similarity, decision, info)


def train(
    streams: Sequence[tuple[str, Sequence[LabelledArticle]]],
    config: StoryConfig,
    info: dict[str, Any],
    c: float = 10.0,
) -> StoryModel:
    """The whole recipe: a teacher-forced replay of every stream fits the similarity (and a first
    decision); a replay with that model's own decisions adds the decision examples it meets in
    service; the decision is refitted on both. `c` is scikit-learn's inverse regularisation:
    10 (weak; ~88,000 pairs for ~30 weights) scored the held-out halves of both dev streams
    higher than 1 (UCI 0.936 / 0.928 against 0.906 / 0.922, gva-dev level); 100 was level
    with 10 but with larger weights."""
    features_only = replace(config, model="")  # the features do not depend on a model
    examples = Examples()
    for name, stream in streams:
        replay(stream, features_only, examples, name)
    first = fit(examples, {**info, "c": c}, c)
    rows, labels = teacher_decisions(examples, first.similarity)
    for _name, stream in streams:
        replay_decisions(stream, features_only, first, rows, labels)
    return refit_decision(first, rows, labels, c)
