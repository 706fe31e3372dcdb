"""`newswire cluster` and `newswire eval stories`: the enricher's story clustering on a file.

`cluster` runs the service's own clustering code (`newswire.enricher.offline`) over articles read
as JSON lines from stdin, in time order, and writes one `{"id", "story_id"}` line per article.
`eval stories` (registered in the `eval` group) scores it, next to a single-pass TF-IDF baseline,
against gold story labels.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.table import Table

from newswire.cli._common import console, err_console

if TYPE_CHECKING:
    from newswire.enricher.entities import NerLabels


def _settings() -> Any:
    from newswire.enricher.settings import EnricherSettings

    return EnricherSettings()


def _loader(ner: bool, labels: NerLabels) -> Any:
    if not ner:
        return None
    from functools import partial

    from newswire.enricher.entities import load_pipeline

    return partial(load_pipeline, labels=labels)


def cluster(
    action: list[str] | None = typer.Argument(
        None, metavar="[train FILE...]",
        help="Nothing: cluster stdin. `train FILE...`: learn the story model from labelled story sets.",
    ),
    output: Path | None = typer.Option(None, "-o", "--output", help="train: where to write the model JSON."),
    half: str = typer.Option("all", "--half", help="train: all | first | second half of each set."),
    ner: bool = typer.Option(True, "--ner/--no-ner", help="Use entities (spaCy) as a feature."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Override the join threshold (hand-tuned scorer, --model '')."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Story model: a JSON file from `cluster train`, '' for the hand-tuned scorer."
    ),
) -> None:
    """Read articles (JSON lines: id, title, text, published, outlet) from stdin in time order;
    write {"id", "story_id"} lines to stdout. Bad lines are reported on stderr and skipped.
    `newswire cluster train FILE... -o model.json` learns the story model instead."""
    from dataclasses import replace

    from newswire.enricher.offline import Item, ItemError, cluster_items, parse_item

    if action:
        if action[0] != "train" or len(action) < 2:
            raise typer.BadParameter("the only action is `train FILE...`")
        if output is None:
            raise typer.BadParameter("train needs -o/--output")
        _train([Path(name) for name in action[1:]], output, half, ner)
        return
    settings = _settings()
    config = settings.story_config()
    if model is not None:
        config = replace(config, model=model)
    if threshold is not None:
        config = replace(config, threshold=threshold)

    def items() -> Any:
        for number, line in enumerate(sys.stdin.buffer, 1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                if not isinstance(row, dict):
                    raise ItemError(f"line {number}: not a JSON object")
                item: Item = parse_item(row, number)
            except (orjson.JSONDecodeError, ItemError) as exc:
                err_console.print(f"[yellow]skipped[/yellow] {exc}")
                continue
            yield item

    out = sys.stdout.buffer
    for ident, story in cluster_items(
        items(), config, settings.spacy_models, _loader(ner, settings.ner_labels), settings.duplicate_threshold
    ):
        out.write(orjson.dumps({"id": ident, "story_id": story}) + b"\n")
    out.flush()


def _halve(items: list[Any], half: str) -> list[Any]:
    if half not in ("all", "first", "second"):
        raise typer.BadParameter("--half must be all, first or second")
    middle = len(items) // 2
    return items[:middle] if half == "first" else items[middle:] if half == "second" else items


def _train(paths: list[Path], output: Path, half: str, ner: bool) -> None:
    """Learn the story model from labelled story sets (each replayed as its own stream)."""
    from newswire.enricher.evaluation import read_story_set
    from newswire.enricher.offline import Item, with_entities
    from newswire.enricher.story_training import LabelledArticle, train

    settings = _settings()
    config = settings.story_config()
    streams: list[tuple[str, list[LabelledArticle]]] = []
    for path in paths:
        try:
            items = _halve(read_story_set(path), half)
        except (OSError, ValueError) as exc:
            err_console.print(f"[red]cannot read {path}: {exc}[/red]")
            raise typer.Exit(2) from exc
        gold = {i.id: i.story for i in items}
        stream = (Item(i.id, i.title, i.text, i.published, i.outlet) for i in items)
        streams.append((path.name, [
            LabelledArticle(i.id, i.title, i.text, i.published, i.outlet, found, gold[i.id])
            for i, found in with_entities(stream, settings.spacy_models, _loader(ner, settings.ner_labels))
        ]))
        err_console.print(f"{path.name} ({half}): {len(items)} articles")
    info = {
        "trained_on": [f"{p.name} ({half})" for p in paths],
        "ner": ner,
        "window_h": config.window_s / 3600,
        "lead_words": config.lead_words,
    }
    try:
        trained = train(streams, config, info)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    trained.save(output)
    weights = trained.info["standardised_weights"]
    for part in ("similarity", "decision"):
        top = sorted(weights[part].items(), key=lambda kv: abs(kv[1]), reverse=True)[:6]
        err_console.print(f"{part}: " + ", ".join(f"{name} {w:+.2f}" for name, w in top))
    console.print(f"wrote {output} ({trained.info['articles']} articles, {trained.info['pairs']} pairs, "
                  f"candidate recall {trained.info['candidate_recall']:.3f})")


def eval_stories(
    dataset: Path = typer.Argument(..., help="Story set: stories-dev CSV or JSON lines (plain or gz) with 'story'."),
    half: str = typer.Option("all", "--half", help="all | first | second (tune on one, check the other)."),
    assignments: Path | None = typer.Option(
        None, "--assignments", help="Score this `newswire cluster` output instead of clustering."
    ),
    baseline_threshold: float | None = typer.Option(
        None, "--baseline-threshold", help="Baseline cosine (default: its best on this set, 0.05-0.9)."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Story model for `newswire` (a `cluster train` JSON; default: the packaged one)."
    ),
    hand_tuned: bool = typer.Option(
        True, "--hand-tuned/--no-hand-tuned", help="Also score the hand-tuned scorer (the pre-model clusterer)."
    ),
    ner: bool = typer.Option(True, "--ner/--no-ner", help="Use entities (spaCy) as a feature."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON, not a table."),
) -> None:
    """B-cubed precision, recall and F1 (and story counts) of our clustering (learned model and
    hand-tuned scorer) and of a single-pass TF-IDF cosine baseline, against the gold stories."""
    from dataclasses import replace

    from newswire.enricher.evaluation import (
        baseline_best,
        baseline_single_pass,
        bcubed,
        gold_labels,
        read_story_set,
    )
    from newswire.enricher.offline import Item, cluster_entities, with_entities

    if half not in ("all", "first", "second"):
        raise typer.BadParameter("--half must be all, first or second")
    try:
        items = read_story_set(dataset)
    except (OSError, ValueError) as exc:
        err_console.print(f"[red]cannot read {dataset}: {exc}[/red]")
        raise typer.Exit(2) from exc
    items = _halve(items, half)
    if not items:
        err_console.print("[red]no labelled items[/red]")
        raise typer.Exit(2)
    gold = gold_labels(items)
    settings = _settings()
    config = settings.story_config()
    if model is not None:
        config = replace(config, model=model)
    predicted: dict[str, tuple[dict[str, str], float]] = {}
    started = time.perf_counter()
    if assignments is not None:
        ours = {}
        try:
            for line in assignments.read_bytes().splitlines():
                if line.strip():
                    row = orjson.loads(line)
                    ours[str(row["id"])] = str(row["story_id"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
            err_console.print(f"[red]cannot read assignments {assignments}: {exc!r}[/red]")
            raise typer.Exit(2) from exc
        predicted["newswire"] = (ours, time.perf_counter() - started)
    else:
        stream = (Item(i.id, i.title, i.text, i.published, i.outlet) for i in items)
        found = list(with_entities(stream, settings.spacy_models, _loader(ner, settings.ner_labels)))
        ner_s = time.perf_counter() - started
        systems = [("newswire", config)]
        if hand_tuned and config.model:
            systems.append(("hand-tuned", replace(config, model="")))
        for name, system_config in systems:
            started = time.perf_counter()
            assigned = dict(cluster_entities(found, system_config, settings.duplicate_threshold))
            predicted[name] = (assigned, time.perf_counter() - started + ner_s)
    started = time.perf_counter()
    if baseline_threshold is None:
        base_threshold, base = baseline_best(items, gold)
    else:
        base_threshold, base = baseline_threshold, baseline_single_pass(items, baseline_threshold)
    predicted[f"baseline@{base_threshold:g}"] = (base, time.perf_counter() - started)
    try:
        rows = {name: (bcubed(labels, gold), seconds) for name, (labels, seconds) in predicted.items()}
    except ValueError as exc:  # e.g. an assignments file for another data set
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        payload = {
            name.split("@")[0]: {**score.__dict__, "seconds": round(seconds, 2)}
            for name, (score, seconds) in rows.items()
        }
        payload["baseline"]["threshold"] = base_threshold
        console.print_json(data={"dataset": str(dataset), "half": half, "scores": payload})
        return
    table = Table(title=f"B-cubed on {dataset.name} ({half}, {len(items)} items, {len(set(gold.values()))} stories)")
    for column in ("system", "precision", "recall", "F1", "stories", "seconds"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for name, (score, seconds) in rows.items():
        table.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}",
                      str(score.predicted_clusters), f"{seconds:.1f}")
    console.print(table)
