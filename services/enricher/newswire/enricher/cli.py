"""The enricher's commands: `newswire cluster` (and `cluster train`) and `newswire eval stories`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.enricher import cluster_cmd


def register(commands: Commands) -> None:
    """Add the enricher's commands to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command(
        "cluster", help="Articles (JSON lines, time order) on stdin to story ids on stdout."
    )(cluster_cmd.cluster)
    commands.eval.command("stories")(cluster_cmd.eval_stories)
