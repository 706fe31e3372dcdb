"""`newswire`: one command for running, operating and inspecting the system."""

from __future__ import annotations

import typer

from newswire.cli import (
    backfill_cmd,
    cluster_cmd,
    contracts_cmd,
    devstack_cmd,
    diff_cmd,
    dlq_cmd,
    es_cmd,
    eval_cmd,
    extract_cmd,
    farm_cmd,
    feeds_cmd,
    k8s_cmd,
    kibana_cmd,
    ledger_cmd,
    reprocess_cmd,
    run_cmd,
    topics_cmd,
    up_cmd,
    web_cmd,
)

app = typer.Typer(
    name="newswire",
    help="newswire: news feeds to clean, enriched, searchable articles, with every edit caught.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(devstack_cmd.app, name="devstack", help="Local Kafka + Elasticsearch (no Docker).")
app.add_typer(topics_cmd.app, name="topics", help="Kafka topics from the registry.")
app.add_typer(es_cmd.app, name="es", help="Elasticsearch templates, aliases and indices.")
app.add_typer(feeds_cmd.app, name="feeds", help="The feed registry (the compacted feeds topic).")
app.add_typer(dlq_cmd.app, name="dlq", help="Inspect and replay dead letters.")
app.add_typer(contracts_cmd.app, name="contracts", help="JSON Schema and AsyncAPI of the topics.")
app.add_typer(kibana_cmd.app, name="kibana", help="Kibana saved objects.")
app.add_typer(k8s_cmd.app, name="k8s", help="Kubernetes manifests from the topic registry.")
app.add_typer(farm_cmd.app, name="farm", help="The local news farm (synthetic outlets).")
app.add_typer(eval_cmd.app, name="eval", help="Score the system against labelled datasets.")
app.command("extract", help="A page to NormalisedArticle JSON (the normaliser's code path).")(
    extract_cmd.extract
)
app.command("cluster", help="Articles (JSON lines, time order) on stdin to story ids on stdout.")(
    cluster_cmd.cluster
)
app.command("diff", help="Diff two texts as the tracker does: --format unified|json|html.")(diff_cmd.diff)
app.command("ledger", help="Account for every article the farm published (nothing lost, nothing twice).")(
    ledger_cmd.ledger
)
app.command("up", help="Run the whole system locally (dev stack + six stages) until Ctrl-C.")(up_cmd.up)
app.command("run", help="Run one stage as a worker: poller|fetcher|normaliser|tracker|enricher|sink|archiver.")(
    run_cmd.run
)
app.command("reprocess", help="Replay archived pages (WARC files) to the pages topic, normaliser onward.")(
    reprocess_cmd.reprocess
)
app.command("backfill", help="Enqueue the articles an outlet's sitemaps list since a date (low priority).")(backfill_cmd.backfill)
app.command("web", help="The revision view: articles' versions and diffs, feeds of changes (port 6107).")(web_cmd.web)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
