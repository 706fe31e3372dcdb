"""The poller's commands: `newswire feeds ...` (the feed registry) and `newswire backfill`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.poller import backfill_cmd, feeds_cmd


def register(commands: Commands) -> None:
    """Add the poller's commands to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.add_typer(feeds_cmd.app, name="feeds", help="The feed registry (the compacted feeds topic).")
    commands.root.command(
        "backfill", help="Enqueue the articles an outlet's sitemaps list since a date (low priority)."
    )(backfill_cmd.backfill)
