"""Encoding and decoding of topic messages against their contracts.

Topics carry raw bytes in Faust; the stage runtime decodes them here, so that a message that fails
validation becomes a dead letter with its original bytes instead of a decode error deep inside
Faust.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from newswire.contracts import Contract
from newswire.runtime.errors import ContractViolation
from newswire.topics import TopicSpec

M = TypeVar("M", bound=Contract)


def decode_as(model: type[M], raw: bytes | None) -> M:
    """Validate raw JSON bytes as `model`; any problem is a ContractViolation (permanent)."""
    if raw is None:
        raise ContractViolation(f"empty message (tombstone) where a {model.__name__} was expected")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ContractViolation(
            f"not a valid {model.__name__}: {exc.error_count()} error(s): "
            + "; ".join(_brief(e) for e in exc.errors()[:5])
        ) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContractViolation(f"not a valid {model.__name__}: {exc}") from exc


def decode(spec: TopicSpec, raw: bytes | None) -> Contract:
    """Decode a message of topic `spec`."""
    return decode_as(spec.value, raw)


def encode(spec: TopicSpec, value: Contract) -> bytes:
    """Encode a message for topic `spec`, refusing a model of the wrong type."""
    if not isinstance(value, spec.value):
        raise TypeError(
            f"topic {spec.name} carries {spec.value.__name__}, not {type(value).__name__}"
        )
    return value.to_bytes()


def encode_key(key: str | bytes | None) -> bytes | None:
    """Keys are UTF-8 strings on the wire."""
    if key is None or isinstance(key, bytes):
        return key
    return key.encode("utf-8")


def _brief(error: Any) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ())) or "<root>"
    return f"{loc}: {error.get('msg', '')}"
