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
from typing import Any

import orjson
import typer
from rich.table import Table

from newswire.cli._common import console, err_console


def _settings() -> Any:
    from newswire.enricher.settings import EnricherSettings

    return EnricherSettings()


def _loader(ner: bool) -> Any:
    if not ner:
        return None
    from newswire.enricher.entities import load_pipeline

    return load_pipeline


def cluster(
    ner: bool = typer.Option(True, "--ner/--no-ner", help="Use entities (spaCy) as a feature."),
    threshold: float | None = typer.Option(None, "--threshold", help="Override the join threshold."),
) -> None:
    """Read articles (JSON lines: id, title, text, published, outlet) from stdin in time order;
    write {"id", "story_id"} lines to stdout. Bad lines are reported on stderr and skipped."""
    from dataclasses import replace

    from newswire.enricher.offline import Item, ItemError, cluster_items, parse_item

    settings = _settings()
    config = settings.story_config()
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
        items(), config, settings.spacy_models, _loader(ner), settings.duplicate_threshold
    ):
        out.write(orjson.dumps({"id": ident, "story_id": story}) + b"\n")
    out.flush()


def eval_stories(
    dataset: Path = typer.Argument(..., help="Story set: stories-dev CSV or JSON lines with 'story'."),
    half: str = typer.Option("all", "--half", help="all | first | second (tune on one, check the other)."),
    assignments: Path | None = typer.Option(
        None, "--assignments", help="Score this `newswire cluster` output instead of clustering."
    ),
    baseline_threshold: float = typer.Option(
        0.25, "--baseline-threshold", help="Baseline cosine (best of 0.1-0.6 on the first half)."
    ),
    ner: bool = typer.Option(True, "--ner/--no-ner", help="Use entities (spaCy) as a feature."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON, not a table."),
) -> None:
    """B-cubed precision, recall and F1 (and story counts) of our clustering and of a
    single-pass TF-IDF cosine baseline, against the gold stories."""
    from newswire.enricher.evaluation import baseline_single_pass, bcubed, gold_labels, read_story_set
    from newswire.enricher.offline import Item, cluster_items

    if half not in ("all", "first", "second"):
        raise typer.BadParameter("--half must be all, first or second")
    try:
        items = read_story_set(dataset)
    except (OSError, ValueError) as exc:
        err_console.print(f"[red]cannot read {dataset}: {exc}[/red]")
        raise typer.Exit(2) from exc
    middle = len(items) // 2
    items = items[:middle] if half == "first" else items[middle:] if half == "second" else items
    if not items:
        err_console.print("[red]no labelled items[/red]")
        raise typer.Exit(2)
    gold = gold_labels(items)
    settings = _settings()
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
    else:
        stream = (Item(i.id, i.title, i.text, i.published, i.outlet) for i in items)
        ours = dict(
            cluster_items(stream, settings.story_config(), settings.spacy_models, _loader(ner),
                          settings.duplicate_threshold)
        )
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    base = baseline_single_pass(items, baseline_threshold)
    base_s = time.perf_counter() - started
    try:
        rows = {"newswire": (bcubed(ours, gold), ours_s), "baseline": (bcubed(base, gold), base_s)}
    except ValueError as exc:  # e.g. an assignments file for another data set
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        payload = {
            name: {**score.__dict__, "seconds": round(seconds, 2)} for name, (score, seconds) in rows.items()
        }
        console.print_json(data={"dataset": str(dataset), "half": half, "scores": payload})
        return
    table = Table(title=f"B-cubed on {dataset.name} ({half}, {len(items)} items, {len(set(gold.values()))} stories)")
    for column in ("system", "precision", "recall", "F1", "stories", "seconds"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for name, (score, seconds) in rows.items():
        table.add_row(name, f"{score.precision:.3f}", f"{score.recall:.3f}", f"{score.f1:.3f}",
                      str(score.predicted_clusters), f"{seconds:.1f}")
    console.print(table)
