"""Typed, versioned records of the stages' tables, and the one way they are written and read.

A table value lives for as long as its changelog (compacted: for ever) and in the local store
(RocksDB), so a record written by any past release must still be read, and during a rolling
deploy a record written by the next release may be read by this one. The rules:

* A record type subclasses `TableRecord` (its parts, `StateModel`): frozen pydantic models; a
  change is a new value (`model_copy(update=...)`), written back with `to_table`.
* `to_table(record)` is the JSON-able dict a table stores; `from_table(Record, value)` is the
  only way back. Never `model_validate` a table value directly: that skips the migrations.
* **Adding a field** (with a default) needs no new version: older records lack the key and read
  with the default.
* **Renaming, moving, re-typing or re-meaning a field** bumps the class's `schema_version`
  default and registers a migration from the previous version
  (`@Record.migration(from_version=n)`: a pure function from the dict of version n to the dict
  of version n + 1). `from_table` runs the chain from the stored version up to the current one.
* **A value without `schema_version`** (a plain dict written before the table had a record
  type) is read as version `legacy_version` (1 by default; `stored_version` may tell versions
  of plain dicts apart) and migrated like any other.
* **Unknown keys are kept**, not dropped or refused (`extra="allow"`): a record written by a
  newer release that only added fields passes through this one intact (read, changed,
  written back with those keys), so a rolling deploy or a rollback loses nothing. Migrations
  remove the keys they retire.
* **A record of a newer `schema_version`** than the class knows raises `NewerRecordError`: it
  was restructured by a newer release, and writing it back in the old shape would corrupt it.
  Callers leave such a record alone (a newer instance will handle it).

Pure: pydantic and the standard library only (no stream engine), so logic modules may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "Migration",
    "NewerRecordError",
    "RecordCache",
    "StateError",
    "StateModel",
    "TableRecord",
    "from_table",
    "to_table",
]

Migration = Callable[[dict[str, Any]], dict[str, Any]]
"""A record's dict at version n to its dict at version n + 1."""

R = TypeVar("R", bound="TableRecord")


class StateError(ValueError):
    """A table value that cannot be read as the record type asked for."""


class NewerRecordError(StateError):
    """A table value written by a newer release, in a shape this one does not know."""


class StateModel(BaseModel):
    """Base of table records and their parts: frozen, unknown keys kept (see the module)."""

    model_config = ConfigDict(frozen=True, extra="allow")


class TableRecord(StateModel):
    """A table's record type: a `StateModel` with a `schema_version` and its migrations.

    A subclass sets its current version as the default of `schema_version`
    (`schema_version: int = 2`) and registers a migration for every older version.
    """

    schema_version: int = Field(1, description="Shape of the record; see newswire.runtime.state.")

    legacy_version: ClassVar[int] = 1
    """The version a stored value without `schema_version` is read as."""
    migrations: ClassVar[dict[int, Migration]] = {}
    """Version n -> the migration to n + 1 (each subclass has its own)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.migrations = {}

    @classmethod
    def stored_version(cls, value: Mapping[str, Any]) -> Any:
        """The version of a stored value: its `schema_version`, else `legacy_version`. A type
        whose plain dicts carried their own version key overrides this to read it."""
        return value.get("schema_version", cls.legacy_version)

    @classmethod
    def current_version(cls) -> int:
        """The version this release writes."""
        return int(cls.model_fields["schema_version"].default)

    @classmethod
    def migration(cls, from_version: int) -> Callable[[Migration], Migration]:
        """Register `fn(dict of version from_version) -> dict of version from_version + 1`."""

        def register(fn: Migration) -> Migration:
            if from_version in cls.migrations:
                raise ValueError(f"{cls.__name__} already migrates from version {from_version}")
            if not cls.legacy_version <= from_version < cls.current_version():
                raise ValueError(
                    f"{cls.__name__} is at version {cls.current_version()}: no migration from "
                    f"version {from_version}"
                )
            cls.migrations[from_version] = fn
            return fn

        return register


def to_table(record: TableRecord) -> dict[str, Any]:
    """The value a table stores for `record`: JSON-able (the changelog's serialiser is JSON),
    `schema_version` included, unknown keys it carried kept."""
    return record.model_dump(mode="json")


def from_table(cls: type[R], value: Any) -> R:
    """Read a stored table value as `cls`, migrating it from its version (see the module).

    Raises `StateError` for a value that is not a record of `cls` (with the validation errors),
    `NewerRecordError` for one of a version newer than `cls` knows."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise StateError(f"not a {cls.__name__}: a stored {type(value).__name__}")
    data = dict(value)
    version = cls.stored_version(data)
    if not isinstance(version, int) or isinstance(version, bool):
        raise StateError(f"not a {cls.__name__}: schema_version {version!r}")
    current = cls.current_version()
    if version > current:
        raise NewerRecordError(
            f"{cls.__name__} of schema_version {version}: this release reads up to {current}"
        )
    if version < cls.legacy_version:
        raise StateError(f"{cls.__name__} of schema_version {version}: none before {cls.legacy_version}")
    while version < current:
        step = cls.migrations.get(version)
        if step is None:
            raise StateError(f"{cls.__name__}: no migration from schema_version {version}")
        data = step(dict(data))
        version += 1
    data["schema_version"] = current
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise StateError(f"not a {cls.__name__}: {exc.error_count()} error(s): {problems}") from exc


class RecordCache(Generic[R]):
    """`from_table` for a table that is read far more often than written (a timer scanning
    every record): a value read before (the same object, as the in-memory store returns, or an
    equal one, as RocksDB decodes) gives the record read then, without validating it again.
    It holds the value and the record of every key read (`forget` a key the table deletes):
    for tables of small records, not of large ones read once per use."""

    def __init__(self, cls: type[R]) -> None:
        self.cls = cls
        self._read: dict[Any, tuple[Any, R]] = {}

    def read(self, key: Any, value: Any) -> R:
        """`from_table(cls, value)` of the value stored under `key` (raises as it does)."""
        hit = self._read.get(key)
        if hit is not None and (hit[0] is value or hit[0] == value):
            return hit[1]
        record = from_table(self.cls, value)
        self._read[key] = (value, record)
        return record

    def write(self, key: Any, record: R) -> dict[str, Any]:
        """`to_table(record)`, to store under `key` (remembered: reading it back is free)."""
        value = to_table(record)
        self._read[key] = (value, record)
        return value

    def forget(self, key: Any) -> None:
        self._read.pop(key, None)

    def __len__(self) -> int:
        return len(self._read)
