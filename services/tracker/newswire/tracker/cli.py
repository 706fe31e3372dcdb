"""The tracker's command: `newswire diff`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.tracker import diff_cmd


def register(commands: Commands) -> None:
    """Add the tracker's command to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command("diff", help="Diff two texts as the tracker does: --format unified|json|html.")(
        diff_cmd.diff
    )
