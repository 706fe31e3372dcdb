"""B-cubed, the story-set reader, the baseline, and the `cluster` / `eval stories` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from newswire.enricher import cluster_cmd
from newswire.enricher.evaluation import baseline_single_pass, bcubed, gold_labels, read_story_set

CSV_HEAD = "ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP\n"
ROWS = [
    ("1", "Fed's Plosser sees high bar for change in taper pace", "A", "s1", 1394470370698),
    ("2", "Apple unveils cheaper iPhone 5c model", "B", "s2", 1394470371000),
    ("3", "Plosser: Fed taper pace should not slow", "C", "s1", 1394470372000),
    ("4", "Cheaper iPhone 5c from Apple goes on sale", "D", "s2", 1394470373000),
    ("5", "Fed official Plosser says taper pace on track", "E", "s1", 1394470374000),
    ("6", "Truncated row without a story", "F", "", 1394470375000),
]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "stories.csv"
    lines = [f'{i},"{t}",http://x/{i},{p},b,{s},x,{ts}' for i, t, p, s, ts in ROWS]
    path.write_text(CSV_HEAD + "\n".join(reversed(lines)) + "\n", encoding="utf-8")
    return path


def test_bcubed_known_values() -> None:
    gold = {"a": "1", "b": "1", "c": "2", "d": "2"}
    assert bcubed(gold, gold).f1 == 1.0
    one = bcubed({k: "x" for k in gold}, gold)
    assert one.precision == 0.5 and one.recall == 1.0 and one.predicted_clusters == 1
    singletons = bcubed({k: k for k in gold}, gold)
    assert singletons.precision == 1.0 and singletons.recall == 0.5
    mixed = bcubed({"a": "p", "b": "p", "c": "p", "d": "q"}, gold)
    # a, b: P 2/3 R 1; c: P 1/3 R 1/2; d: P 1 R 1/2
    assert mixed.precision == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert mixed.recall == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    with pytest.raises(ValueError):
        bcubed({}, gold)


def test_story_set_in_time_order_and_the_baseline(tmp_path: Path) -> None:
    items = read_story_set(_csv(tmp_path))
    assert [i.id for i in items] == ["1", "2", "3", "4", "5"]  # sorted by time, bad row skipped
    assert items[0].outlet == "A" and items[0].published.year == 2014
    gold = gold_labels(items)
    assert len(set(baseline_single_pass(items, 0.99).values())) == 5
    assert len(set(baseline_single_pass(items, 0.0).values())) == 1
    assert bcubed(baseline_single_pass(items, 0.1), gold).f1 > 0.5


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("cluster")(cluster_cmd.cluster)
    app.command("stories")(cluster_cmd.eval_stories)
    return app


def test_cluster_command_reads_articles_and_writes_assignments(tmp_path: Path) -> None:
    items = read_story_set(_csv(tmp_path))
    lines = [json.dumps(i.as_input()) for i in items]
    lines.insert(2, "not json")
    result = CliRunner().invoke(_app(), ["cluster", "--no-ner"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [o["id"] for o in out] == ["1", "2", "3", "4", "5"]
    story = {o["id"]: o["story_id"] for o in out}
    assert story["1"] == story["3"] == story["5"] and story["2"] == story["4"] != story["1"]
    (tmp_path / "assign.jsonl").write_text("\n".join(json.dumps(o) for o in out), encoding="utf-8")
    scored = CliRunner().invoke(
        _app(), ["stories", str(_csv(tmp_path)), "--assignments", str(tmp_path / "assign.jsonl"), "--json"]
    )
    assert scored.exit_code == 0, scored.output
    payload = json.loads(scored.stdout)
    assert payload["scores"]["newswire"]["f1"] == 1.0 and "baseline" in payload["scores"]


def test_eval_stories_runs_the_clustering_and_rejects_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["stories", str(_csv(tmp_path)), "--no-ner", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scores"]["newswire"]["items"] == 5
    missing = CliRunner().invoke(_app(), ["stories", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    unrelated = CliRunner().invoke(_app(), ["stories", str(_csv(tmp_path)), "--assignments", str(tmp_path / "empty.jsonl")])
    assert unrelated.exit_code == 2 and "no item" in unrelated.output
