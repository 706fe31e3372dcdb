"""The poller's table records (`newswire.poller.state`): the records the previous release stored
(plain dicts, `state/legacy_records.json`, made by its own code) read with the same values, and
replaying that release's polls on them gives the same FetchRequests, FeedStatuses and next
records; round trip, defaults, unknown keys, newer versions, frozen-ness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from newswire.contracts import FeedConfig
from newswire.poller.logic import FeedResponse, PollPolicy, evaluate_poll, evaluate_push, new_record, with_state
from newswire.poller.items import merge_seen
from newswire.poller.parsing import ParsedFeed
from newswire.poller.scheduling import Bounds
from newswire.poller.sitemap import parse_document
from newswire.poller.state import FeedRecord, PollState, SeenRecord, SitemapChild, WebSubSubscription
from newswire.runtime.state import NewerRecordError, StateError, from_table, to_table

LEGACY = json.loads((Path(__file__).parent / "state" / "legacy_records.json").read_text("utf-8"))
STEPS: list[dict[str, Any]] = LEGACY["steps"]
#: The policy the fixture was made with.
POLICY = PollPolicy(default_interval_s=300, bounds=Bounds(60, 86400), max_backoff_s=3600, jitter=0.1,
                    unconditional_every=3, max_failures=3)
SITEMAP = "https://news.example.com/sitemap.xml"


def legacy_feed_records() -> list[tuple[str, dict[str, Any]]]:
    """Every feed record of the fixture: the final ones and each step's before and after."""
    out = [(f"final-{k}", v) for k, v in LEGACY["feeds"].items()]
    for step in STEPS:
        for which in ("record", "previous", "record_after"):
            if step.get(which) is not None:
                out.append((f"{step['name']}-{which}", step[which]))
    return out


@pytest.mark.parametrize(("name", "legacy"), legacy_feed_records(), ids=[n for n, _ in legacy_feed_records()])
def test_a_stored_dict_record_reads_with_the_same_values(name: str, legacy: dict[str, Any]) -> None:
    record = from_table(FeedRecord, legacy)
    assert record.schema_version == 2
    assert record.config == FeedConfig.model_validate(legacy["config"])
    assert record.partition == legacy["partition"]
    poll = record.poll.model_dump(mode="json")
    defaults = PollState().model_dump(mode="json")
    for field in PollState.model_fields:
        assert poll[field] == legacy.get(field, defaults[field]), field
    if legacy.get("websub") is None:
        assert record.websub is None
    else:
        sub = record.websub.model_dump(mode="json") if record.websub else {}
        assert {k: sub[k] for k in legacy["websub"]} == legacy["websub"]
    assert record.url == (legacy.get("url") or legacy["config"]["url"])
    # nothing of it was left aside: every key has its place in the model
    assert set(legacy) <= set(PollState.model_fields) | {"config", "partition", "websub"}
    assert record.model_extra == {} and record.poll.model_extra == {}


def test_the_legacy_fixture_has_what_the_poller_stores() -> None:
    """The fixture covers the poll state as the previous release wrote it."""
    keys = set().union(*(set(r) for _, r in legacy_feed_records()))
    assert set(PollState.model_fields) <= keys
    websub = set().union(*(set(r.get("websub") or {}) for _, r in legacy_feed_records()))
    assert websub >= {"hub", "topic", "requested_at", "lease_until", "key_id"}
    assert LEGACY["feeds"]["b"]["sitemap_children"]


def _response(spec: dict[str, Any]) -> FeedResponse:
    body = spec.get("body")
    return FeedResponse(**{**spec, "body": body.encode() if body is not None else None})


@pytest.mark.parametrize("step", STEPS, ids=[s["name"] for s in STEPS])
def test_the_previous_release_polls_replay_identically(step: dict[str, Any]) -> None:
    """Each step of the fixture again, on the records it stored: the same outputs and the same
    next record (FeedStatus and FetchRequests unchanged by the typed state)."""
    seen = {key for s in STEPS[: STEPS.index(step)] for key in s.get("seen_keys", ())}
    if step["kind"] == "config":
        previous = None if step["previous"] is None else from_table(FeedRecord, step["previous"])
        record = new_record(FeedConfig.model_validate(step["config"]), step["partition"], previous)
        assert to_table(record) == to_table(from_table(FeedRecord, step["record_after"]))
        return
    record = from_table(FeedRecord, step["record"])
    if step["kind"] == "push":
        out = evaluate_push(record, step["body"].encode(), content_type="application/rss+xml",
                            received_at=step["received_at"], seen=seen.__contains__)
        assert out.state is None and with_state(record, out.state) is record
    else:
        parsed = None
        if step["index_children"] is not None:
            children = parse_document(step["index_children"].encode(), SITEMAP)
            parsed = ParsedFeed(items=children.items, version="sitemap-index",
                                fingerprint=record.poll.content_hash)
        sitemap_children = None
        if step["sitemap_children"] is not None:
            sitemap_children = {u: SitemapChild.model_validate(c) for u, c in step["sitemap_children"].items()}
        out = evaluate_poll(
            record, _response(step["response"]), started_at=step["started_at"], now=step["now"],
            policy=POLICY, seen=seen.__contains__, draw=step["draw"], parsed=parsed,
            sitemap_children=sitemap_children,
        )
        assert out.host_retry_until == step["host_retry_until"]
        assert (None if out.websub is None else [out.websub.hub, out.websub.topic]) == step["websub"]
        assert to_table(with_state(record, out.state)) == to_table(from_table(FeedRecord, step["record_after"]))
    assert out.status.model_dump(mode="json") == step["status"]
    assert [r.model_dump(mode="json") for r in out.requests] == step["requests"]
    assert list(out.seen_keys) == step["seen_keys"] and list(out.url_keys) == step["url_keys"]


