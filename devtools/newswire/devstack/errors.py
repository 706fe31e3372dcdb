"""The one exception the dev stack raises: a message meant for a human, with the fix when known."""

from __future__ import annotations


class DevstackError(RuntimeError):
    """Something prevents the dev stack from resolving, starting or stopping; the text says why."""
