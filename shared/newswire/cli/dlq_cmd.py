"""`newswire dlq`: inspect and replay dead letters."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from newswire.cli._common import console, run_async
from newswire.config import CommonSettings
from newswire.runtime.dlq import read_dead_letters, replay

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_(
    stage: str = typer.Option("", help="Only this stage's dead letters."),
    limit: int = typer.Option(100, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="JSON lines (with the original bytes, base64)."),
) -> None:
    """List dead letters: where they came from and why they failed."""
    settings = CommonSettings()
    records = run_async(read_dead_letters(settings.kafka, stage=stage or None, limit=limit))
    if as_json:
        for r in records:
            sys.stdout.write(r.letter.model_dump_json() + "\n")
        return
    table = Table("id", "stage", "source", "error", "attempts", "failed at")
    for r in records:
        letter = r.letter
        table.add_row(
            letter.dead_letter_id[:12],
            letter.stage,
            f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}",
            f"{letter.error_class}/{letter.error_type}: {letter.error_message[:80]}",
            str(letter.attempts),
            letter.failed_at.isoformat(timespec="seconds"),
        )
    console.print(table)
    console.print(f"{len(records)} dead letter(s)")


@app.command("replay")
def replay_(
    stage: str = typer.Option("", help="Only this stage's dead letters."),
    ids: list[str] = typer.Option([], "--id", help="Only these dead-letter ids (full ids)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show what would be replayed."),
) -> None:
    """Re-inject dead letters into their source topics (each once; --id forces specific ones)."""
    settings = CommonSettings()
    letters = run_async(
        replay(settings.kafka, stage=stage or None, ids=set(ids) or None, dry_run=dry_run)
    )
    verb = "would replay" if dry_run else "replayed"
    for letter in letters:
        console.print(
            f"{verb} {letter.dead_letter_id[:12]} -> {letter.source_topic} "
            f"({letter.error_type}: {letter.error_message[:60]})"
        )
    console.print(json.dumps({"replayed" if not dry_run else "would_replay": len(letters)}))
