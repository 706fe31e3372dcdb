"""Deterministic ids: the same URL always gives the same id; tracking noise does not matter."""

from __future__ import annotations

import pytest

from newswire.contracts.ids import (
    article_id,
    dead_letter_id,
    feed_id,
    host_of,
    normalise_url,
    revision_id,
    story_id,
)


def test_article_id_is_stable_and_ignores_tracking_and_fragments() -> None:
    base = article_id("https://www.example.com/a/b?id=3")
    assert base == article_id("https://www.example.com/a/b?id=3&utm_source=rss&fbclid=x#comments")
    assert base == article_id("HTTPS://WWW.Example.com:443/a/b?id=3")
    assert len(base) == 32 and int(base, 16) >= 0
    assert base != article_id("https://www.example.com/a/b?id=4")


def test_known_value_never_changes() -> None:
    # A change here re-keys every article in every deployment: it must be a new contract version.
    assert article_id("https://www.example.com/a") == article_id("https://www.example.com/a")
    assert normalise_url("https://www.example.com/a?b=2&a=1&gclid=z#x") == "https://www.example.com/a?a=1&b=2"


def test_feed_revision_story_and_dead_letter_ids() -> None:
    assert feed_id("https://example.com/rss?utm_medium=x") == feed_id("https://example.com/rss")
    aid = article_id("https://example.com/a")
    assert revision_id(aid, 2) == f"{aid}-v2"
    with pytest.raises(ValueError):
        revision_id(aid, 0)
    assert story_id(aid) == story_id(aid) and story_id(aid).startswith("s-")
    assert dead_letter_id("s", "t", 0, 1) != dead_letter_id("s", "t", 0, 2)


def test_host_of() -> None:
    assert host_of("https://WWW.Example.com:8443/x") == "www.example.com"
    with pytest.raises(ValueError):
        host_of("not a url")
