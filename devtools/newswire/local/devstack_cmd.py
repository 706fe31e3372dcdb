"""`newswire devstack`: a real local Kafka and Elasticsearch, without Docker.

Thin wrapper over `newswire.devstack` (which does the work and documents where things live):
`up` (idempotent, waits until healthy), `down [--purge]`, `status` (exit 1 if anything is down),
`logs [kafka|elasticsearch] [-n N] [--follow] [--stdout]`.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newswire import devstack
from newswire.devstack.errors import DevstackError
from newswire.devstack.process import follow, tail

app = typer.Typer(
    help="Local Kafka 4.1 + Elasticsearch 8.19 from Maven Central, as plain JVMs (no Docker).",
    no_args_is_help=True,
)
# Not a terminal (CI logs, pipes): rich would assume 80 columns and fold the status table.
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)


class ServiceName(enum.StrEnum):
    """Which server's logs to show."""

    kafka = "kafka"
    elasticsearch = "elasticsearch"


def _fail(exc: DevstackError) -> NoReturn:
    """Print the error (it is written for humans) and exit 1."""
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _progress(message: str) -> None:
    """Show one step of `up`/`down` as it happens."""
    console.print(f"[dim]•[/] {escape(message)}", highlight=False)


def _status_table(statuses: dict[devstack.Service, devstack.ServiceStatus]) -> Table:
    """One row per server: state, pid, endpoint, health and what the health check said."""
    table = Table(title="newswire devstack", title_justify="left")
    table.add_column("service", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("pid", no_wrap=True)
    table.add_column("endpoint", no_wrap=True)
    table.add_column("health", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for st in statuses.values():
        state = "[green]running[/]" if st.running else "[red]stopped[/]"
        health = "[green]healthy[/]" if st.healthy else "[red]down[/]"
        table.add_row(
            st.name, state, str(st.pid or "-"), st.endpoint, health, f"[dim]{escape(st.detail)}[/]"
        )
    return table


@app.command()
def up(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for both servers to become healthy.")
    ] = 180.0,
) -> None:
    """Start Kafka and Elasticsearch (resolving them on first use); no-op if already healthy."""
    try:
        eps = devstack.up(timeout=timeout, progress=_progress)
    except DevstackError as exc:
        _fail(exc)
    console.print(_status_table(devstack.status()))
    console.print(
        f"kafka_bootstrap=[bold]{eps.kafka_bootstrap}[/]  "
        f"elasticsearch_url=[bold]{eps.elasticsearch_url}[/]",
        highlight=False,
    )


@app.command()
def down(
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the Kafka and Elasticsearch data dirs.")
    ] = False,
) -> None:
    """Stop both servers (SIGTERM, then SIGKILL after 30 s). Safe to run twice."""
    try:
        devstack.down(purge=purge, progress=_progress)
    except DevstackError as exc:
        _fail(exc)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show each server's state, pid, endpoint and health; exit 1 if any is down."""
    try:
        statuses = devstack.status()
    except DevstackError as exc:
        _fail(exc)
    if as_json:
        payload = {
            name: {
                "state": st.state,
                "pid": st.pid,
                "endpoint": st.endpoint,
                "healthy": st.healthy,
                "detail": st.detail,
                "log": str(st.log),
            }
            for name, st in statuses.items()
        }
        console.print_json(json.dumps(payload))
    else:
        console.print(_status_table(statuses))
    if not all(st.running and st.healthy for st in statuses.values()):
        raise typer.Exit(1)


@app.command()
def logs(
    service: Annotated[
        ServiceName | None, typer.Argument(help="kafka or elasticsearch (default: both).")
    ] = None,
    lines: Annotated[int, typer.Option("-n", "--lines", help="How many last lines to show.")] = 50,
    follow_: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines (Ctrl-C to stop).")
    ] = False,
    stdout: Annotated[
        bool,
        typer.Option(
            "--stdout", help="Show the raw stdout/stderr capture instead of the server log."
        ),
    ] = False,
) -> None:
    """Print the last lines of the server logs (the stdout capture if there is no log yet)."""
    names = [s for s in devstack.SERVICES if service is None or s == service.value]
    owner = {}
    for name in names:
        main, capture = devstack.log_files(name)
        path = capture if stdout or not tail(main, 1) else main
        owner[path] = name
        console.rule(f"{name}: {path}", style="dim")
        shown = tail(path, lines)
        if not shown:
            console.print("[dim](no log yet)[/]")
        for line in shown:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if follow_:
        try:
            for path, line in follow(list(owner)):
                console.print(f"[dim]{owner[path]}|[/] ", end="", highlight=False)
                console.print(line, markup=False, highlight=False, soft_wrap=True)
        except KeyboardInterrupt:
            pass
