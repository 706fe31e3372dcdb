"""Index and alias names (pure: no client), shared by the sink's document builder and the setup
that creates them."""

from __future__ import annotations

from datetime import datetime


def fixed_index(prefix: str, name: str) -> str:
    """The concrete index behind a fixed alias (versioned so a reindex can swap it)."""
    return f"{prefix}-{name}-v1"


def monthly_index(prefix: str, name: str, when: datetime) -> str:
    """The monthly index for an instant (revisions and polls are written by event time)."""
    return f"{prefix}-{name}-{when:%Y.%m}"


def alias(prefix: str, name: str) -> str:
    """The read alias of an index family."""
    return f"{prefix}-{name}"
