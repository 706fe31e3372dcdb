"""`newswire ledger`: account for every article a running farm published (see newswire.farm.ledger)."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from newswire.cli._common import console, run_async
from newswire.config import CommonSettings
from newswire.farm.ledger import LedgerResult, items_from_farm, render, run_ledger


def ledger(
    farm: str = typer.Option(
        "http://127.0.0.1:8900", help="The farm's control URL (its /_farm/articles lists what it published)."
    ),
    no_fetch_failures: bool = typer.Option(
        False, "--no-fetch-failures", help="Do not read the pages topic for failed fetches (faster)."
    ),
    show: int = typer.Option(20, help="Rows of each problem list shown."),
    as_json: bool = typer.Option(False, "--json", help="The whole result as JSON."),
) -> None:
    """Every published article: indexed, duplicate, flagged, dead letter, failed fetch or
    unreachable by design; and nothing indexed twice. Exits 1 when the ledger does not balance."""
    settings = CommonSettings()

    async def go() -> LedgerResult:
        from newswire.es.client import make_client

        items, dead = await items_from_farm(farm)
        es: Any = make_client(settings.elasticsearch)
        try:
            return await run_ledger(
                settings.kafka, es, settings.elasticsearch.index_prefix, items,
                unreachable_outlets=dead, failed_fetches=not no_fetch_failures,
            )
        finally:
            await es.close()

    result = run_async(go())
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        console.print(render(result, show=show))
        console.print(result.summary())
    raise typer.Exit(0 if result.balanced else 1)
