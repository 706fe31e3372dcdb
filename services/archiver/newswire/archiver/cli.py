"""The archiver's command: `newswire reprocess`."""

from __future__ import annotations

from newswire.archiver import reprocess_cmd
from newswire.cli.plugins import Commands


def register(commands: Commands) -> None:
    """Add the archiver's command to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command(
        "reprocess", help="Replay archived pages (WARC files) to the pages topic, normaliser onward."
    )(reprocess_cmd.reprocess)
