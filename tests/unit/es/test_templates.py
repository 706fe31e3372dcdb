"""Elasticsearch templates: valid, prefixed, strict, and only what the minimal distribution has."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from newswire.es.setup import COMPONENTS, TEMPLATES, alias, fixed_index, load_template, monthly_index

FORBIDDEN = ("english", "painless", "pipeline", "data_stream", "lifecycle")


@pytest.mark.parametrize("name", [f"component-{c}" for c in COMPONENTS] + list(TEMPLATES))
def test_templates_are_prefixed_and_portable(name: str) -> None:
    body = load_template(name, "test-x")
    text = json.dumps(body)
    assert "{prefix}" not in text
    for word in FORBIDDEN:
        assert f'"{word}"' not in text, f"{name} uses {word}, which the dev stack lacks"
    if not name.startswith("component-"):
        assert body["index_patterns"][0].startswith("test-x-")
        assert all(c.startswith("test-x-") for c in body["composed_of"])


def test_names() -> None:
    assert fixed_index("newswire", "articles") == "newswire-articles-v1"
    assert monthly_index("newswire", "revisions", datetime(2026, 3, 5, tzinfo=UTC)) == "newswire-revisions-2026.03"
    assert alias("newswire", "polls") == "newswire-polls"


def test_analyzer_override_by_type_or_definition() -> None:
    from newswire.es.setup import analyzer_definition, component_body

    assert analyzer_definition(None) is None and analyzer_definition(" ") is None
    assert analyzer_definition("english") == {"type": "english"}
    custom = '{"type": "standard", "stopwords": "_english_"}'
    assert analyzer_definition(custom) == {"type": "standard", "stopwords": "_english_"}
    body = component_body("p", "settings", "english")
    assert body["template"]["settings"]["analysis"]["analyzer"]["newswire_text"] == {"type": "english"}
    assert component_body("p", "feed-status", "english") == load_template("component-feed-status", "p")
    for bad in ("English!", '{"stopwords": 1}', "{nope"):
        with pytest.raises(ValueError):
            analyzer_definition(bad)


def test_every_text_field_uses_the_overridable_analyzer() -> None:
    for name in TEMPLATES:
        props = load_template(name, "p").get("template", {}).get("mappings", {}).get("properties", {})
        for field_name, spec in props.items():
            if spec.get("type") == "text" and spec.get("index", True):
                assert spec.get("analyzer") == "newswire_text", f"{name}.{field_name}"


def test_es_setup_refuses_a_malformed_analyzer_before_connecting() -> None:
    from typer.testing import CliRunner

    from newswire.cli.es_cmd import app

    result = CliRunner().invoke(app, ["setup", "--analyzer", "{not json"])
    assert result.exit_code == 2 and "not valid JSON" in result.output
