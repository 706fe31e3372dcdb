"""`newswire run STAGE`: run one stage as a worker process."""

from __future__ import annotations

import importlib

import typer

from newswire.topics import STAGES


def run(stage: str = typer.Argument(..., help="|".join(STAGES))) -> None:
    """Run one stage until SIGINT/SIGTERM. Each service's wiring module builds its Stage."""
    if stage not in STAGES:
        raise typer.BadParameter(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}")
    module = importlib.import_module(f"newswire.{stage}.wiring")
    module.main()
