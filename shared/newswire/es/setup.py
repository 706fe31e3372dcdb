"""Index templates, initial indices and aliases (`newswire es setup`), and retention pruning.

The dev stack's minimal Elasticsearch has no ILM, no data streams and no ingest pipelines, so the
design uses only what every distribution has: composable index templates (with component
templates), aliases, and time-based monthly indices that `newswire es prune` drops when old.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError

from newswire.es.names import alias, fixed_index, monthly_index

__all__ = [
    "COMPONENTS", "TEMPLATES", "SetupReport", "alias", "analyzer_definition", "component_body",
    "fixed_index", "load_template", "monthly_index", "prune", "setup", "teardown",
]

COMPONENTS = ("settings", "feed-status")
#: Index templates, and whether their indices are fixed (one `-v1` index) or monthly.
TEMPLATES: dict[str, str] = {
    "articles": "fixed",
    "stories": "fixed",
    "feeds": "fixed",
    "dead-letters": "fixed",
    "revisions": "monthly",
    "polls": "monthly",
}
_MONTHLY = re.compile(r"-(\d{4})\.(\d{2})$")


def load_template(name: str, prefix: str) -> dict[str, Any]:
    """A packaged template with `{prefix}` filled in."""
    text = resources.files("newswire.es").joinpath(f"templates/{name}.json").read_text("utf-8")
    return dict(json.loads(text.replace("{prefix}", prefix)))


@dataclass
class SetupReport:
    """What `setup` installed."""

    component_templates: list[str] = field(default_factory=list)
    index_templates: list[str] = field(default_factory=list)
    indices_created: list[str] = field(default_factory=list)
    indices_updated: list[str] = field(default_factory=list)


def analyzer_definition(spec: str | None) -> dict[str, Any] | None:
    """The `newswire_text` analyzer an override asks for: a type name (`english`) or a JSON
    analyzer definition (`{"type": "standard", "stopwords": "_english_"}`); None keeps the default.

    The dev stack's minimal distribution has no analysis-common module, so only `standard` and
    `custom` analyzers built of core parts (standard tokenizer, lowercase filter, stopwords) load
    there; Elasticsearch itself names what it cannot load when the templates are installed.
    """
    if spec is None or not spec.strip():
        return None
    text = spec.strip()
    if text.startswith("{"):
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"analyzer override is not valid JSON: {exc.msg}") from exc
        if not isinstance(definition, dict) or not isinstance(definition.get("type"), str):
            raise ValueError('an analyzer definition is a JSON object with a "type"')
        return definition
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        raise ValueError(f"not an analyzer type name: {text!r}")
    return {"type": text}


def component_body(prefix: str, component: str, analyzer: str | None = None) -> dict[str, Any]:
    """A component template's body, with the analyzer override applied to `settings`."""
    body = load_template(f"component-{component}", prefix)
    definition = analyzer_definition(analyzer)
    if definition is not None and component == "settings":
        body["template"]["settings"]["analysis"]["analyzer"]["newswire_text"] = definition
    return body


async def setup(client: AsyncElasticsearch, prefix: str, analyzer: str | None = None) -> SetupReport:
    """Install component and index templates and create the fixed indices. Idempotent.

    `analyzer` overrides the `newswire_text` analyzer (see `analyzer_definition`). Indices that
    exist keep the analyzer they were created with: a changed analyzer needs a reindex into new
    `-v2` indices (the aliases make that invisible to readers).
    """
    report = SetupReport()
    for component in COMPONENTS:
        body = component_body(prefix, component, analyzer)
        name = f"{prefix}-{component}"
        await client.cluster.put_component_template(
            name=name, template=body["template"], meta=body.get("_meta")
        )
        report.component_templates.append(name)
    for template in TEMPLATES:
        body = load_template(template, prefix)
        name = f"{prefix}-{template}"
        await client.indices.put_index_template(
            name=name,
            index_patterns=body["index_patterns"],
            priority=body["priority"],
            composed_of=body["composed_of"],
            template=body.get("template"),
            meta=body.get("_meta"),
        )
        report.index_templates.append(name)
    for template, kind in TEMPLATES.items():
        if kind == "fixed":
            index = fixed_index(prefix, template)
            if not await client.indices.exists(index=index):
                await client.indices.create(index=index)
                report.indices_created.append(index)
    for template in TEMPLATES:
        patterns = load_template(template, prefix)["index_patterns"]
        existing = await client.indices.get(index=patterns, allow_no_indices=True, expand_wildcards="open")
        for index in sorted(set(existing) - set(report.indices_created)):
            await _upgrade_mapping(client, index)
            report.indices_updated.append(index)
    return report


async def _upgrade_mapping(client: AsyncElasticsearch, index: str) -> None:
    """Bring an index created by an older release up to its template's mapping: new fields are
    added in place (strict mappings would otherwise refuse documents carrying them). A change ES
    cannot apply in place (a field's type) fails with ES's reason: that needs a `-v2` reindex."""
    simulated = await client.indices.simulate_index_template(name=index)
    mappings = simulated["template"].get("mappings") or {}
    # The client names the underscored mapping keys without the underscore (_meta -> meta).
    kwargs = {key.lstrip("_"): value for key, value in mappings.items()}
    if kwargs:
        await client.indices.put_mapping(index=index, **kwargs)


async def prune(
    client: AsyncElasticsearch, prefix: str, older_than_days: int, now: datetime, dry_run: bool = False
) -> list[str]:
    """Delete monthly indices whose whole month ended more than `older_than_days` ago."""
    doomed: list[str] = []
    for family, kind in TEMPLATES.items():
        if kind != "monthly":
            continue
        try:
            indices = await client.indices.get(index=f"{prefix}-{family}-*")
        except NotFoundError:
            continue
        for index in indices:
            match = _MONTHLY.search(index)
            if not match:
                continue
            year, month = int(match.group(1)), int(match.group(2))
            end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=now.tzinfo)
            if (now - end).days > older_than_days:
                doomed.append(index)
    if doomed and not dry_run:
        await client.indices.delete(index=",".join(sorted(doomed)))
    return sorted(doomed)


async def teardown(client: AsyncElasticsearch, prefix: str) -> None:
    """Remove everything `setup` made and every index of the prefix (tests clean up with it)."""
    await client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True)
    for template in TEMPLATES:
        try:
            await client.indices.delete_index_template(name=f"{prefix}-{template}")
        except NotFoundError:
            pass
    for component in COMPONENTS:
        try:
            await client.cluster.delete_component_template(name=f"{prefix}-{component}")
        except NotFoundError:
            pass
