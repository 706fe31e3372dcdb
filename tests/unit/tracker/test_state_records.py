"""The tracker's table records (`newswire.tracker.state`): the records the previous release stored
(plain dicts of schema 1 and 2, `state/legacy_records.json`, made by its own code) read with the
same values, and replaying that release's steps on them gives the same ArticleVersions,
RevisionEvents, re-check FetchRequests, outlet counters and next records; round trip, defaults,
unknown keys, newer versions, frozen-ness."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from newswire.contracts import ArticleVersion, FetchRequest, NormalisedArticle, RecheckResult, RevisionEvent
from newswire.contracts.base import Contract
from newswire.contracts.fetch import PageFingerprint
from newswire.runtime.state import NewerRecordError, StateError, from_table, to_table
from newswire.tracker.logic import (
    Observation,
    confirm_redirect,
    is_due,
    observe,
    observe_recheck,
    observe_unchanged,
    plan_recheck,
    recheck_due,
)
from newswire.tracker.schedule import RecheckPolicy, count_article, count_check, outlet_factor
from newswire.tracker.state import ArticleState, OutletCounters, RedirectPending, is_outlet_key

LEGACY = json.loads((Path(__file__).parent / "state" / "legacy_records.json").read_text("utf-8"))
STEPS: list[dict[str, Any]] = LEGACY["steps"]
#: What the fixture was made with.
POLICY = RecheckPolicy()
REDIRECT_S = 600.0
DATETIMES = ("first_seen", "published", "last_changed", "last_observed", "last_fetched", "last_checked",
             "next_check_at", "last_requested")


def state_before(step: dict[str, Any]) -> dict[str, Any] | None:
    """The table value a step started from (the fixture does not repeat the previous step's)."""
    value = step["state"]
    if value == "state_after_previous":
        earlier = [s for s in STEPS[: STEPS.index(step)] if s["key"] == step["key"]]
        return earlier[-1]["state_after"]  # type: ignore[no-any-return]
    return value  # type: ignore[no-any-return]


def legacy_states() -> list[tuple[str, dict[str, Any]]]:
    """Every article state of the fixture (nested `prev`s included): as stored, any schema."""
    out: list[tuple[str, dict[str, Any]]] = []
    for step in STEPS:
        for name, value in (("before", state_before(step)), ("after", step["state_after"])):
            while isinstance(value, dict):
                out.append((f"{step['name']}-{name}", value))
                value, name = value.get("prev"), f"{name}-prev"
    return out


def read(value: Any) -> ArticleState | None:
    return None if value is None else from_table(ArticleState, value)


def read_counters(value: Any) -> OutletCounters | None:
    return None if value is None else from_table(OutletCounters, value)


@pytest.mark.parametrize(("name", "legacy"), legacy_states(), ids=[n for n, _ in legacy_states()])
def test_a_stored_dict_reads_with_the_same_values(name: str, legacy: dict[str, Any]) -> None:
    state = from_table(ArticleState, legacy)
    assert state.schema_version == 3 and state.model_extra == {}
    assert "schema" not in to_table(state) and "hashes" not in to_table(state)
    for field in DATETIMES:
        value = getattr(state, field)
        if field in legacy:
            assert value == (None if legacy[field] is None else datetime.fromisoformat(legacy[field])), field
    assert state.last_fetched == datetime.fromisoformat(legacy.get("last_fetched") or legacy["last_observed"])
    for field in ("version", "content_hash", "sig", "title", "checks", "partition", "url", "host", "outlet",
                  "etag", "last_modified", "edited", "status", "live_version"):
        if field in legacy:
            assert getattr(state, field) == legacy[field], field
    assert state.paragraphs == tuple(legacy["paragraphs"]) and state.authors == tuple(legacy["authors"])
    assert state.urls == tuple(legacy.get("urls", ()))
    assert state.article == legacy.get("article")
    assert state.fingerprint == (None if legacy.get("fingerprint") is None
                                 else PageFingerprint.model_validate(legacy["fingerprint"]))
    pending = legacy.get("redirect_pending")
    assert state.redirect_pending == (None if pending is None else RedirectPending(
        url=pending["url"], confirm_at=datetime.fromisoformat(pending["confirm_at"])))
    hashes = legacy.get("hashes") or []
    if hashes:  # schema 1's content hashes (never signatures): "" per version, numbering kept
        sigs = legacy.get("sigs") or []
        after = sigs[len(hashes):] if sigs[: len(hashes)] == hashes else sigs
        assert state.sigs == ("",) * len(hashes) + tuple(after)
    else:
        assert state.sigs == tuple(legacy["sigs"])
    if legacy["schema"] == 1:
        assert state.status == legacy.get("status", "live")
        assert state.live_version == legacy.get("live_version", len(hashes))
    assert (state.prev is None) == (legacy.get("prev") is None)


def test_the_legacy_fixture_has_what_the_tracker_stores() -> None:
    """The fixture covers the state as the previous release wrote it, both schemas."""
    keys = set().union(*(set(v) for _, v in legacy_states()))
    assert set(ArticleState.model_fields) - {"schema_version"} <= keys
    assert {v["schema"] for _, v in legacy_states()} == {1, 2}
    assert any(v.get("redirect_pending") for _, v in legacy_states())
    assert any(v.get("fingerprint") for _, v in legacy_states())
    assert {s["kind"] for s in STEPS} == {"article", "recheck", "timer"}


#: The message of each topic the steps emit to.
EMITTED: dict[str, type[Contract]] = {
    "versions": ArticleVersion, "revisions": RevisionEvent, "fetch-requests": FetchRequest,
}


def as_read(emits: list[list[Any]]) -> list[list[Any]]:
    """The previous release's messages as this release reads them: its contracts' fields added
    since (with their defaults, e.g. `PageFingerprint.region_parser`) filled in, nothing else."""
    return [[topic, key, EMITTED[topic].model_validate(value).model_dump(mode="json")] for topic, key, value in emits]


def replay(step: dict[str, Any]) -> tuple[ArticleState | None, Observation | None, list[list[Any]], OutletCounters | None]:
    """One step of the fixture on the typed records, driven as `wiring.build` drives it."""
    key, partition, now = step["key"], step["partition"], datetime.fromisoformat(step["now"])
    state = read(state_before(step))
    stats = read_counters(step["counters"])
    written = state
    emits: list[list[Any]] = []
    seen: Observation | None = None

    def store(obs: Observation, host: str | None) -> None:
        nonlocal written, stats
        if obs.changed and obs.state is not None:
            written = obs.state
        if host is None and obs.state is not None:
            host = obs.state.host
        if host and (obs.new_article or obs.first_edit or obs.verdict is not None):
            if obs.new_article or obs.first_edit:
                stats = count_article(stats, host, new=obs.new_article, first_edit=obs.first_edit)
            if obs.verdict is not None:
                stats = count_check(stats, host, changed=obs.verdict == "changed")
        if obs.version is not None:
            emits.append(["versions", key, obs.version.model_dump(mode="json")])
        if obs.revision is not None:
            emits.append(["revisions", key, obs.revision.model_dump(mode="json")])

    if step["kind"] == "article":
        article = NormalisedArticle.model_validate(step["article"])
        assert outlet_factor(stats, POLICY) == step["factor"]
        seen = observe(state, article, now=now, policy=POLICY, partition=partition, factor=step["factor"])
        store(seen, article.host)
    elif step["kind"] == "recheck":
        result = RecheckResult.model_validate(step["result"])
        if result.unchanged is not None or result.outcome == "not_modified":
            seen = observe_unchanged(state, result, now=now)
        else:
            seen = observe_recheck(state, result, now=now, redirect_confirm_s=REDIRECT_S)
        store(seen, None)
    else:
        assert state is not None
        assert (is_due(state, now), recheck_due(state, now)) == (step["is_due"], step["recheck_due"])
        if is_due(state, now):
            seen = confirm_redirect(state, now=now)
            store(seen, None)
            state = seen.state or state
        if recheck_due(state, now):
            assert outlet_factor(stats, POLICY) == step["factor"]
            request, state = plan_recheck(key, state, now=now, policy=POLICY, factor=step["factor"])
            emits.append(["fetch-requests", request.host, request.model_dump(mode="json")])
            written = state
    return written, seen, emits, stats


@pytest.mark.parametrize("step", STEPS, ids=[s["name"] for s in STEPS])
def test_the_previous_release_steps_replay_identically(step: dict[str, Any]) -> None:
    """Each step of the fixture again, on the records it started from: the same messages, the
    same observation, and the same record and counters written (read back from the legacy
    dicts, so compared after their migration)."""
    written, seen, emits, stats = replay(step)
    assert emits == as_read(step["emits"])
    assert written == read(step["state_after"])
    assert (None if written is None else to_table(written)) == (
        None if step["state_after"] is None else to_table(from_table(ArticleState, step["state_after"])))
    assert (None if written is None else written.due_at()) == (
        None if step["due_at"] is None else datetime.fromisoformat(step["due_at"]))
    assert stats == read_counters(step["counters_after"])
    if "observation" in step:
        legacy = step["observation"]
        assert seen is not None
        assert (seen.new_article, seen.first_edit, seen.changed, seen.verdict) == (
            legacy["new_article"], legacy["first_edit"], legacy["changed"], legacy["verdict"])
        expected = step["state_after"] if legacy["state"] == "state_after" else legacy["state"]
        assert seen.state == read(expected)


def test_the_replayed_table_is_the_previous_releases_table() -> None:
    """The whole sequence on typed records, from an empty table (but the schema 1 records put
    there as the fixture did): every article and counter ends as the legacy table, migrated."""
    table: dict[str, Any] = {}
    for step in STEPS:
        if step["state"] != "state_after_previous":
            table[step["key"]] = step["state"]
        written, _, _, stats = replay({**step, "state": table.get(step["key"]),
                                       "counters": table.get(step["outlet_key"])})
        table[step["key"]] = None if written is None else to_table(written)
        if stats is not None:
            table[step["outlet_key"]] = to_table(stats)
    for key, legacy in LEGACY["table"].items():
        if is_outlet_key(key):
            assert read_counters(table.get(key, legacy)) == read_counters(legacy), key
        else:
            assert read(table[key]) == read(legacy), key


def test_outlet_counters_read_and_count_as_before() -> None:
    counters = {k: v for k, v in LEGACY["table"].items() if is_outlet_key(k)}
    assert len(counters) == 2
    old = from_table(OutletCounters, counters["~outlet:0:old.example.com"])  # before re-check verdicts
    assert (old.articles, old.edited, old.checks, old.changed_checks) == (120, 30, 0, 0)
    assert outlet_factor(old, POLICY) == outlet_factor(counters["~outlet:0:old.example.com"], POLICY)
    assert to_table(old) == {"schema_version": 1, "kind": "outlet", "host": "old.example.com", "articles": 120,
                             "edited": 30, "checks": 0, "changed_checks": 0}
    assert outlet_factor({"articles": 1000, "edited": 0}, POLICY) == POLICY.outlet_factor_min  # plain counts too


def test_round_trip() -> None:
    for _, legacy in legacy_states():
        state = from_table(ArticleState, legacy)
        stored = json.loads(json.dumps(to_table(state)))  # through the JSON changelog
        assert stored["schema_version"] == 3
        again = from_table(ArticleState, stored)
        assert again == state and to_table(again) == stored
    counters = OutletCounters(host="a.example", articles=3, edited=1, checks=9, changed_checks=1)
    assert from_table(OutletCounters, json.loads(json.dumps(to_table(counters)))) == counters


def newest() -> dict[str, Any]:
    return to_table(from_table(ArticleState, LEGACY["table"][STEPS[0]["key"]]))


def test_fields_missing_from_a_stored_record_read_with_their_defaults() -> None:
    """A record written before a field existed reads with the field's default."""
    stored = newest()
    for field in ("fingerprint", "redirect_pending", "edited", "urls", "last_requested", "prev"):
        del stored[field]
    state = from_table(ArticleState, stored)
    assert state.fingerprint is None and state.redirect_pending is None and state.edited is False
    assert state.urls == () and state.last_requested is None and state.prev is None
    assert from_table(OutletCounters, {"host": "x.example"}) == OutletCounters(host="x.example")


def test_unknown_keys_survive_a_change() -> None:
    """Keys a newer release added (same version) pass through this one's changes."""
    stored = newest()
    stored["priority"] = "high"
    stored["fingerprint"]["extra"] = 1  # a fingerprint this release cannot read: none, as before
    state = from_table(ArticleState, stored)
    assert state.fingerprint is None
    request, planned = plan_recheck(STEPS[0]["key"], state, now=state.last_fetched, policy=POLICY)
    assert request.fingerprint is None
    assert to_table(planned)["priority"] == "high"


def test_a_record_of_a_newer_version_is_refused_not_misread() -> None:
    with pytest.raises(NewerRecordError):
        from_table(ArticleState, {**newest(), "schema_version": 4})
    with pytest.raises(NewerRecordError):
        from_table(ArticleState, {**state_before(STEPS[1]), "schema": 4})  # type: ignore[dict-item]
    with pytest.raises(NewerRecordError):
        from_table(OutletCounters, {"schema_version": 2, "host": "a"})
    with pytest.raises(StateError):
        from_table(ArticleState, {"schema": 2, "version": 1})  # no first_seen, url, ...


def test_records_are_frozen_and_changes_are_copies() -> None:
    state = from_table(ArticleState, LEGACY["table"][STEPS[0]["key"]])
    with pytest.raises(ValidationError):
        state.version = 9  # type: ignore[misc]
    assert state.redirect_pending is None and state.fingerprint is not None
    before = to_table(state)
    _, planned = plan_recheck(STEPS[0]["key"], state, now=state.last_fetched, policy=POLICY)
    assert planned.checks == state.checks + 1 and to_table(state) == before
