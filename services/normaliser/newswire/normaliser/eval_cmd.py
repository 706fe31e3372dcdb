"""`newswire eval extraction`: score the normaliser on a dataset of pages with ground truth (see
`newswire.normaliser.evaluation`). The `eval` group is the core CLI's; this command joins it
through `newswire.normaliser.cli`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from newswire.cli._common import console, err_console

if TYPE_CHECKING:
    from newswire.normaliser.evaluation import Summary


def extraction(
    dataset: Path = typer.Argument(..., help="Dataset directory with html/ and ground-truth/."),
    compare: list[str] = typer.Option(
        [], "--compare", help="Also score this system on the same pages (trafilatura, rs-trafilatura)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N pages (after --offset)."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip the first N pages (in id order)."),
    half: int | None = typer.Option(
        None, "--half", min=1, max=2, help="Only the first (1) or second (2) half of the pages, in id order."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Worker processes."),
    out: Path | None = typer.Option(None, "--out", help="Write per-page scores here (JSON lines)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summaries as JSON, not a table."),
) -> None:
    """Body P/R/F1, with/without snippet rates, title/author/date accuracy and CPU per page;
    the same per language group when the pages are in more than one (the label's language; a
    language with fewer than 5 pages in the dataset is pooled into "other")."""
    from dataclasses import asdict

    from newswire.normaliser.evaluation import (
        SYSTEMS, PageScore, evaluate, language_groups, load_dataset, summarise, system_available,
    )

    systems = ["newswire"]
    for name in compare:
        if name not in SYSTEMS:
            err_console.print(f"[red]unknown system {name!r}[/red] (known: {', '.join(SYSTEMS)})")
            raise typer.Exit(2)
        if not system_available(name):
            err_console.print(f"[red]{name} is not installed[/red] (pip install {name}; it builds with a Rust toolchain)")
            raise typer.Exit(2)
        if name not in systems:
            systems.append(name)
    try:
        samples = load_dataset(dataset)
    except FileNotFoundError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    groups = language_groups(samples)  # over the whole dataset, so that both halves group alike
    if half is not None:  # a rule is kept only when it helps on both halves
        middle = len(samples) // 2
        samples = samples[:middle] if half == 1 else samples[middle:]
    samples = samples[offset:]
    if limit is not None:
        samples = samples[:limit]
    scores: dict[str, list[PageScore]] = {name: [] for name in systems}
    sink = out.open("w", encoding="utf-8") if out else None
    try:
        with console.status(f"scoring {len(samples)} pages") as status:
            for i, page in enumerate(evaluate(samples, systems, jobs=jobs), 1):
                for name, page_score in page.items():
                    scores[name].append(page_score)
                    if sink:
                        sink.write(json.dumps({"system": name, **asdict(page_score)}) + "\n")
                status.update(f"scored {i}/{len(samples)} pages")
    finally:
        if sink:
            sink.close()
    summaries = [summarise(name, scores[name]) for name in systems]
    group_names = sorted({groups[s.id] for s in samples}, key=lambda g: (g == "other", g))
    by_group = {
        name: {g: summarise(name, [p for p in scores[name] if groups[p.id] == g]) for g in group_names}
        for name in systems
    } if len(group_names) > 1 else {}
    if as_json:
        out_json = []
        for s in summaries:
            item = asdict(s)
            if by_group:
                item["languages"] = {g: asdict(x) for g, x in by_group[s.system].items()}
            out_json.append(item)
        console.print_json(json.dumps(out_json))
        return
    table = Table(title=f"extraction: {dataset} ({len(samples)} pages)")
    table.add_column("metric")
    for summary in summaries:
        table.add_column(summary.system, justify="right")
    first = summaries[0]
    rows: list[tuple[str, str]] = [
        ("body precision", "precision"), ("body recall", "recall"), ("body F1", "f1"),
        ("with found", "with_rate"), ("without absent", "without_rate"),
        (f"title accuracy (n={first.counts['title']})", "title_acc"),
        (f"author accuracy (n={first.counts['author']})", "author_acc"),
        (f"date accuracy (n={first.counts['date']})", "date_acc"),
    ]
    for label, attr in rows:
        table.add_row(label, *(f"{100 * getattr(s, attr):.1f}%" for s in summaries))
    table.add_row("CPU ms/page (mean)", *(f"{s.cpu_ms_mean:.1f}" for s in summaries))
    table.add_row("CPU ms/page (median)", *(f"{s.cpu_ms_median:.1f}" for s in summaries))
    table.add_row("errors", *(str(s.errors) for s in summaries))
    console.print(table)
    if by_group:
        console.print(_language_table(by_group, systems, group_names))


def _language_table(by_group: dict[str, dict[str, Summary]], systems: list[str], groups: list[str]) -> Table:
    """Body F1 and title/author/date accuracy per language group, a row per group and system."""
    table = Table(title="by language group (the label's language)")
    for column in ("group", "pages", "system", "body F1", "title", "author", "date"):
        table.add_column(column, justify="left" if column in ("group", "system") else "right")

    def pct(value: float, n: int) -> str:
        return f"{100 * value:.1f}%" if n else "-"

    for g in groups:
        for k, name in enumerate(systems):
            s = by_group[name][g]
            table.add_row(
                g if k == 0 else "", str(s.pages) if k == 0 else "", name, pct(s.f1, s.counts["body"]),
                pct(s.title_acc, s.counts["title"]), pct(s.author_acc, s.counts["author"]),
                pct(s.date_acc, s.counts["date"]),
            )
    return table
