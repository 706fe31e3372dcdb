"""Generate the published artefacts of the contracts: a JSON Schema per message and an AsyncAPI 3
document of every channel (topic) with its key and message. Committed under deploy/contracts/ and
checked for drift by a test, so consumers always read what the code really sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from newswire.contracts import MESSAGES, Contract
from newswire.topics import TopicSpec, all_topics

SCHEMA_DIR = "jsonschema"
ASYNCAPI_FILE = "asyncapi.yaml"
SCHEMA_BASE_URI = "https://newswire.dev/contracts/jsonschema/"
#: The AsyncAPI document's version: the release of the contracts (the core distribution's).
CONTRACTS_VERSION = "0.1.0"


def schema_version(model: type[Contract]) -> int:
    """The model's contract version (the default of its `schema_version` Literal field)."""
    return int(model.model_fields["schema_version"].default)


def schema_filename(model: type[Contract]) -> str:
    """File name of a model's JSON Schema, versioned: `FetchedPage.v1.schema.json`."""
    return f"{model.__name__}.v{schema_version(model)}.schema.json"


def json_schema(model: type[Contract]) -> dict[str, Any]:
    """A model's JSON Schema (draft 2020-12), as validated on the wire (mode='validation')."""
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_BASE_URI + schema_filename(model),
        **schema,
    }


def _channel_id(spec: TopicSpec) -> str:
    return spec.name.removeprefix("newswire.").replace(".", "-")


def asyncapi(specs: tuple[TopicSpec, ...] | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document: one channel per topic, one operation per producer/consumer."""
    specs = specs or all_topics()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in specs:
        model = spec.value
        message_name = f"{model.__name__}V{schema_version(model)}"
        messages[message_name] = {
            "name": message_name,
            "title": model.__name__,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": f"./{SCHEMA_DIR}/{schema_filename(model)}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": f"The message key: {spec.key}."},
                    "bindingVersion": "0.5.0",
                }
            },
        }
        channel = _channel_id(spec)
        config = spec.kafka_config()
        channels[channel] = {
            "address": spec.name,
            "title": spec.name,
            "description": spec.description + (" (internal)" if spec.internal else ""),
            "messages": {message_name: {"$ref": f"#/components/messages/{message_name}"}},
            "bindings": {
                "kafka": {
                    "topic": spec.name,
                    "partitions": spec.partitions,
                    "topicConfiguration": {
                        "cleanup.policy": [spec.cleanup_policy],
                        "retention.ms": int(config["retention.ms"]) if "retention.ms" in config else -1,
                        "max.message.bytes": spec.max_message_bytes,
                    },
                    "bindingVersion": "0.5.0",
                }
            },
        }
        for role, action in (("producers", "send"), ("consumers", "receive")):
            for service in getattr(spec, role):
                operations[f"{service}-{action}-{channel}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel}"},
                    "summary": f"{service} {'produces to' if action == 'send' else 'consumes'} {spec.name}",
                    "messages": [{"$ref": f"#/channels/{channel}/messages/{message_name}"}],
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "newswire topics",
            "version": CONTRACTS_VERSION,
            "description": "The Kafka topics of newswire: the public contract between its stages "
            "and the teams that consume them. Topic names carry the contract version; deployments "
            "may prefix every name (NEWSWIRE_KAFKA__TOPIC_PREFIX). Keys are UTF-8 strings; values "
            "are UTF-8 JSON validated by the linked JSON Schemas.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "The dev stack (`newswire devstack up`).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def render() -> dict[str, str]:
    """Every artefact as {relative path: text}, deterministic byte for byte."""
    files = {
        f"{SCHEMA_DIR}/{schema_filename(m)}": json.dumps(json_schema(m), indent=2, sort_keys=True) + "\n"
        for m in MESSAGES
    }
    files[ASYNCAPI_FILE] = (
        "# Generated by `newswire contracts export`: do not edit by hand.\n"
        + yaml.safe_dump(asyncapi(), sort_keys=False, allow_unicode=True, width=100)
    )
    return files


def write(out_dir: Path) -> list[Path]:
    """Write the artefacts under `out_dir`, removing stale schema files."""
    files = render()
    schema_dir = out_dir / SCHEMA_DIR
    schema_dir.mkdir(parents=True, exist_ok=True)
    for stale in schema_dir.glob("*.json"):
        if f"{SCHEMA_DIR}/{stale.name}" not in files:
            stale.unlink()
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(out_dir: Path) -> list[str]:
    """Relative paths whose committed content differs from what the models generate."""
    files = render()
    problems = [rel for rel, text in files.items() if not (out_dir / rel).is_file() or (out_dir / rel).read_text("utf-8") != text]
    extra = [
        f"{SCHEMA_DIR}/{p.name}"
        for p in (out_dir / SCHEMA_DIR).glob("*.json")
        if f"{SCHEMA_DIR}/{p.name}" not in files
    ]
    return sorted(problems + extra)
