"""Templates install on the real Elasticsearch; a document is indexed, found, and idempotent."""

from __future__ import annotations

from typing import Any

from newswire.config import ElasticsearchSettings
from newswire.es.setup import alias, fixed_index, setup, teardown
from tests.factories import AID, CANONICAL


async def test_index_and_search_an_article(es_client: Any, es_settings: ElasticsearchSettings) -> None:
    prefix = es_settings.index_prefix
    doc = {
        "article_id": AID, "version": 1, "canonical_url": CANONICAL, "host": "www.example.com",
        "title": "Kerry and Lavrov meet in Geneva", "text": "John Kerry met Sergey Lavrov in Geneva on Friday.",
        "language": "en", "first_seen": "2016-09-08T10:00:00Z", "word_count": 9,
    }
    for _ in range(2):  # the same id twice: one document (idempotent write)
        await es_client.index(index=alias(prefix, "articles"), id=AID, document=doc, refresh="wait_for")
    found = await es_client.search(index=alias(prefix, "articles"), query={"match": {"text": "lavrov geneva"}})
    assert found["hits"]["total"]["value"] == 1
    assert found["hits"]["hits"][0]["_id"] == AID
    assert found["hits"]["hits"][0]["_index"] == fixed_index(prefix, "articles")
    count = await es_client.count(index=alias(prefix, "articles"))
    assert count["count"] == 1


async def test_monthly_indices_join_the_read_alias_and_setup_is_idempotent(
    es_client: Any, es_settings: ElasticsearchSettings
) -> None:
    prefix = es_settings.index_prefix
    await es_client.index(
        index=f"{prefix}-polls-2026.11", id="f1-1",
        document={"feed_id": "f1", "feed_url": "https://e.com/rss", "polled_at": "2026-11-21T00:00:00Z", "duration_ms": 5},
        refresh="wait_for",
    )
    assert (await es_client.count(index=alias(prefix, "polls")))["count"] == 1
    report = await setup(es_client, prefix)
    assert report.indices_created == []


async def test_strict_mapping_refuses_unknown_fields(es_client: Any, es_settings: ElasticsearchSettings) -> None:
    from elasticsearch import BadRequestError

    try:
        await es_client.index(index=alias(es_settings.index_prefix, "stories"), id="x", document={"nope": 1})
    except BadRequestError as exc:
        assert "strict" in str(exc)
    else:
        raise AssertionError("a document with an unknown field was accepted")


async def test_prune_drops_only_monthly_indices_whose_month_ended_long_ago(
    es_client: Any, es_settings: ElasticsearchSettings
) -> None:
    from datetime import UTC, datetime

    from newswire.es.setup import prune

    prefix = f"{es_settings.index_prefix}-prune"
    await setup(es_client, prefix)
    try:
        for index in (f"{prefix}-polls-2026.01", f"{prefix}-revisions-2026.09", f"{prefix}-polls-2026.11"):
            await es_client.indices.create(index=index)
        now = datetime(2026, 11, 21, tzinfo=UTC)
        # January ended 293 days before; September ended 51 days before (kept at 90 days)
        assert await prune(es_client, prefix, 90, now, dry_run=True) == [f"{prefix}-polls-2026.01"]
        assert await es_client.indices.exists(index=f"{prefix}-polls-2026.01")
        assert await prune(es_client, prefix, 90, now) == [f"{prefix}-polls-2026.01"]
        assert not await es_client.indices.exists(index=f"{prefix}-polls-2026.01")
        assert await es_client.indices.exists(index=f"{prefix}-revisions-2026.09")
        assert await es_client.indices.exists(index=f"{prefix}-articles-v1")  # fixed indices are never pruned
    finally:
        await teardown(es_client, prefix)


async def test_the_analyzer_override_is_applied_and_an_unknown_one_refused(
    es_client: Any, es_settings: ElasticsearchSettings
) -> None:
    from elasticsearch import BadRequestError

    prefix = f"{es_settings.index_prefix}-analyzer"
    try:
        # the dev stack has no analysis-common: `english` cannot load, and Elasticsearch says so
        try:
            await setup(es_client, prefix, "english")
        except BadRequestError as exc:
            assert "english" in str(exc)
        else:
            raise AssertionError("the english analyzer loaded on the minimal distribution")
        await teardown(es_client, prefix)
        # what it can load: the standard analyzer with English stopwords
        await setup(es_client, prefix, '{"type": "standard", "stopwords": "_english_"}')
        index = fixed_index(prefix, "articles")
        tokens = await es_client.indices.analyze(index=index, field="text", text="The talks in Geneva")
        assert [t["token"] for t in tokens["tokens"]] == ["talks", "geneva"]
        plain = await es_client.indices.analyze(index=fixed_index(es_settings.index_prefix, "articles"), field="text", text="The talks")
        assert [t["token"] for t in plain["tokens"]] == ["the", "talks"]
    finally:
        await teardown(es_client, prefix)


async def test_setup_brings_an_older_release_s_index_up_to_its_template(
    es_client: Any, es_settings: ElasticsearchSettings
) -> None:
    """An index created by an older release (strict mapping without today's fields) gets the new
    fields in place, so documents carrying them are not refused after an upgrade."""
    prefix = f"{es_settings.index_prefix}-upgrade"
    old = fixed_index(prefix, "feeds")
    await es_client.indices.create(
        index=old, mappings={"dynamic": "strict", "properties": {"feed_id": {"type": "keyword"}}}
    )
    try:
        report = await setup(es_client, prefix)
        assert old in report.indices_updated and old not in report.indices_created
        properties = (await es_client.indices.get_mapping(index=old))[old]["mappings"]["properties"]
        assert {"feed_id", "feed_url", "polled_at", "consecutive_failures"} <= set(properties)
        await es_client.index(
            index=old, id="f1",
            document={"feed_id": "f1", "feed_url": "https://e.com/rss", "polled_at": "2026-11-21T00:00:00Z",
                      "consecutive_failures": 2},
            refresh="wait_for",
        )
    finally:
        await teardown(es_client, prefix)
