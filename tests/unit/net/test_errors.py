"""Transport-error names: defined once, every one a failure class of the contracts."""

from __future__ import annotations

from typing import get_args

from newswire.contracts.feeds import FeedErrorClass
from newswire.contracts.fetch import FetchFailure
from newswire.net import addresses
from newswire.net.errors import (
    TRANSPORT_ERRORS,
    UNREACHABLE_ERRORS,
    TransportError,
    UnreachableError,
)


def test_sets_are_derived_from_the_literals() -> None:
    assert TRANSPORT_ERRORS == set(get_args(TransportError))
    assert UNREACHABLE_ERRORS == {"timeout", "connect", "dns"} == set(get_args(UnreachableError))
    assert UNREACHABLE_ERRORS < TRANSPORT_ERRORS
    assert len(get_args(TransportError)) == len(TRANSPORT_ERRORS)  # no name twice


def test_every_transport_error_is_a_contract_failure_class() -> None:
    # the fetcher reports a transport error as the page's failure unchanged
    assert TRANSPORT_ERRORS <= set(get_args(FetchFailure))
    # the poller reports unreachable hosts under the same names
    assert UNREACHABLE_ERRORS <= set(get_args(FeedErrorClass))


def test_addresses_re_exports_the_one_definition() -> None:
    assert addresses.TransportError is TransportError
