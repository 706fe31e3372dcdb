"""`newswire topics`: create and list the Kafka topics declared in the registry."""

from __future__ import annotations

import typer
from rich.table import Table

from newswire.cli._common import console, err_console, run_async
from newswire.config import CommonSettings
from newswire.kafka.admin import ensure_topics, list_topics
from newswire.topics import all_topics

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    replication_factor: int = typer.Option(1, help="Replication factor for new topics."),
) -> None:
    """Create every registry topic and table changelog that does not exist yet (idempotent)."""
    settings = CommonSettings()
    report = run_async(ensure_topics(settings.kafka, replication_factor=replication_factor))
    for name in report.created:
        console.print(f"[green]created[/green] {name}")
    for name in report.existing:
        console.print(f"[dim]exists[/dim]  {name}")
    for name, (have, want) in report.partition_mismatch.items():
        err_console.print(f"[yellow]warning[/yellow] {name} has {have} partitions, registry says {want}")
    console.print(f"{len(report.created)} created, {len(report.existing)} already there")


@app.command("list")
def list_(registry: bool = typer.Option(False, "--registry", help="Show the registry, not the cluster.")) -> None:
    """List the topics of the cluster (or the registry's declarations)."""
    settings = CommonSettings()
    if registry:
        table = Table("topic", "key", "value", "partitions", "cleanup", "retention ms", "max bytes")
        for spec in all_topics():
            config = spec.kafka_config()
            table.add_row(
                spec.full_name(settings.kafka.topic_prefix),
                spec.key,
                spec.value.__name__,
                str(spec.partitions),
                spec.cleanup_policy,
                config.get("retention.ms", "-"),
                str(spec.max_message_bytes),
            )
        console.print(table)
        return
    for name in run_async(list_topics(settings.kafka)):
        console.print(name)
