"""HTTP statuses: one table, read by the fetcher and by the poller."""

from __future__ import annotations

from typing import get_args

import pytest

from newswire.contracts.feeds import FeedErrorClass
from newswire.net.status import (
    FeedStatusError,
    StatusClass,
    classify_status,
    feed_status_error,
    status_kind,
)

ALL_STATUSES = range(100, 1000)


@pytest.mark.parametrize(
    ("status", "kind", "fetcher", "poller"),
    [
        (200, "ok", "ok", None),
        (204, "ok", "ok", None),
        (304, "not_modified", "not_modified", None),
        (301, "redirect", "redirect", "other"),
        (308, "redirect", "redirect", "other"),
        (300, "other", "http_4xx", "other"),  # a 3xx the redirect code does not follow
        (103, "other", "http_4xx", "other"),
        (404, "not_found", "not_found", "http_4xx"),
        (403, "http_4xx", "http_4xx", "http_4xx"),
        (410, "gone", "gone", "gone"),
        (429, "rate_limited", "rate_limited", "rate_limited"),
        (503, "http_5xx", "http_5xx", "http_5xx"),
        (599, "http_5xx", "http_5xx", "http_5xx"),
        (600, "other", "http_4xx", "other"),
    ],
)
def test_the_table_and_its_two_readings(status: int, kind: str, fetcher: str, poller: str | None) -> None:
    assert status_kind(status) == kind
    assert classify_status(status) == fetcher
    assert feed_status_error(status) == poller


def test_the_readings_differ_only_where_the_callers_do() -> None:
    for status in ALL_STATUSES:
        kind = status_kind(status)
        fetch = classify_status(status)
        feed = feed_status_error(status)
        assert fetch == ("http_4xx" if kind == "other" else kind)
        if kind in ("ok", "not_modified"):
            assert feed is None
        elif kind in ("gone", "rate_limited", "http_4xx", "http_5xx", "other"):
            assert feed == kind
        else:  # the fetcher's own classes, which the poller folds
            assert (kind, feed) in (("redirect", "other"), ("not_found", "http_4xx"))


def test_every_class_is_one_the_callers_can_report() -> None:
    fetch_classes = {classify_status(s) for s in ALL_STATUSES}
    feed_classes = {feed_status_error(s) for s in ALL_STATUSES} - {None}
    assert fetch_classes == set(get_args(StatusClass))
    assert feed_classes == set(get_args(FeedStatusError))
    assert feed_classes <= set(get_args(FeedErrorClass))
