"""Poison messages for every contract: for each top-level model of `newswire.contracts` and each
position that is a JSON string on the wire (str, URL, Literal and base64 bytes fields, tuple
elements, dict keys and values, in nested models too), a valid sample message with bad bytes
spliced into that one string."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import AnyUrl, BaseModel
from pydantic.networks import _BaseUrl

from newswire.contracts import MESSAGES, Contract
from tests.factories import SAMPLES

Path = tuple[str | int, ...]
KEY = "<key>"  # path step: the key of a dict entry
VALUE = "<value>"  # path step: the value of a dict entry
MARKER = "XPOISONX"

#: The bad strings, as raw JSON-string contents (what sits between the quotes on the wire).
POISONS: dict[str, bytes] = {
    "invalid-ff": b"ab\xffcd",
    "invalid-fe-ff": b"\xfe\xff",
    "overlong-slash": b"\xc0\xaf",
    "lone-continuation": b"x\x80y",
    "truncated-multibyte": b"caf\xc3",
    "cesu-surrogate-bytes": b"\xed\xa0\x80",
    "latin1-text": b"Gen\xe8ve",
    "lone-high-surrogate": rb"a\ud800b",
    "lone-low-surrogate": rb"\udfff",
    "reversed-surrogates": rb"\udc00\ud800",
    "raw-nul": b"a\x00b",
    "escaped-nul": rb"a\u0000b",
    "raw-control": b"a\x1bb",
    "valid-surrogate-pair": rb"\ud83d\ude00",
}


def _unwrap(tp: Any) -> list[Any]:
    """The concrete alternatives of a type (Optional, Union and Annotated unwrapped)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    return [tp]


def _is_wire_string(tp: Any) -> bool:
    if tp in (str, bytes):
        return True
    if typing.get_origin(tp) is typing.Literal:
        return all(isinstance(v, str) for v in typing.get_args(tp))
    return isinstance(tp, type) and issubclass(tp, (AnyUrl, _BaseUrl))


def string_paths(tp: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """(path, leaf type) of every JSON-string position under type `tp`."""
    for alt in _unwrap(tp):
        if _is_wire_string(alt):
            yield prefix, alt
        elif isinstance(alt, type) and issubclass(alt, BaseModel):
            for name, info in alt.model_fields.items():
                yield from string_paths(info.annotation, (*prefix, name))
        elif typing.get_origin(alt) in (tuple, list):
            yield from string_paths(typing.get_args(alt)[0], (*prefix, 0))
        elif typing.get_origin(alt) is dict:
            key_type, value_type = typing.get_args(alt)
            yield from string_paths(key_type, (*prefix, KEY))
            yield from string_paths(value_type, (*prefix, VALUE))


def _nested_samples() -> dict[type[BaseModel], dict[str, Any]]:
    """A JSON sample of every nested model type, taken from the top-level samples."""
    found: dict[type[BaseModel], dict[str, Any]] = {}

    def visit(value: Any) -> None:
        if isinstance(value, BaseModel):
            found.setdefault(type(value), value.model_dump(mode="json"))
            for name in type(value).model_fields:
                visit(getattr(value, name))
        elif isinstance(value, (tuple, list)):
            for v in value:
                visit(v)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)

    for sample in SAMPLES.values():
        visit(sample)
    return found


_NESTED = _nested_samples()


def _model_alternative(tp: Any) -> type[BaseModel] | None:
    for alt in _unwrap(tp):
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            return alt
    return None


def _place(data: Any, model: type[BaseModel], path: Path) -> Any:
    """`data` (a model's JSON dict) with MARKER at `path`, creating what is missing."""
    name, rest = path[0], path[1:]
    assert isinstance(name, str)
    annotation = model.model_fields[name].annotation
    data = dict(data)
    data[name] = _place_in(data.get(name), annotation, rest)
    return data


def _place_in(value: Any, tp: Any, rest: Path) -> Any:
    if not rest:
        return MARKER
    step, tail = rest[0], rest[1:]
    nested = _model_alternative(tp)
    if isinstance(step, str) and step not in (KEY, VALUE) and nested is not None:
        return _place(value if isinstance(value, dict) else _NESTED[nested], nested, rest)
    for alt in _unwrap(tp):
        origin = typing.get_origin(alt)
        if step == 0 and origin in (tuple, list):
            items = list(value or [])
            element_type = typing.get_args(alt)[0]
            if not items:
                element_model = _model_alternative(element_type)
                items = [_NESTED[element_model] if element_model else "x"]
            items[0] = _place_in(items[0], element_type, tail)
            return items
        if step in (KEY, VALUE) and origin is dict:
            entries = dict(value or {})
            key_type, value_type = typing.get_args(alt)
            if not entries:
                literal = [a for a in _unwrap(value_type) if typing.get_origin(a) is typing.Literal]
                entries = {"k": typing.get_args(literal[0])[0] if literal else "v"}
            first_key = next(iter(entries))
            if step == KEY:
                entries = {MARKER: entries.pop(first_key), **entries}
            else:
                entries[first_key] = _place_in(entries[first_key], value_type, tail)
            return entries
    raise AssertionError(f"cannot place a string at {rest} in {tp}")


@dataclass(frozen=True)
class PoisonCase:
    model: type[Contract]
    path: Path
    poison: str
    payload: bytes

    @property
    def id(self) -> str:
        return f"{self.model.__name__}.{'.'.join(str(p) for p in self.path)}:{self.poison}"


def field_positions() -> list[tuple[type[Contract], Path]]:
    """Every (contract, string position) pair."""
    return [(m, path) for m in MESSAGES for path, _ in string_paths(m)]


def cases_for(model: type[Contract], path: Path) -> list[PoisonCase]:
    data = _place(SAMPLES[model].model_dump(mode="json"), model, path)
    template = orjson.dumps(data)
    assert template.count(f'"{MARKER}"'.encode()) == 1, (model, path)
    return [
        PoisonCase(model, path, name, template.replace(f'"{MARKER}"'.encode(), b'"' + raw + b'"'))
        for name, raw in POISONS.items()
    ]
