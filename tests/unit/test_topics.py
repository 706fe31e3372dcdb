"""The topic registry: every contract has its topic, names are versioned, keys fit politeness."""

from __future__ import annotations

import re

import pytest

from newswire.contracts import MESSAGES
from newswire.topics import (
    ARTICLES_NORMALISED,
    DLQ,
    FEEDS,
    FETCH_REQUESTS,
    PAGES,
    PUBLIC_TOPICS,
    RECHECKS,
    STAGES,
    STORIES,
    all_topics,
    by_name,
    retry_topic,
)


def test_names_are_unique_and_versioned() -> None:
    names = [s.name for s in all_topics()]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"newswire(\.[a-z-]+)+\.v\d+", name), name


def test_every_message_has_a_topic() -> None:
    """Every public topic's value is a message, and every message travels on a topic (the
    dormant stories on the enricher's internal one)."""
    assert {s.value for s in PUBLIC_TOPICS} <= set(MESSAGES)
    assert {s.value for s in all_topics()} == set(MESSAGES)


def test_keys_and_policies() -> None:
    assert FETCH_REQUESTS.key == "host"
    assert FEEDS.cleanup_policy == "compact" and STORIES.cleanup_policy == "compact"
    for spec in PUBLIC_TOPICS:
        if spec.name.startswith("newswire.articles") or spec.name in (PAGES.name, RECHECKS.name):
            assert spec.key == "article_id", spec.name
    assert FEEDS.kafka_config()["cleanup.policy"] == "compact"
    assert "retention.ms" not in FEEDS.kafka_config()
    assert int(DLQ.kafka_config()["max.message.bytes"]) >= max(s.max_message_bytes for s in PUBLIC_TOPICS)


def test_rechecks_are_co_partitioned_with_the_trackers_table() -> None:
    """The tracker writes a re-check's outcome into its table in the message's own partition: the
    re-checks topic must be keyed and partitioned like the table's source, and the tracker reads
    it instead of the pages."""
    assert RECHECKS.key == ARTICLES_NORMALISED.key == "article_id"
    assert RECHECKS.partitions == ARTICLES_NORMALISED.partitions
    assert RECHECKS.consumers == ("tracker",) and "tracker" not in PAGES.consumers


def test_prefix_and_lookup() -> None:
    assert FEEDS.full_name("test-1.") == "test-1.newswire.feeds.v1"
    assert by_name("newswire.feeds.v1") is FEEDS
    with pytest.raises(KeyError):
        by_name("newswire.nope.v1")
    assert {retry_topic(s) for s in STAGES} <= {s.name for s in all_topics()}
    with pytest.raises(ValueError):
        retry_topic("nobody")


def test_every_faust_table_is_declared_with_its_changelog() -> None:
    """TABLES lists exactly the `stage.table(...)` calls of the wiring modules, so that
    `topics create` makes every changelog before a stage starts."""
    import re
    from pathlib import Path

    import newswire.topics as registry

    root = Path(__file__).resolve().parents[2] / "services"
    found = set()
    for wiring in root.glob("*/newswire/*/wiring.py"):
        for name, source in re.findall(r'stage\.table\(\s*"(\w+)",\s*source=(\w+)', wiring.read_text()):
            found.add((wiring.parent.name, name, getattr(registry, source).name))
    assert found == {(t.stage, t.table, t.source.name) for t in registry.TABLES}
    tracker = next(t for t in registry.TABLES if t.stage == "tracker")
    assert tracker.full_name("p.") == "p.newswire-tracker-articles-changelog"
    assert tracker.partitions == registry.ARTICLES_NORMALISED.partitions
    assert tracker.kafka_config()["cleanup.policy"] == "compact"
