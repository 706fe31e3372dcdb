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
