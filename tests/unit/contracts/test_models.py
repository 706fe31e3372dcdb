"""The contracts: frozen, versioned, strict, and round-trip through their wire form."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from newswire.contracts import MESSAGES, Contract, FeedConfig, FetchRequest, NormalisedArticle
from tests.factories import SAMPLES, T0, feed_config, fetch_request, normalised_article


def test_every_message_has_a_sample_and_a_schema_version() -> None:
    assert set(SAMPLES) == set(MESSAGES)
    for model in MESSAGES:
        assert model.model_fields["schema_version"].default == 1, model.__name__


@pytest.mark.parametrize("model", MESSAGES, ids=lambda m: m.__name__)
def test_round_trip_through_bytes(model: type[Contract]) -> None:
    sample = SAMPLES[model]
    assert model.model_validate_json(sample.to_bytes()) == sample


def test_messages_are_frozen() -> None:
    article = normalised_article()
    with pytest.raises(ValidationError):
        article.title = "changed"  # type: ignore[misc]


def test_naive_datetimes_are_rejected_and_aware_ones_become_utc() -> None:
    data = feed_config().model_dump(mode="json")
    data["added_at"] = "2016-09-08T10:00:00"
    with pytest.raises(ValidationError, match="timezone"):
        FeedConfig.model_validate(data)
    data["added_at"] = "2016-09-08T12:00:00+02:00"
    parsed = FeedConfig.model_validate(data)
    assert parsed.added_at == T0 and parsed.added_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_another_schema_version_is_refused() -> None:
    data = fetch_request().model_dump(mode="json")
    data["schema_version"] = 2
    with pytest.raises(ValidationError, match="schema_version"):
        FetchRequest.model_validate(data)


def test_unknown_fields_are_refused() -> None:
    data = fetch_request().model_dump(mode="json")
    data["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        FetchRequest.model_validate(data)


def test_tight_types() -> None:
    data = normalised_article().model_dump(mode="json")
    bad_id = dict(data, article_id="not-a-hash")
    with pytest.raises(ValidationError, match="article_id"):
        NormalisedArticle.model_validate(bad_id)
    bad_url = dict(data, canonical_url="ftp:/nope")
    with pytest.raises(ValidationError, match="canonical_url"):
        NormalisedArticle.model_validate(bad_url)
    bad_reason = fetch_request().model_dump(mode="json") | {"reason": "because"}
    with pytest.raises(ValidationError, match="reason"):
        FetchRequest.model_validate(bad_reason)


def test_bytes_fields_travel_as_base64() -> None:
    letter = SAMPLES[MESSAGES[-1]]
    wire = letter.to_bytes()
    assert b"\\u0000" not in wire and b"AG5vdCBqc29u" in wire  # base64 of b"\x00not json\xff"
    assert type(letter).model_validate_json(wire).value == b"\x00not json\xff"  # type: ignore[attr-defined]


def test_field_descriptions_document_the_top_level_fields() -> None:
    for model in MESSAGES:
        undocumented = [
            name for name, f in model.model_fields.items()
            if not f.description and name not in ("schema_version",)
            and model.__name__ not in ("RevisionEvent",)  # documented by nested models' names
        ]
        assert len(undocumented) <= 3, (model.__name__, undocumented)


def test_datetime_is_serialised_as_iso_utc() -> None:
    wire = feed_config().model_dump(mode="json")
    assert wire["added_at"] in ("2016-09-08T10:00:00Z", "2016-09-08T10:00:00+00:00")
    assert isinstance(datetime.fromisoformat(wire["added_at"].replace("Z", "+00:00")), datetime)
