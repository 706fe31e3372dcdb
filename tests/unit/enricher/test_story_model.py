"""The learned story similarity: features, the packaged model, training, and its decisions."""

from __future__ import annotations

import gzip
import json
import math
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from newswire.enricher import cluster_cmd
from newswire.enricher.evaluation import (
    baseline_best,
    baseline_single_pass,
    bcubed,
    gold_labels,
    read_story_set,
)
from newswire.enricher.stories import StoryClusterer, StoryConfig, StoryInput, cosine
from newswire.enricher.story_features import (
    DECISION_FEATURES,
    PAIR_FEATURES,
    ArticleVectors,
    ages,
    article_signals,
    decision_features,
    dot,
    event_days,
    numbers,
    pair_features,
)
from newswire.enricher.story_model import DEFAULT_MODEL, Linear, StoryModel, load_model

from tests.factories import T0


def test_numbers_are_taken_as_written() -> None:
    text = "A 23-year-old was shot near 135th Street at 2:30 a.m.; 1,200 rounds, case A7 closed."
    assert numbers(text) == ["23", "135th", "2:30", "1200"]


def test_event_days_are_resolved_against_the_publication_day() -> None:
    monday = date(2031, 3, 10)
    assert monday.weekday() == 0

    def days(text: str) -> list[date]:
        return sorted(date.fromordinal(d) for d in event_days(text, monday))

    assert days("The man was shot on Saturday night and died Sunday.") == [
        date(2031, 3, 8),
        date(2031, 3, 9),
    ]
    assert days("Police said the crash happened yesterday.") == [date(2031, 3, 9)]
    assert days("A fire broke out on Monday morning.") == [monday]
    assert days("The trial opens on March 3rd; the raid was on 2 Feb.") == [
        date(2031, 2, 2),
        date(2031, 3, 3),
    ]
    # a month and day well after publication is last year's
    assert days("The storm of Dec. 28 left thousands without power.") == [
        date(2030, 12, 28)
    ]
    assert days("It may 12:30 rain; February 30 is no day.") == []


def test_the_decision_knows_whether_the_article_reports_a_fresh_event_or_cites_an_earlier_one() -> None:
    """A first report says its event happened today or yesterday; a follow-up cites an earlier
    day (the shooting "on March 3" at a hearing weeks later)."""
    monday = date(2031, 3, 10)

    def signals(text: str, body: bool = True) -> tuple[float, float, float]:
        days = event_days(text, monday)
        vec = {"w": 1.0} if body else {}
        return article_signals(ArticleVectors(vec, vec, {}, {}, vec, {}, "o", days, frozenset(), monday.toordinal()))

    assert signals("A man was shot last night.") == (1.0, 0.0, 1.0)
    assert signals("He was shot on Sunday and died on Monday.") == (1.0, 0.0, 1.0)
    assert signals("He appeared in court over the shooting on March 3.") == (0.0, 1.0, 1.0)
    assert signals("No day at all.", body=False) == (0.0, 0.0, 0.0)
    values = dict(zip(DECISION_FEATURES, decision_features([2.0, -1.0], 2, (0.0, 1.0, 1.0)), strict=True))
    assert values["past_days"] == values["past_days*body"] == 1.0 and values["fresh_days"] == 0.0
    assert values["margin"] == 3.0 and values["margin*body"] == 3.0


def test_ages_are_read_as_news_write_them() -> None:
    text = (
        "A 23-year-old man and Jane Doe, 41, of Springfield were hurt; a girl aged 7 was "
        "unharmed. In 1999, 12 people were hurt; the 150-year-old bridge held."
    )
    assert ages(text) == {23, 41, 7}


def test_sparse_products_are_the_plain_sums_to_the_last_bit() -> None:
    """`dot` skips the terms a centroid lacks and `Linear.logit` multiplies by `map`: both give
    the very float of the plain sum in the same order (a decision at the threshold must not
    flip), also with zeros and terms on one side only."""
    rng = random.Random(7)
    terms = [f"t{i}" for i in range(300)]
    for _ in range(200):
        vec = {t: rng.random() for t in rng.sample(terms, rng.randint(0, 40))}
        centroid = {t: rng.choice([0.0, rng.random() * 9]) for t in rng.sample(terms, rng.randint(0, 250))}
        assert dot(vec, centroid) == sum(w * centroid.get(t, 0.0) for t, w in vec.items())
        weights = tuple(rng.uniform(-3, 3) for _ in range(12))
        values = [rng.choice([0.0, 1.0, rng.uniform(-5, 5)]) for _ in range(12)]
        model = Linear(tuple(f"f{i}" for i in range(12)), weights, -0.25)
        assert model.logit(values) == -0.25 + sum(w * x for w, x in zip(weights, values, strict=True))
    assert dot({}, {"a": 1.0}) == 0.0 and dot({"a": 1.0}, {}) == 0.0
    with pytest.raises(ValueError, match="11 feature values for 12 weights"):
        model.logit(values[:11])


