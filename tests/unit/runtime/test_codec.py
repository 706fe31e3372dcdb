"""Decoding against the topic contract: bad bytes become a permanent ContractViolation."""

from __future__ import annotations

import pytest

from newswire.runtime.codec import decode, encode, encode_key
from newswire.runtime.errors import ContractViolation, classify
from newswire.topics import FETCH_REQUESTS, PAGES
from tests.factories import fetch_request, fetched_page


def test_round_trip() -> None:
    page = fetched_page()
    assert decode(PAGES, encode(PAGES, page)) == page


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xff\xfe garbage", b"{}", b"[1,2]", b'{"schema_version": 9}', None],
    ids=["empty", "binary", "empty-object", "array", "wrong-version", "tombstone"],
)
def test_poison_is_a_permanent_contract_violation(raw: bytes | None) -> None:
    with pytest.raises(ContractViolation) as info:
        decode(PAGES, raw)
    assert classify(info.value) == "permanent"
    assert "FetchedPage" in str(info.value)


def test_encode_refuses_the_wrong_model() -> None:
    with pytest.raises(TypeError, match="carries FetchRequest"):
        encode(FETCH_REQUESTS, fetched_page())
    assert encode(FETCH_REQUESTS, fetch_request()).startswith(b"{")


def test_keys_are_utf8() -> None:
    assert encode_key("www.example.com") == b"www.example.com"
    assert encode_key(b"raw") == b"raw" and encode_key(None) is None
