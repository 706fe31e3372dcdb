"""Commands that live with their service: each distribution (`newswire-poller`, ...,
`newswire-devtools`) names a `register(commands)` function under the `newswire.cli` entry-point
group, so the core CLI imports no service and an image holds only the commands of what it installs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

import typer

ENTRY_POINT_GROUP = "newswire.cli"


@dataclass(frozen=True)
class Commands:
    """The command groups a service may add to: the root (`newswire X`) and `newswire eval X`."""

    root: typer.Typer
    eval: typer.Typer


def register_all(commands: Commands) -> list[str]:
    """Call every installed distribution's `register`, in name order; returns their names.

    A plugin whose own dependencies are missing (a half-installed environment) is reported on
    stderr and left out, so that the other commands still work."""
    loaded: list[str] = []
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name):
        try:
            register: Callable[[Commands], None] = point.load()
        except ModuleNotFoundError as exc:
            print(f"newswire: the {point.name} commands are unavailable: {exc}", file=sys.stderr)
            continue
        register(commands)
        loaded.append(point.name)
    return loaded
