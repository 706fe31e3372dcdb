"""FeedStatus.warnings (#24): an additive, optional field on v1."""

from __future__ import annotations

import jsonschema
import orjson
import pydantic
import pytest

from newswire.contracts import FeedStatus
from newswire.contracts.export import json_schema
from tests.factories import feed_status


def test_a_status_written_before_the_field_still_validates() -> None:
    old = orjson.loads(feed_status().to_bytes())
    del old["warnings"]
    status = FeedStatus.model_validate_json(orjson.dumps(old))
    assert status.warnings == () and status.error_class is None
    jsonschema.validate(old, json_schema(FeedStatus))


def test_warnings_travel_and_are_a_closed_vocabulary() -> None:
    status = feed_status().model_copy(update={"warnings": ("leading_whitespace", "truncated")})
    wire = status.to_bytes()
    assert orjson.loads(wire)["warnings"] == ["leading_whitespace", "truncated"]
    assert FeedStatus.model_validate_json(wire) == status
    jsonschema.validate(orjson.loads(wire), json_schema(FeedStatus))
    bad = {**orjson.loads(wire), "warnings": ["looked_odd"]}
    with pytest.raises(pydantic.ValidationError):
        FeedStatus.model_validate(bad)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema(FeedStatus))
