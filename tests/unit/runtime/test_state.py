"""Typed table records (`newswire.runtime.state`): round trip, defaults for fields added later,
migrations (also of records stored before they had a version), unknown keys kept, newer
versions refused, frozen-ness, and the read cache."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from newswire.runtime.state import (
    NewerRecordError,
    RecordCache,
    StateError,
    StateModel,
    TableRecord,
    from_table,
    to_table,
)


class Window(StateModel):
    start: float
    end: float | None = None


class Counter(TableRecord):
    """Version 1 (no schema_version: a plain dict) was {"n": int}; version 2 renamed `n` to
    `count`; version 3 moved `since` under `window`. `label` was added in 3 without a bump."""

    schema_version: int = 3
    count: int
    window: Window | None = None
    label: str = "none"


migrated: list[int] = []


@Counter.migration(from_version=1)
def _rename(value: dict[str, Any]) -> dict[str, Any]:
    migrated.append(1)
    value["count"] = value.pop("n")
    return value


@Counter.migration(from_version=2)
def _nest(value: dict[str, Any]) -> dict[str, Any]:
    migrated.append(2)
    since = value.pop("since", None)
    return {**value, "window": None if since is None else {"start": since}}


def test_round_trip() -> None:
    record = Counter(count=3, window=Window(start=1.5, end=2.0), label="x")
    stored = to_table(record)
    assert stored == {"schema_version": 3, "count": 3, "window": {"start": 1.5, "end": 2.0}, "label": "x"}
    assert json.loads(json.dumps(stored)) == stored  # what the JSON changelog holds
    assert from_table(Counter, json.loads(json.dumps(stored))) == record


def test_a_field_added_later_reads_with_its_default() -> None:
    assert from_table(Counter, {"schema_version": 3, "count": 1}).label == "none"


def test_older_versions_are_migrated_step_by_step() -> None:
    migrated.clear()
    assert from_table(Counter, {"schema_version": 2, "count": 4, "since": 7.0}) == Counter(
        count=4, window=Window(start=7.0)
    )
    assert migrated == [2]
    migrated.clear()
    # no schema_version at all: a plain dict stored before the table had a record type
    record = from_table(Counter, {"n": 5, "since": 1.0})
    assert record == Counter(count=5, window=Window(start=1.0)) and record.schema_version == 3
    assert migrated == [1, 2]
    assert to_table(record)["schema_version"] == 3  # written back at the current version


def test_the_stored_value_is_not_changed_by_reading_it() -> None:
    stored = {"n": 5, "since": 1.0}
    from_table(Counter, stored)
    assert stored == {"n": 5, "since": 1.0}


def test_unknown_keys_are_kept_through_a_change() -> None:
    """A record a newer release wrote with a field this one does not know (same version: an
    added field) keeps it when this release changes and writes the record."""
    stored = {"schema_version": 3, "count": 1, "priority": "high", "window": {"start": 0.0, "tz": "UTC"}}
    record = from_table(Counter, stored)
    changed = record.model_copy(update={"count": 2})
    assert to_table(changed) == {**stored, "count": 2, "label": "none", "window": {"start": 0.0, "end": None, "tz": "UTC"}}


def test_a_newer_version_is_refused() -> None:
    with pytest.raises(NewerRecordError, match="schema_version 4"):
        from_table(Counter, {"schema_version": 4, "count": 1})


@pytest.mark.parametrize("value", [None, 3, "x", [1], {"schema_version": "3", "count": 1},
                                   {"schema_version": 3}, {"schema_version": 3, "count": "many"},
                                   {"schema_version": 0, "count": 1}])
def test_what_is_not_a_record_is_a_state_error(value: Any) -> None:
    with pytest.raises(StateError):
        from_table(Counter, value)


def test_a_missing_migration_is_a_state_error_and_registration_is_checked() -> None:
    class Gap(TableRecord):
        schema_version: int = 3

    @Gap.migration(from_version=2)
    def _up(value: dict[str, Any]) -> dict[str, Any]:
        return value

    with pytest.raises(StateError, match="no migration from schema_version 1"):
        from_table(Gap, {})
    assert from_table(Gap, {"schema_version": 2}).schema_version == 3
    with pytest.raises(ValueError, match="already"):
        Gap.migration(from_version=2)(_up)
    with pytest.raises(ValueError, match="no migration"):
        Gap.migration(from_version=3)(_up)
    assert TableRecord.migrations == {} and set(Counter.migrations) == {1, 2}  # one registry per class


def test_records_are_frozen() -> None:
    record = Counter(count=1, window=Window(start=0.0))
    with pytest.raises(ValidationError):
        record.count = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        record.window.end = 1.0  # type: ignore[misc,union-attr]
    changed = record.model_copy(update={"count": 2})
    assert changed.count == 2 and record.count == 1
    assert hash(Window(start=1.0)) == hash(Window(start=1.0))


def test_the_cache_reads_each_stored_value_once() -> None:
    cache = RecordCache(Counter)
    migrated.clear()
    stored = {"n": 1}
    first = cache.read("k", stored)
    assert cache.read("k", stored) is first  # the same object (in-memory store)
    assert cache.read("k", {"n": 1}) is first  # an equal one (RocksDB decodes a new dict)
    assert migrated == [1, 2]
    second = cache.read("k", {"n": 2})
    assert second.count == 2 and migrated == [1, 2, 1, 2]
    written = cache.write("k", second.model_copy(update={"label": "y"}))
    assert written == {"schema_version": 3, "count": 2, "window": None, "label": "y"}
    assert cache.read("k", dict(written)).label == "y" and migrated == [1, 2, 1, 2]
    cache.forget("k")
    assert len(cache) == 0
    with pytest.raises(NewerRecordError):
        cache.read("k", {"schema_version": 9, "count": 1})


def test_the_module_is_pure() -> None:
    """Logic modules import it: no stream engine, no client."""
    code = "import sys, newswire.runtime.state; print(sorted(m for m in sys.modules if m.split('.')[0] in ('faust', 'mode', 'aiokafka', 'aiohttp')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plain_dicts_with_a_version_key_of_their_own() -> None:
    """A table whose plain dicts carried their own version key (e.g. `schema`) reads it."""

    class Legacy(TableRecord):
        schema_version: int = 3
        value: int

        @classmethod
        def stored_version(cls, value: Any) -> Any:
            return value.get("schema_version", value.get("schema", 1))

    @Legacy.migration(from_version=1)
    def _one(value: dict[str, Any]) -> dict[str, Any]:
        return {"value": value["v"], "schema": 2}

    @Legacy.migration(from_version=2)
    def _two(value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if k != "schema"}

    assert to_table(from_table(Legacy, {"v": 1})) == {"schema_version": 3, "value": 1}
    assert to_table(from_table(Legacy, {"schema": 2, "value": 5})) == {"schema_version": 3, "value": 5}
