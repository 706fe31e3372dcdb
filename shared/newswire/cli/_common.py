"""Helpers shared by the CLI commands."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from rich.console import Console

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from a synchronous typer command."""
    return asyncio.run(coro)
