"""Aggregation-based Kibana visualizations, read from their saved objects: the fields they use
checked against our index mappings, and the Elasticsearch request they stand for.

Kibana cannot run where the tests run, so the dashboards are proven another way: every field a
visualization aggregates must exist in the mappings with an aggregatable type, and the search built
here from the saved object's own `visState` and `searchSourceJSON` (the request Kibana's
`AggConfigs.toDsl` would send, minus the dashboard's time range) must return non-empty buckets on
indexed data. Pure: no I/O beyond reading the packaged templates.

What is supported is what the shipped objects use (classic aggregation-based charts and tables):
bucket aggregations `terms`, `date_histogram`, `histogram`, `filters`, `range`; metrics `count`,
`avg`, `sum`, `min`, `max`, `cardinality`, `median`, `percentiles`; queries in `lucene` syntax (KQL
would need Kibana's parser, so a KQL query is reported as a problem rather than guessed at).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newswire.es.kibana import ParsedFile, SavedObject
from newswire.es.setup import TEMPLATES, load_template

#: Field types Elasticsearch can aggregate on (doc values), as Kibana's data views report them.
AGGREGATABLE = {
    "keyword", "constant_keyword", "boolean", "date", "date_nanos", "ip",
    "long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long",
}
BUCKETS = {"terms", "date_histogram", "histogram", "filters", "range"}
METRICS = {"count", "avg", "sum", "min", "max", "cardinality", "median", "percentiles"}
#: What `interval: auto` resolves to here. Kibana derives it from the dashboard's time range,
#: which a check without a time range does not have.
AUTO_INTERVAL = "1d"
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


@dataclass(frozen=True)
class FieldInfo:
    """One mapped field: its type, whether it can be aggregated, and whether it sits in a nested
    object (which aggregation-based visualizations cannot reach)."""

    type: str
    aggregatable: bool
    nested: bool = False


@dataclass
class Visualization:
    """A visualization saved object, decoded."""

    id: str
    title: str
    vis_type: str
    aggs: list[dict[str, Any]]
    search_source: dict[str, Any]
    data_view_id: str | None
    family: str | None = None
    problems: list[str] = field(default_factory=list)


def mapping_fields(family: str, prefix: str = "newswire") -> dict[str, FieldInfo]:
    """Every field path of an index family's template (component templates merged in), with
    multi-fields (`title.keyword`) and object sub-fields (`stats.similarity`) spelled out."""
    body = load_template(family, prefix)
    properties: dict[str, Any] = {}
    for component in body.get("composed_of", []):
        name = component.removeprefix(f"{prefix}-")
        mappings = load_template(f"component-{name}", prefix)["template"].get("mappings", {})
        properties.update(mappings.get("properties", {}))
    properties.update(body.get("template", {}).get("mappings", {}).get("properties", {}))
    fields: dict[str, FieldInfo] = {}
    _walk(properties, "", False, fields)
    return fields


def _walk(properties: Mapping[str, Any], path: str, nested: bool, out: dict[str, FieldInfo]) -> None:
    for name, spec in properties.items():
        full = f"{path}{name}"
        kind = str(spec.get("type", "object"))
        if "properties" in spec:
            _walk(spec["properties"], f"{full}.", nested or kind == "nested", out)
            continue
        doc_values = spec.get("doc_values", True) is not False
        out[full] = FieldInfo(kind, kind in AGGREGATABLE and doc_values, nested)
        for sub, sub_spec in spec.get("fields", {}).items():
            sub_kind = str(sub_spec.get("type"))
            out[f"{full}.{sub}"] = FieldInfo(sub_kind, sub_kind in AGGREGATABLE, nested)


def data_view_titles(files: Iterable[ParsedFile]) -> dict[str, str]:
    """Data view id -> title (the index pattern it reads)."""
    return {
        obj.ref.id: str(obj.raw.get("attributes", {}).get("title", ""))
        for parsed in files
        for obj in parsed.objects
        if obj.ref.type == "index-pattern"
    }


def family_of(title: str, prefix: str = "newswire") -> str | None:
    """The index family a data view title reads (`newswire-polls` -> `polls`), if it is ours."""
    family = title.removeprefix(f"{prefix}-")
    return family if family != title and family in TEMPLATES else None


def decode(obj: SavedObject, titles: Mapping[str, str]) -> Visualization:
    """A visualization saved object's aggregations, query and data view; problems collected."""
    attrs = obj.raw.get("attributes", {})
    problems: list[str] = []
    try:
        vis_state = json.loads(attrs.get("visState", "{}"))
    except json.JSONDecodeError as exc:
        vis_state, problems = {}, [f"visState is not JSON: {exc.msg}"]
    try:
        search = json.loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
    except json.JSONDecodeError as exc:
        search = {}
        problems.append(f"searchSourceJSON is not JSON: {exc.msg}")
    ref_name = search.get("indexRefName")
    data_view = next((r["id"] for r in obj.raw.get("references", []) if r.get("name") == ref_name), None)
    if ref_name and data_view is None:
        problems.append(f"indexRefName {ref_name!r} has no reference")
    family = family_of(titles.get(data_view, "")) if data_view else None
    if data_view and family is None:
        problems.append(f"data view {data_view!r} does not read a newswire index family")
    aggs = [a for a in vis_state.get("aggs", []) if a.get("enabled", True)]
    if not aggs:
        problems.append("no aggregations: not an aggregation-based visualization")
    if attrs.get("title") != vis_state.get("title"):
        problems.append("the title of visState differs from the saved object's")
    return Visualization(obj.ref.id, str(attrs.get("title", "")), str(vis_state.get("type", "")),
                         aggs, search, data_view, family, problems)


