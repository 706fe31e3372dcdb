"""The revision view's command: `newswire web`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.web import web_cmd


def register(commands: Commands) -> None:
    """Add `newswire web` to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command(
        "web", help="The revision view: articles' versions and diffs, feeds of changes (port 6107)."
    )(web_cmd.web)
