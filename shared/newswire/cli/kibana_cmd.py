"""`newswire kibana`: check and import the saved objects kept in `deploy/kibana/`.

`check` works offline (CI, pre-commit); `import` is what the compose `setup` job runs once Kibana is
up. The decisions (what a file holds, what a response means) live in `newswire.es.kibana`; this
module only does the waiting, the HTTP and the printing.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from newswire.es import kibana, kibana_vis

app = typer.Typer(help="Kibana saved objects.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

DEFAULT_DIR = Path("deploy/kibana")
HTTP_TIMEOUT_S = 60.0

#: Sends a request, returns (HTTP status, body); raises OSError when nothing answered.
Fetch = Callable[[urllib.request.Request, float], tuple[int, bytes]]

DirOption = Annotated[
    Path,
    typer.Option(
        "--dir", help="Directory of *.ndjson saved-object exports.", file_okay=False, dir_okay=True
    ),
]


def fetch(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    """Send a request; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_until_available(
    url: str,
    wait_s: float,
    *,
    api_key: str | None = None,
    interval_s: float = 2.0,
    send: Fetch = fetch,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """Poll `/api/status` until the overall level is 'available' or `wait_s` has passed.

    Returns (available, what was last seen) so that a timeout can say why.
    """
    deadline = clock() + wait_s
    last = "no answer yet"
    while True:
        try:
            status, body = send(
                kibana.build_status_request(url, api_key), min(10.0, interval_s * 5)
            )
            level = kibana.status_level(body)
            if level == "available":
                return True, level
            last = f"HTTP {status}, level {level or 'unknown'}"
        except OSError as exc:  # URLError, connection refused, timeouts
            last = f"unreachable: {getattr(exc, 'reason', exc)}"
        if clock() + interval_s > deadline:
            return False, last
        sleep(interval_s)


def import_file(
    url: str,
    path: Path,
    *,
    space: str | None,
    api_key: str | None,
    send: Fetch = fetch,
) -> kibana.ImportResult:
    """Import one ndjson file; a transport failure becomes a failed result, not an exception."""
    request = kibana.build_import_request(
        url, path.name, path.read_bytes(), space=space, overwrite=True, api_key=api_key
    )
    try:
        status, body = send(request, HTTP_TIMEOUT_S)
    except OSError as exc:
        return kibana.ImportResult(path.name, 0, False, 0, (f"request failed: {exc}",))
    return kibana.parse_import_response(path.name, status, body)


def print_problems(problems: list[kibana.Problem]) -> None:
    """One red line per problem, on stderr."""
    for problem in problems:
        err_console.print(f"[red]✗[/red] {problem}", highlight=False, soft_wrap=True)


def print_results(results: list[kibana.ImportResult]) -> None:
    """A table of per-file outcomes, then each error and warning on its own line."""
    table = Table(title="Kibana import")
    table.add_column("file")
    table.add_column("imported", justify="right")
    table.add_column("errors", justify="right")
    table.add_column("result")
    for r in results:
        verdict = "[green]ok[/green]" if r.ok else "[red]failed[/red]"
        table.add_row(r.file, str(r.success_count), str(len(r.errors)), verdict)
    console.print(table)
    for r in results:
        for error in r.errors:
            err_console.print(f"[red]✗[/red] {r.file}: {error}", highlight=False, soft_wrap=True)
        for warning in r.warnings:
            console.print(
                f"[yellow]![/yellow] {r.file}: {warning}", highlight=False, soft_wrap=True
            )


@app.command("check")
def check(directory: DirOption = DEFAULT_DIR) -> None:
    """Parse every saved object and check that each reference resolves within the files."""
    files = kibana.load_dir(directory)
    if not files:
        err_console.print(f"[red]no *.ndjson files in {directory}[/red]")
        raise typer.Exit(1)
    problems = kibana.check_files(files)
    visualizations = kibana_vis.visualizations(files)
    for vis in visualizations:
        found = list(vis.problems)
        if vis.family is not None:
            found += kibana_vis.field_problems(vis, kibana_vis.mapping_fields(vis.family))
        problems += [kibana.Problem("visualization", 0, f"{vis.id}: {p}") for p in found]
    if problems:
        print_problems(problems)
        raise typer.Exit(1)
    count = sum(len(f.objects) for f in files)
    console.print(
        f"[green]✓[/green] {count} saved objects in {len(files)} files, all references resolve;"
        f" the fields of {len(visualizations)} visualizations are mapped and aggregatable"
    )


@app.command("import")
def import_(
    url: Annotated[
        str, typer.Option(help="Kibana base URL.", envvar="NEWSWIRE_KIBANA_URL")
    ] = "http://127.0.0.1:5601",
    directory: DirOption = DEFAULT_DIR,
    wait: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for Kibana to report 'available' first (0: don't).", min=0
        ),
    ] = 0.0,
    space: Annotated[
        str | None, typer.Option(help="Kibana space id (default space if unset).")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            help="API key, when Kibana has security on.", envvar="NEWSWIRE_KIBANA_API_KEY"
        ),
    ] = None,
) -> None:
    """Import every *.ndjson file (overwriting), dependencies first; exit 1 on any error."""
    files = kibana.load_dir(directory)
    if not files:
        err_console.print(f"[red]no *.ndjson files in {directory}[/red]")
        raise typer.Exit(1)
    broken = [p for f in files for p in f.problems]
    if broken:  # Kibana would reject these anyway, and maybe after importing half of the set
        print_problems(broken)
        raise typer.Exit(1)
    for problem in kibana.check_files(files):
        console.print(f"[yellow]![/yellow] {problem}", highlight=False, soft_wrap=True)
    if wait > 0:
        with console.status(f"waiting up to {wait:g}s for Kibana at {url}"):
            available, last = wait_until_available(url, wait, api_key=api_key)
        if not available:
            err_console.print(f"[red]Kibana at {url} not available after {wait:g}s ({last})[/red]")
            raise typer.Exit(1)
    results = [
        import_file(url, directory / name, space=space, api_key=api_key)
        for name in kibana.import_order(files)
    ]
    print_results(results)
    if not all(r.ok for r in results):
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {kibana.total_imported(results)} saved objects imported")
