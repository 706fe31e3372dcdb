"""The development tooling's commands: `newswire up` (and `up --demo`), `devstack`, `farm`, `ledger`."""

from __future__ import annotations

from newswire.cli.plugins import Commands
from newswire.local import devstack_cmd, farm_cmd, ledger_cmd, up_cmd


def register(commands: Commands) -> None:
    """Add the local tooling's commands to the `newswire` CLI (entry point `newswire.cli`)."""
    commands.root.command("up", help="Run the whole system locally (dev stack + the stages) until Ctrl-C.")(up_cmd.up)
    commands.root.add_typer(devstack_cmd.app, name="devstack", help="Local Kafka + Elasticsearch (no Docker).")
    commands.root.add_typer(farm_cmd.app, name="farm", help="The local news farm (synthetic outlets).")
    commands.root.command(
        "ledger", help="Account for every article the farm published (nothing lost, nothing twice)."
    )(ledger_cmd.ledger)
