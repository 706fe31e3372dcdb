"""The learned story similarity: features, the packaged model, training, and its decisions."""

from __future__ import annotations

import gzip
import json
import math
from datetime import timedelta
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
from newswire.enricher.stories import StoryClusterer, StoryInput, cosine
from newswire.enricher.story_features import (
    DECISION_FEATURES,
    PAIR_FEATURES,
    numbers,
    pair_features,
)
from newswire.enricher.story_model import DEFAULT_MODEL, StoryModel, load_model

from tests.factories import T0


def test_numbers_are_taken_as_written() -> None:
    text = "A 23-year-old was shot near 135th Street at 2:30 a.m.; 1,200 rounds, case A7 closed."
    assert numbers(text) == ["23", "135th", "2:30", "1200"]


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
