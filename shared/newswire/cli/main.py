"""`newswire`: one command for running, operating and inspecting the system.

The core commands (topics, indices, contracts, dead letters, manifests, `run`) live here; each
service adds its own (`feeds`, `extract`, `cluster`, ...) through `newswire.cli.plugins`."""

from __future__ import annotations

import typer

from newswire.cli import contracts_cmd, dlq_cmd, es_cmd, k8s_cmd, kibana_cmd, run_cmd, topics_cmd
from newswire.cli.plugins import Commands, register_all

app = typer.Typer(
    name="newswire",
    help="newswire: news feeds to clean, enriched, searchable articles, with every edit caught.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
eval_app = typer.Typer(no_args_is_help=True)
app.add_typer(topics_cmd.app, name="topics", help="Kafka topics from the registry.")
app.add_typer(es_cmd.app, name="es", help="Elasticsearch templates, aliases and indices.")
app.add_typer(dlq_cmd.app, name="dlq", help="Inspect and replay dead letters.")
app.add_typer(contracts_cmd.app, name="contracts", help="JSON Schema and AsyncAPI of the topics.")
app.add_typer(kibana_cmd.app, name="kibana", help="Kibana saved objects.")
app.add_typer(k8s_cmd.app, name="k8s", help="Kubernetes manifests from the topic registry.")
app.add_typer(eval_app, name="eval", help="Score the system against labelled datasets.")
app.command("run", help="Run one stage as a worker: poller|fetcher|normaliser|tracker|enricher|sink|archiver.")(
    run_cmd.run
)
register_all(Commands(root=app, eval=eval_app))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
