"""`newswire es`: index templates, aliases and retention."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import typer
from elasticsearch import BadRequestError
from rich.markup import escape

from newswire.cli._common import console, err_console, run_async
from newswire.config import CommonSettings
from newswire.es.client import make_client, wait_healthy
from newswire.es.setup import analyzer_definition
from newswire.es.setup import prune as prune_indices
from newswire.es.setup import setup as setup_indices

app = typer.Typer(no_args_is_help=True)


@app.command("setup")
def setup(
    analyzer: str = typer.Option(
        "",
        envvar="NEWSWIRE_ES_ANALYZER",
        help="Override the text analyzer: a type ('english') or a JSON analyzer definition.",
    ),
    wait: float = typer.Option(60.0, help="Seconds to wait for the cluster to be healthy."),
) -> None:
    """Install component/index templates and create the indices and aliases (idempotent)."""
    settings = CommonSettings()
    try:
        analyzer_definition(analyzer)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--analyzer") from exc

    async def go() -> None:
        client = make_client(settings.elasticsearch)
        try:
            await wait_healthy(client, wait)
            report = await setup_indices(client, settings.elasticsearch.index_prefix, analyzer or None)
        except BadRequestError as exc:  # e.g. an analyzer this cluster has no module for
            reason = escape(str(exc.body.get("error", {}).get("reason") if isinstance(exc.body, dict) else exc.body))
            err_console.print(f"[red]Elasticsearch refused the templates: {reason}[/red]")
            raise typer.Exit(1) from exc
        finally:
            await client.close()
        console.print(f"component templates: {', '.join(report.component_templates)}")
        console.print(f"index templates: {', '.join(report.index_templates)}")
        console.print(f"indices created: {', '.join(report.indices_created) or 'none (all existed)'}")
        if report.indices_updated:
            console.print(f"mappings brought up to date: {', '.join(report.indices_updated)}")

    run_async(go())


def parse_age(text: str) -> int:
    """'90d' -> 90 (days). Weeks ('12w') are accepted too."""
    match = re.fullmatch(r"(\d+)([dw])", text.strip())
    if not match:
        raise typer.BadParameter("use a number of days or weeks, e.g. 90d or 12w")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


@app.command("prune")
def prune(
    older_than: str = typer.Option("90d", "--older-than", help="Age, e.g. 90d."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be deleted."),
) -> None:
    """Delete monthly indices (revisions, polls) older than the given age."""
    settings = CommonSettings()
    days = parse_age(older_than)

    async def go() -> list[str]:
        client = make_client(settings.elasticsearch)
        try:
            return await prune_indices(
                client, settings.elasticsearch.index_prefix, days, datetime.now(UTC), dry_run
            )
        finally:
            await client.close()

    doomed = run_async(go())
    verb = "would delete" if dry_run else "deleted"
    if not doomed:
        err_console.print("nothing to prune")
    for index in doomed:
        console.print(f"{verb} {index}")
