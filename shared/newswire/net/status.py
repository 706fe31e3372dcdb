"""What an HTTP status means, for the fetcher and for the poller: one table (`status_kind`),
read two ways. Pure.

The two callers differ only in what they call the statuses the table has no class for (1xx,
300, 305, 306, anything past 599: "other"): the fetcher counts them with the 4xx failures
(`classify_status`), the poller reports them as 'other' (`feed_status_error`). The poller also
has no classes of its own for redirects (it follows them before it looks at a status) or 404:
a redirect left over is 'other', a 404 'http_4xx'.
"""

from __future__ import annotations

from typing import Literal

from newswire.net.addresses import REDIRECT_STATUSES

StatusKind = Literal[
    "ok", "redirect", "not_modified", "not_found", "gone", "rate_limited", "http_4xx", "http_5xx", "other"
]
#: The fetcher's classes: `StatusKind` without "other".
StatusClass = Literal[
    "ok", "redirect", "not_modified", "not_found", "gone", "rate_limited", "http_4xx", "http_5xx"
]
#: The poller's failure classes of a status (all of them `FeedErrorClass` values).
FeedStatusError = Literal["gone", "rate_limited", "http_4xx", "http_5xx", "other"]

#: Statuses with a class of their own; the others are classed by their hundred.
_EXACT: dict[int, StatusKind] = {
    304: "not_modified",
    404: "not_found",
    410: "gone",
    429: "rate_limited",
    **{status: "redirect" for status in REDIRECT_STATUSES},
}


def status_kind(status: int) -> StatusKind:
    """The class of an HTTP status: a status of its own (304, redirects, 404, 410, 429), else
    by its hundred (2xx ok, 4xx, 5xx), else "other"."""
    exact = _EXACT.get(status)
    if exact is not None:
        return exact
    if 200 <= status < 300:
        return "ok"
    if 400 <= status < 500:
        return "http_4xx"
    if 500 <= status < 600:
        return "http_5xx"
    return "other"


def classify_status(status: int) -> StatusClass:
    """What an HTTP status means for a page fetch: `status_kind`, with the oddities (1xx, 3xx
    without a redirect class, past 599) counted as 'http_4xx'."""
    kind = status_kind(status)
    return "http_4xx" if kind == "other" else kind


_FEED_ERROR: dict[StatusKind, FeedStatusError | None] = {
    "ok": None,
    "not_modified": None,
    "redirect": "other",
    "not_found": "http_4xx",
    "gone": "gone",
    "rate_limited": "rate_limited",
    "http_4xx": "http_4xx",
    "http_5xx": "http_5xx",
    "other": "other",
}


def feed_status_error(status: int) -> FeedStatusError | None:
    """The poller's failure class of a feed response's status; None for 2xx and 304."""
    return _FEED_ERROR[status_kind(status)]