def visualizations(files: Sequence[ParsedFile]) -> list[Visualization]:
    """Every visualization of a set of files, decoded."""
    titles = data_view_titles(files)
    return [decode(obj, titles) for parsed in files for obj in parsed.objects if obj.ref.type == "visualization"]


def field_problems(vis: Visualization, fields: Mapping[str, FieldInfo]) -> list[str]:
    """Fields a visualization uses that are missing, not aggregatable, or inside nested objects."""
    problems: list[str] = []
    for agg in vis.aggs:
        kind = agg.get("type")
        if kind not in BUCKETS | METRICS:
            problems.append(f"agg {agg.get('id')}: unsupported type {kind!r}")
            continue
        name = agg.get("params", {}).get("field")
        if kind == "count" or kind == "filters":
            continue
        if not name:
            problems.append(f"agg {agg.get('id')} ({kind}): no field")
        elif name not in fields:
            problems.append(f"agg {agg.get('id')} ({kind}): field {name!r} is not in the mappings")
        elif not fields[name].aggregatable:
            problems.append(f"agg {agg.get('id')} ({kind}): field {name!r} ({fields[name].type}) is not aggregatable")
        elif fields[name].nested:
            problems.append(f"agg {agg.get('id')} ({kind}): field {name!r} is inside a nested object")
    for query in _queries(vis):
        if query.get("language") != "lucene" and query.get("query"):
            problems.append(f"query {query.get('query')!r} is not lucene: this check cannot translate KQL")
    return problems


def _queries(vis: Visualization) -> list[dict[str, Any]]:
    queries = [vis.search_source.get("query") or {}]
    for agg in vis.aggs:
        if agg.get("type") == "filters":
            queries.extend(f.get("input", {}) for f in agg.get("params", {}).get("filters", []))
    return queries


def to_query(query: Mapping[str, Any] | None) -> dict[str, Any]:
    """A Kibana lucene query as Elasticsearch DSL (what Kibana sends for it: `query_string`)."""
    text = (query or {}).get("query") or ""
    if isinstance(text, dict):  # already DSL (Kibana accepts a DSL object as a lucene query)
        return dict(text)
    if not str(text).strip():
        return {"match_all": {}}
    return {"query_string": {"query": str(text), "analyze_wildcard": True}}


