"""`newswire contracts`: generate (or check) the JSON Schemas and the AsyncAPI document."""

from __future__ import annotations

from pathlib import Path

import typer

from newswire.cli._common import console, err_console
from newswire.contracts.export import drift, write

app = typer.Typer(no_args_is_help=True)


@app.command("export")
def export(
    out: Path = typer.Option(Path("deploy/contracts"), help="Output directory."),
    check: bool = typer.Option(False, "--check", help="Only check that the files are current."),
) -> None:
    """Write deploy/contracts/ from the models (or, with --check, fail if it drifted)."""
    if check:
        stale = drift(out)
        if stale:
            for rel in stale:
                err_console.print(f"[red]drift[/red] {out / rel}")
            err_console.print("run `newswire contracts export` and commit the result")
            raise typer.Exit(1)
        console.print("contracts are current")
        return
    for path in write(out):
        console.print(f"wrote {path}")