def test_a_stored_seen_dict_reads_and_merges_as_before() -> None:
    for fid, legacy in LEGACY["seen"].items():
        record = from_table(SeenRecord, legacy)
        assert record.first_seen == legacy and record.schema_version == 2, fid
        assert to_table(record) == {"schema_version": 2, "first_seen": legacy}
    # the seen record of feed a is what merging its polls' keys gives (one merge per poll)
    a = LEGACY["feeds"]["a"]["config"]["feed_id"]
    merged: SeenRecord | None = None
    for step in STEPS:
        if step["kind"] == "poll" and step["seen_keys"] and step["status"]["feed_id"] == a:
            merged = merge_seen(merged, step["seen_keys"], step["now"], 30 * 86400, 5000)
    assert merged is not None and merged.first_seen == LEGACY["seen"][a]


@pytest.mark.parametrize("name", ["a", "b", "c"])
def test_round_trip(name: str) -> None:
    record = from_table(FeedRecord, LEGACY["feeds"][name])
    stored = json.loads(json.dumps(to_table(record)))  # through the JSON changelog
    assert stored["schema_version"] == 2 and "poll" in stored
    again = from_table(FeedRecord, stored)
    assert again == record and to_table(again) == stored
    seen = SeenRecord(first_seen={"00ff00ff00ff00ff": 1.5})
    assert from_table(SeenRecord, json.loads(json.dumps(to_table(seen)))) == seen


def test_fields_missing_from_a_stored_record_read_with_their_defaults() -> None:
    """A record written before a field existed (the sitemap fields, the subscription's key):
    the field's default."""
    stored = to_table(from_table(FeedRecord, LEGACY["feeds"]["b"]))
    del stored["poll"]["sitemap_children"], stored["poll"]["kind"], stored["websub"]
    record = from_table(FeedRecord, stored)
    assert record.poll.sitemap_children == {} and record.poll.kind is None and record.websub is None
    legacy = {k: v for k, v in LEGACY["feeds"]["a"].items() if k not in ("kind", "polls", "rate")}
    legacy["websub"] = {"topic": "http://news.example.com/feed.xml", "lease_until": 5.0}  # a verification without a request
    record = from_table(FeedRecord, legacy)
    assert record.poll.kind is None and record.poll.polls == 0 and record.poll.rate is None
    assert record.websub == WebSubSubscription(topic="http://news.example.com/feed.xml", lease_until=5.0)


def test_unknown_keys_survive_a_poll_and_a_config_update() -> None:
    """Keys a newer release added (same version) pass through this one's changes."""
    stored = to_table(from_table(FeedRecord, LEGACY["feeds"]["a"]))
    stored["priority"] = "high"
    stored["poll"]["learned"] = {"x": 1}
    stored["config"]["region"] = "eu"  # a newer FeedConfig's field: the contract's copy drops it
    record = from_table(FeedRecord, stored)
    step = next(s for s in STEPS if s["name"] == "a_304")
    out = evaluate_poll(record, _response(step["response"]), started_at=step["started_at"], now=step["now"],
                        policy=POLICY, seen=lambda _: True, draw=step["draw"])
    updated = new_record(record.config, 2, with_state(record, out.state))
    written = to_table(updated)
    assert written["priority"] == "high" and written["poll"]["learned"] == {"x": 1}
    assert "region" not in written["config"]


def test_a_record_of_a_newer_version_is_refused_not_misread() -> None:
    stored = {**to_table(from_table(FeedRecord, LEGACY["feeds"]["a"])), "schema_version": 3}
    with pytest.raises(NewerRecordError):
        from_table(FeedRecord, stored)
    with pytest.raises(NewerRecordError):
        from_table(SeenRecord, {"schema_version": 3, "first_seen": {}})
    with pytest.raises(StateError):
        from_table(FeedRecord, {"partition": 1})  # no config


def test_records_are_frozen_and_changes_are_copies() -> None:
    record = from_table(FeedRecord, LEGACY["feeds"]["a"])
    with pytest.raises(ValidationError):
        record.partition = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        record.poll.etag = '"x"'  # type: ignore[misc]
    assert record.websub is not None
    with pytest.raises(ValidationError):
        record.websub.lease_until = None  # type: ignore[misc]
    before = to_table(record)
    again = new_record(record.config.model_copy(update={"url": "http://news.example.com/other.xml"}), 2, record)
    assert again.url == "http://news.example.com/other.xml" and record.url == "http://news.example.com/new-feed.xml"
    assert to_table(record) == before
