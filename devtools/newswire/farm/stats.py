"""Per-outlet request counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OutletStats"]


@dataclass
class OutletStats:
    """What one outlet (host) has served since the last reset."""

    requests: Counter[str] = field(default_factory=Counter)
    """Requests by path kind: feed, article, robots, home, private, other."""
    statuses: Counter[int] = field(default_factory=Counter)
    current: int = 0
    max_concurrent: int = 0
    not_modified: int = 0
    throttled: int = 0
    errors: int = 0
    redirects: int = 0

    def begin(self, kind: str) -> None:
        """A request of ``kind`` started."""
        self.requests[kind] += 1
        self.current += 1
        self.max_concurrent = max(self.max_concurrent, self.current)

    def end(self, status: int | None) -> None:
        """A request finished with ``status`` (None: the connection broke)."""
        self.current -= 1
        if status is None:
            return
        self.statuses[status] += 1
        if status == 304:
            self.not_modified += 1
        elif status == 429:
            self.throttled += 1
        elif status >= 500:
            self.errors += 1
        elif 300 <= status < 400:
            self.redirects += 1

    def reset(self) -> None:
        """Zero the counters; requests in flight stay counted as current."""
        self.requests.clear()
        self.statuses.clear()
        self.max_concurrent = self.current
        self.not_modified = self.throttled = self.errors = self.redirects = 0

    @property
    def total(self) -> int:
        """All requests."""
        return sum(self.requests.values())

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dict."""
        return {
            "requests": dict(self.requests),
            "requests_total": self.total,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "current_concurrent": self.current,
            "max_concurrent": self.max_concurrent,
            "not_modified": self.not_modified,
            "throttled": self.throttled,
            "errors": self.errors,
            "redirects": self.redirects,
        }
