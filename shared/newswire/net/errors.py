"""The names of transport failures (what went wrong before, or instead of, an HTTP status),
defined once as Literals, with the sets the services test membership against derived from them.

Every name is also a failure class of the contracts (`FetchFailure`; the unreachable ones are
`FeedErrorClass` values too), which the unit tests check: the fetcher reports a transport
error as its failure unchanged.
"""

from __future__ import annotations

from typing import Literal, get_args

#: The host could not be reached (name not resolved, connection refused or cut, no answer in
#: time): worth trying again later, unlike the other transport errors.
UnreachableError = Literal["timeout", "connect", "dns"]

TransportError = Literal[
    UnreachableError,
    "tls",
    "refused_address",
    "bad_url",
    "redirect_loop",
    "too_many_redirects",
    "too_large",
    "not_html",
]

TRANSPORT_ERRORS: frozenset[str] = frozenset(get_args(TransportError))
UNREACHABLE_ERRORS: frozenset[str] = frozenset(get_args(UnreachableError))