def search_body(vis: Visualization) -> dict[str, Any]:
    """The search request of a visualization: its query and filters, and its aggregations
    nested bucket by bucket in their order, the metrics at the innermost level, and a terms level
    ordered by a metric carrying that metric too (as Kibana's `orderAgg` does)."""
    must: list[dict[str, Any]] = [to_query(vis.search_source.get("query"))]
    must_not: list[dict[str, Any]] = []
    for flt in vis.search_source.get("filter", []):
        if flt.get("meta", {}).get("disabled"):
            continue
        dsl = {k: v for k, v in flt.items() if k not in ("meta", "$state")}
        dsl = dsl.get("query", dsl)
        (must_not if flt.get("meta", {}).get("negate") else must).append(dsl)
    metrics = {str(a["id"]): a for a in vis.aggs if a["type"] in METRICS}
    metric_dsl = {agg_id: m for agg_id, a in metrics.items() if (m := _metric(a)) is not None}
    buckets = [a for a in vis.aggs if a["type"] in BUCKETS]
    aggs: dict[str, Any] = dict(metric_dsl)
    for agg in reversed(buckets):
        order_by = str(agg.get("params", {}).get("orderBy", ""))
        if order_by in metric_dsl:  # a terms level ordered by a metric needs it as a sub-aggregation
            aggs = {order_by: metric_dsl[order_by], **aggs}
        aggs = {str(agg["id"]): {**_bucket(agg, metrics), **({"aggs": aggs} if aggs else {})}}
    return {"size": 0, "track_total_hits": True, "query": {"bool": {"must": must, "must_not": must_not}}, "aggs": aggs}


def _metric(agg: Mapping[str, Any]) -> dict[str, Any] | None:
    params = agg.get("params", {})
    kind = agg["type"]
    if kind == "count":
        return None
    if kind == "median":
        return {"percentiles": {"field": params["field"], "percents": [50]}}
    if kind == "percentiles":
        return {"percentiles": {"field": params["field"], "percents": params.get("percents", [50, 95, 99])}}
    return {kind: {"field": params["field"]}}


def _bucket(agg: Mapping[str, Any], metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    params = agg.get("params", {})
    kind = agg["type"]
    if kind == "terms":
        order_by = str(params.get("orderBy", "_key"))
        direction = params.get("order", "desc")
        if order_by == "_key":
            order: dict[str, Any] = {"_key": direction}
        elif order_by in metrics and metrics[order_by]["type"] != "count":
            order = {order_by: direction}
        else:
            order = {"_count": direction}
        terms: dict[str, Any] = {"field": params["field"], "size": int(params.get("size", 5)), "order": order}
        if params.get("missingBucket"):
            terms["missing"] = params.get("missingBucketLabel", "Missing")
        return {"terms": terms}
    if kind == "date_histogram":
        interval = params.get("interval", "auto")
        interval = AUTO_INTERVAL if interval in ("auto", None, "") else interval
        unit = "calendar_interval" if interval in ("1m", "1h", "1d", "1w", "1M", "1q", "1y", "d", "w", "M", "y") else "fixed_interval"
        return {"date_histogram": {"field": params["field"], unit: interval, "min_doc_count": int(params.get("min_doc_count", 1))}}
    if kind == "histogram":
        return {"histogram": {"field": params["field"], "interval": float(params.get("interval", 1)),
                              "min_doc_count": 1 if params.get("min_doc_count") else 0}}
    if kind == "range":
        return {"range": {"field": params["field"], "ranges": list(params.get("ranges", []))}}
    filters = {
        (f.get("label") or f.get("input", {}).get("query") or str(i)): to_query(f.get("input"))
        for i, f in enumerate(params.get("filters", []))
    }
    return {"filters": {"filters": filters}}


def non_empty_buckets(response: Mapping[str, Any], vis: Visualization) -> int:
    """How many buckets at the outermost level hold documents (0 means the panel is empty);
    for a visualization without buckets, the number of matching documents."""
    buckets = [a for a in vis.aggs if a["type"] in BUCKETS]
    if not buckets:
        return int(response.get("hits", {}).get("total", {}).get("value", 0))
    result = response.get("aggregations", {}).get(str(buckets[0]["id"]), {})
    raw = result.get("buckets", [])
    items = raw.values() if isinstance(raw, dict) else raw
    return sum(1 for b in items if b.get("doc_count", 0) > 0)


def leaf_buckets(response: Mapping[str, Any], vis: Visualization) -> int:
    """Non-empty buckets at the innermost bucket level, across all outer buckets."""
    ids = [str(a["id"]) for a in vis.aggs if a["type"] in BUCKETS]
    if not ids:
        return non_empty_buckets(response, vis)
    level: list[Mapping[str, Any]] = [response.get("aggregations", {})]
    for agg_id in ids:
        nxt: list[Mapping[str, Any]] = []
        for holder in level:
            raw = holder.get(agg_id, {}).get("buckets", [])
            nxt.extend(b for b in (raw.values() if isinstance(raw, dict) else raw) if b.get("doc_count", 0) > 0)
        level = nxt
    return len(level)
