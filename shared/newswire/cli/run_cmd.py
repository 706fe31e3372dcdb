"""`newswire run STAGE`: run one stage as a worker process."""

from __future__ import annotations

import importlib

import typer

from newswire.config import ServiceSettings
from newswire.runtime.instance import exit_if_port_taken
from newswire.runtime.stage import WEB_PORTS
from newswire.topics import STAGES


def run(stage: str = typer.Argument(..., help="|".join(STAGES))) -> None:
    """Run one stage until SIGINT/SIGTERM. Each service's wiring module builds its Stage.

    A stage whose web port is taken exits at once (status 78) with the reason: two systems on one
    machine would otherwise fight over ports in a silent restart loop."""
    if stage not in STAGES:
        raise typer.BadParameter(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}")
    settings = ServiceSettings()
    exit_if_port_taken(stage, settings.web_host, settings.web_port or WEB_PORTS[stage])
    try:
        module = importlib.import_module(f"newswire.{stage}.wiring")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"newswire.{stage}", f"newswire.{stage}.wiring"):
            raise
        raise typer.BadParameter(
            f"the {stage} stage is not installed here (pip install newswire-{stage})"
        ) from exc
    module.main()
