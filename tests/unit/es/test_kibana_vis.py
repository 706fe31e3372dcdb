"""Visualizations read from saved objects: field checks and the search they stand for."""

from __future__ import annotations

import json
from typing import Any

from newswire.es import kibana, kibana_vis


def _files(aggs: list[dict[str, Any]], query: str = "", language: str = "lucene", view: str = "newswire-articles") -> list[kibana.ParsedFile]:
    data_view = {"type": "index-pattern", "id": "dv", "attributes": {"title": view}, "references": []}
    vis = {
        "type": "visualization", "id": "v",
        "attributes": {
            "title": "T", "visState": json.dumps({"title": "T", "type": "table", "aggs": aggs, "params": {}}),
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                {"query": {"query": query, "language": language}, "filter": [], "indexRefName": kibana_vis.INDEX_REF})},
        },
        "references": [{"type": "index-pattern", "id": "dv", "name": kibana_vis.INDEX_REF}],
    }
    return [kibana.parse_ndjson("x.ndjson", json.dumps(data_view) + "\n" + json.dumps(vis))]


def _agg(i: str, kind: str, schema: str = "bucket", **params: Any) -> dict[str, Any]:
    return {"id": i, "enabled": True, "type": kind, "schema": schema, "params": params}


def test_mapping_fields_spell_out_multi_fields_objects_and_components() -> None:
    articles = kibana_vis.mapping_fields("articles")
    assert articles["title.keyword"].aggregatable and not articles["title"].aggregatable
    assert articles["flags.paywalled"].type == "boolean"
    assert articles["entities.name"].nested
    polls = kibana_vis.mapping_fields("polls")  # from the feed-status component template
    assert polls["duration_ms"].aggregatable


def test_field_problems_name_missing_text_nested_fields_and_kql() -> None:
    (vis,) = kibana_vis.visualizations(_files([
        _agg("1", "count", "metric"), _agg("2", "terms", field="nope"), _agg("3", "terms", field="text"),
        _agg("4", "terms", field="entities.name"), _agg("5", "avg", "metric", field="word_count"),
    ], query="language: en", language="kuery"))
    assert vis.family == "articles" and vis.problems == []
    problems = kibana_vis.field_problems(vis, kibana_vis.mapping_fields("articles"))
    assert len(problems) == 4
    assert "'nope' is not in the mappings" in problems[0]
    assert "'text' (text) is not aggregatable" in problems[1]
    assert "nested" in problems[2]
    assert "not lucene" in problems[3]


def test_a_data_view_of_another_index_is_a_problem() -> None:
    (vis,) = kibana_vis.visualizations(_files([_agg("1", "count", "metric")], view="logs-*"))
    assert vis.family is None and "does not read a newswire index family" in vis.problems[0]


def test_search_body_nests_buckets_in_order_and_orders_by_metrics() -> None:
    (vis,) = kibana_vis.visualizations(_files([
        _agg("1", "max", "metric", field="version"),
        _agg("2", "terms", field="outlet", orderBy="1", order="desc", size=3),
        _agg("3", "date_histogram", "segment", field="first_seen", interval="auto", min_doc_count=1),
    ], query="language:en"))
    body = kibana_vis.search_body(vis)
    assert body["query"]["bool"]["must"] == [{"query_string": {"query": "language:en", "analyze_wildcard": True}}]
    outer = body["aggs"]["2"]
    assert outer["terms"] == {"field": "outlet", "size": 3, "order": {"1": "desc"}}
    assert outer["aggs"]["1"] == {"max": {"field": "version"}}  # needed for the ordering
    inner = outer["aggs"]["3"]
    assert inner["date_histogram"] == {"field": "first_seen", "calendar_interval": kibana_vis.AUTO_INTERVAL, "min_doc_count": 1}
    assert inner["aggs"] == {"1": {"max": {"field": "version"}}}


def test_filters_and_bucket_counting() -> None:
    (vis,) = kibana_vis.visualizations(_files([
        _agg("1", "count", "metric"),
        _agg("2", "filters", filters=[{"input": {"query": "flags.paywalled:true", "language": "lucene"}, "label": "Paywalled"}]),
    ]))
    body = kibana_vis.search_body(vis)
    assert body["aggs"]["2"]["filters"]["filters"]["Paywalled"]["query_string"]["query"] == "flags.paywalled:true"
    empty = {"aggregations": {"2": {"buckets": {"Paywalled": {"doc_count": 0}}}}}
    full = {"aggregations": {"2": {"buckets": {"Paywalled": {"doc_count": 2}}}}}
    assert kibana_vis.non_empty_buckets(empty, vis) == 0 and kibana_vis.non_empty_buckets(full, vis) == 1
    assert kibana_vis.leaf_buckets(full, vis) == 1