def test_the_packaged_model_matches_the_code_and_is_finite() -> None:
    model = load_model(DEFAULT_MODEL)
    assert (
        model.similarity.features == PAIR_FEATURES
        and model.decision.features == DECISION_FEATURES
    )
    assert all(
        math.isfinite(w) for w in (*model.similarity.weights, *model.decision.weights)
    )
    data = model.as_json()
    data["similarity"]["features"] = data["similarity"]["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        StoryModel.from_json(data)


def _incident(
    n: int, title: str, text: str, hours: int, person: str, place: str, outlet: str
) -> StoryInput:
    people = (person,) * 2
    return StoryInput(
        f"a{n}",
        title,
        text,
        T0 + timedelta(hours=hours),
        outlet,
        (*people, place),
        typed_entities=(("person", person), ("place", place)),
    )


HAWTHORNE = _incident(
    1,
    "Man shot dead outside home in Hawthorne",
    "Police said Marcus Reed, 23, was shot several times outside a home on Cerise Avenue in "
    "Hawthorne late on Saturday. He died in hospital. No arrests have been made.",
    0,
    "Marcus Reed",
    "Hawthorne",
    "o1",
)
FOLLOW_UP = _incident(
    2,
    "Hawthorne shooting victim identified as Marcus Reed, 23",
    "The man killed on Cerise Avenue in Hawthorne on Saturday night was Marcus Reed, 23, the "
    "coroner said on Sunday. Detectives are looking for a gunman who fled on foot.",
    20,
    "Marcus Reed",
    "Hawthorne",
    "o2",
)
LOOKALIKE = _incident(
    3,
    "Man shot dead outside home in Fresno",
    "Officers responded to reports of gunfire on Olive Avenue in Fresno shortly after midnight and "
    "found Dale Ortiz, 41, with a gunshot wound. He died at the scene. A suspect fled in a car, "
    "police said.",
    1,
    "Dale Ortiz",
    "Fresno",
    "o3",
)


def test_a_follow_up_report_joins_its_incident() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add(HAWTHORNE)
    same = clusterer.add(FOLLOW_UP)
    assert same.story_id == first.story_id and same.score >= 0.5
    story = clusterer.stories[first.story_id]
    assert story.size == 2 and story.parts.typed["person"]["Marcus Reed"] == 2


def test_the_learned_similarity_ranks_the_same_incident_above_a_lookalike() -> None:
    clusterer = StoryClusterer()
    for item, story in ((HAWTHORNE, "H"), (LOOKALIKE, "F")):
        clusterer.place(item, clusterer.featurise(item), story)
    art = clusterer.featurise(FOLLOW_UP)
    assert next(c.story.story_id for c in clusterer.candidates(FOLLOW_UP, art)) == "H"
    model = load_model(DEFAULT_MODEL)
    scored = {}
    for sid in ("H", "F"):
        story = clusterer.stories[sid]
        gap = (FOLLOW_UP.published - story.last_seen).total_seconds() / 3600
        features = pair_features(
            art, story.parts, cosine(art.combined, story), gap, gap, False, story.size
        )
        scored[sid] = (
            model.similarity.logit(features),
            dict(zip(PAIR_FEATURES, features, strict=True)),
        )
    assert scored["H"][0] > scored["F"][0]
    assert scored["F"][1]["person_conflict"] == scored["F"][1]["place_conflict"] == 1.0
    assert scored["H"][1]["person_overlap"] == 1.0


ROWS = [
    ("1", "Fed's Plosser sees high bar for change in taper pace", "s1", 0),
    ("2", "Apple unveils cheaper iPhone 5c model", "s2", 1),
    ("3", "Plosser: Fed taper pace should not slow", "s1", 2),
    ("4", "Cheaper iPhone 5c from Apple goes on sale", "s2", 3),
    ("5", "Fed official Plosser says taper pace on track", "s1", 4),
    ("6", "Apple shares slip as Fed taper talk weighs on markets", "s3", 5),
    ("7", "Apple iPhone 5c sales start slowly in China", "s2", 6),
    ("8", "Fed's Plosser repeats taper pace view", "s1", 7),
]


def _jsonl_gz(tmp_path: Path) -> Path:
    path = tmp_path / "set.jsonl.gz"
    lines = [
        json.dumps(
            {
                "id": i,
                "title": t,
                "text": "",
                "published": (T0 + timedelta(minutes=m)).isoformat(),
                "outlet": f"o{i}",
                "story": s,
            }
        )
        for i, t, s, m in ROWS
    ]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return path


def test_gzipped_jsonl_sets_are_read_and_the_baseline_takes_its_best_threshold(
    tmp_path: Path,
) -> None:
    items = read_story_set(_jsonl_gz(tmp_path))
    assert [i.id for i in items] == [r[0] for r in ROWS] and items[0].published == T0
    gold = gold_labels(items)
    threshold, labels = baseline_best(items, gold, (0.05, 0.3, 0.95))
    best = bcubed(labels, gold).f1
    assert all(
        best >= bcubed(baseline_single_pass(items, t), gold).f1
        for t in (0.05, 0.3, 0.95)
    )
    assert labels == baseline_single_pass(items, threshold)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("cluster")(cluster_cmd.cluster)
    app.command("stories")(cluster_cmd.eval_stories)
    return app


def test_cluster_train_writes_a_model_that_cluster_and_eval_use(tmp_path: Path) -> None:
    dataset = _jsonl_gz(tmp_path)
    out = tmp_path / "model.json"
    trained = CliRunner().invoke(
        _app(), ["cluster", "train", str(dataset), "-o", str(out), "--no-ner"]
    )
    assert trained.exit_code == 0, trained.output
    model = StoryModel.from_json(json.loads(out.read_text(encoding="utf-8")))
    assert model.info["articles"] == len(ROWS) and model.info["pairs"] > 0
    # the right candidate scores higher than the wrong one on the evidence the set gives
    assert model.similarity.weights[PAIR_FEATURES.index("cos_all")] > 0
    items = read_story_set(dataset)
    lines = "\n".join(json.dumps(i.as_input()) for i in items) + "\n"
    ran = CliRunner().invoke(
        _app(), ["cluster", "--no-ner", "--model", str(out)], input=lines
    )
    assert ran.exit_code == 0, ran.output
    assert len(
        [line for line in ran.stdout.splitlines() if line.startswith("{")]
    ) == len(ROWS)
    scored = CliRunner().invoke(
        _app(), ["stories", str(dataset), "--no-ner", "--model", str(out), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    scores = json.loads(scored.stdout)["scores"]
    assert set(scores) == {"newswire", "hand-tuned", "baseline"} and scores["newswire"][
        "items"
    ] == len(ROWS)
    bad = CliRunner().invoke(_app(), ["cluster", "fit", str(dataset)])
    assert bad.exit_code == 2


def _report(n: int, title: str, text: str, days: int) -> StoryInput:
    return StoryInput(f"r{n}", title, text, T0 + timedelta(days=days), f"o{n}")


def test_incident_days_and_ages_are_compared_with_the_story() -> None:
    # T0 is a Thursday: "Tuesday" is two days before it
    first = _report(
        1,
        "Man shot on Tuesday night in Linden",
        "Lee Park, 34, was shot on Tuesday night outside a shop in Linden, police said.",
        0,
    )
    follow_up = _report(
        2,
        "Linden shooting victim named",
        "The 34-year-old man shot on Tuesday in Linden was Lee Park, his family said.",
        1,
    )
    other = _report(
        3,
        "Man shot on Wednesday night in Linden",
        "Ray Moss, 52, was shot on Wednesday night outside a shop in Linden, police said.",
        8,
    )
    clusterer = StoryClusterer()
    clusterer.place(first, clusterer.featurise(first), "S")
    story = clusterer.stories["S"]
    assert story.parts.days and set(story.parts.ages) == {34}

    def keys(item: StoryInput) -> dict[str, float]:
        art = clusterer.featurise(item)
        gap = (item.published - story.last_seen).total_seconds() / 3600
        values = pair_features(
            art, story.parts, cosine(art.combined, story), gap, gap, False, story.size
        )
        named = dict(zip(PAIR_FEATURES, values, strict=True))
        return {
            k: named[k] for k in ("day_match", "day_conflict", "age_match", "age_conflict")
        }

    assert keys(follow_up) == {
        "day_match": 1.0,
        "day_conflict": 0.0,
        "age_match": 1.0,
        "age_conflict": 0.0,
    }
    assert keys(other) == {
        "day_match": 0.0,
        "day_conflict": 1.0,
        "age_match": 0.0,
        "age_conflict": 1.0,
    }


def _cosine_model(path: Path) -> str:
    """A model whose similarity is 20 * cos_all - 10 and whose decision is the best logit."""
    weights = [20.0 if name == "cos_all" else 0.0 for name in PAIR_FEATURES]
    decision = [1.0 if name == "best_logit" else 0.0 for name in DECISION_FEATURES]
    model = StoryModel(
        Linear(PAIR_FEATURES, tuple(weights), -10.0),
        Linear(DECISION_FEATURES, tuple(decision), 0.0),
        {},
    )
    model.save(path)
    return str(path)


def test_an_article_that_links_two_fragments_merges_them(tmp_path: Path) -> None:
    text = "Flood waters closed the Alder bridge and the river road near Brookfield mill."
    fragments = (
        _report(1, "Flood closes Alder bridge", text, 0),
        _report(2, "Alder bridge closed by flood", text, 0),
    )
    link = _report(3, "Flood closes Alder bridge near Brookfield", text, 0)
    model = _cosine_model(tmp_path / "cosine.json")
    for merge_logit, merged in ((3.5, True), (50.0, False)):
        clusterer = StoryClusterer(StoryConfig(model=model, merge_logit=merge_logit))
        for item, story in zip(fragments, ("X", "Y"), strict=True):
            clusterer.place(item, clusterer.featurise(item), story)
        assigned = clusterer.add(link)
        events = [change.event for change in assigned.changes]
        if merged:
            assert events == ["merged", "updated"] and assigned.story_id == "X"
            assert clusterer.resolve("Y") == "X" and clusterer.stories["X"].size == 3
            assert assigned.changes[0].merged_into == "X"
        else:
            assert events == ["updated"] and set(clusterer.stories) == {"X", "Y"}
