"""The committed JSON Schemas and AsyncAPI document match the models (no drift)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from newswire.contracts import MESSAGES
from newswire.contracts.export import ASYNCAPI_FILE, drift, json_schema, render, schema_filename
from newswire.topics import all_topics
from tests.factories import SAMPLES

CONTRACTS = Path(__file__).resolve().parents[3] / "deploy" / "contracts"


def test_committed_contracts_do_not_drift() -> None:
    assert drift(CONTRACTS) == [], "run `newswire contracts export` and commit deploy/contracts/"


def test_samples_validate_against_the_published_json_schemas() -> None:
    for model in MESSAGES:
        schema = json_schema(model)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(SAMPLES[model].model_dump(mode="json"), schema)


def test_asyncapi_lists_every_topic_with_key_and_message() -> None:
    doc = yaml.safe_load(render()[ASYNCAPI_FILE])
    assert doc["asyncapi"].startswith("3.")
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {spec.name for spec in all_topics()}
    for message in doc["components"]["messages"].values():
        ref = message["payload"]["$ref"]
        assert (CONTRACTS / ref).is_file(), ref
        assert message["bindings"]["kafka"]["key"]["description"]
    for op in doc["operations"].values():
        assert op["action"] in ("send", "receive")
    assert {schema_filename(m) for m in MESSAGES} == {p.name for p in (CONTRACTS / "jsonschema").glob("*.json")}
