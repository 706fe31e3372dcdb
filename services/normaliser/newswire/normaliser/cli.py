"""The normaliser's commands: `newswire extract` and `newswire eval extraction`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.normaliser import eval_cmd, extract_cmd


def register(commands: Commands) -> None:
    """Add the normaliser's commands to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command("extract", help="A page to NormalisedArticle JSON (the normaliser's code path).")(
        extract_cmd.extract
    )
    commands.eval.command("extraction")(eval_cmd.extraction)
