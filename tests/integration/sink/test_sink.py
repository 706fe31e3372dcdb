"""The sink as a real process, on real Kafka and the real local Elasticsearch: ordering under
late and duplicate delivery, rejected documents into the dead-letter topic, and an outage of the
cluster (a proxy that closes and reopens) survived with nothing lost."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, EnrichedArticle
from newswire.contracts.ids import article_id, revision_id
from newswire.es.setup import alias
from newswire.kafka.admin import committed_offsets
from newswire.topics import ARTICLES_ENRICHED, DLQ, FEED_STATUS, STORIES
from tests.factories import T0, enriched_article, feed_status, story_update
from tests.integration.kafka_io import produce, read_until
from tests.integration.sink.proxy import TcpProxy
from tests.integration.stage_process import StageProcess, free_port

FAST_RETRY = {"NEWSWIRE_RETRY__BASE_DELAY_S": "0.2", "NEWSWIRE_ES_RETRY_MAX_DELAY_S": "2"}


def article(n: int, version: int) -> EnrichedArticle:
    """Article number `n` at `version`; its title says which version it is."""
    base = enriched_article()
    url = f"https://www.example.com/world/{n}"
    aid = article_id(url)
    body = {**base.article.model_dump(), "article_id": aid, "canonical_url": url, "url": url, "title": f"Article {n} v{version}"}
    return EnrichedArticle.model_validate(
        {
            **base.model_dump(), "article_id": aid, "version": version, "revision_id": revision_id(aid, version),
            "article": body, "last_changed": T0 + timedelta(minutes=version),
        }
    )


def enriched(messages: list[EnrichedArticle]) -> list[tuple[bytes | None, bytes | None]]:
    return [(m.article_id.encode(), m.to_bytes()) for m in messages]


def sink_env(prefix: str, es_url: str = "http://127.0.0.1:19200", **extra: str) -> dict[str, str]:
    return {
        "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": prefix,
        "NEWSWIRE_ELASTICSEARCH__HOSTS": json.dumps([es_url]),
        "NEWSWIRE_BATCH_MAX_WAIT_S": "0.3",
        **FAST_RETRY,
        **extra,
    }


async def count(client: Any, index: str) -> int:
    await client.indices.refresh(index=index)
    return int((await client.count(index=index))["count"])


async def eventually(check: Any, timeout_s: float = 60.0) -> bool:
    """Await an async predicate until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.3)
    return bool(await check())


async def test_late_and_duplicate_versions_never_overwrite_newer_ones(
    own_topics: KafkaSettings, es_client: Any, index_prefix: str, tmp_path: Path
) -> None:
    # Article 1 arrives 3, 1, 2, 3 (late and duplicate); article 2 arrives 1, 2, 2, 1.
    order = [article(1, 3), article(1, 1), article(1, 2), article(1, 3), article(2, 1), article(2, 2), article(2, 2), article(2, 1)]
    stories = [story_update().model_copy(update={"size": s, "updated_at": T0 + timedelta(minutes=s)}) for s in (3, 1, 2)]
    polls = [feed_status().model_copy(update={"polled_at": T0 + timedelta(minutes=m), "duration_ms": 100 + m}) for m in (5, 1, 5, 3)]
    await produce(own_topics, ARTICLES_ENRICHED.full_name(own_topics.topic_prefix), enriched(order[:4]))
    with StageProcess("sink", own_topics, tmp_path, env=sink_env(index_prefix)) as sink:
        assert await eventually(lambda: _count_is(es_client, alias(index_prefix, "articles"), 1)), sink.log()[-3000:]
        # the rest arrives later, in separate batches
        await produce(own_topics, ARTICLES_ENRICHED.full_name(own_topics.topic_prefix), enriched(order[4:]))
        await produce(own_topics, STORIES.full_name(own_topics.topic_prefix), [(m.story_id.encode(), m.to_bytes()) for m in stories])
        await produce(own_topics, FEED_STATUS.full_name(own_topics.topic_prefix), [(m.feed_id.encode(), m.to_bytes()) for m in polls])
        assert await eventually(lambda: _committed_is(own_topics, ARTICLES_ENRICHED, 8)), sink.log()[-3000:]
        assert await eventually(lambda: _committed_is(own_topics, FEED_STATUS, 4)), sink.log()[-3000:]
        assert await eventually(lambda: _committed_is(own_topics, STORIES, 3)), sink.log()[-3000:]
    articles = alias(index_prefix, "articles")
    assert await count(es_client, articles) == 2
    one = await es_client.get(index=articles, id=article(1, 1).article_id)
    two = await es_client.get(index=articles, id=article(2, 1).article_id)
    assert (one["_version"], one["_source"]["version"], one["_source"]["title"]) == (3, 3, "Article 1 v3")
    assert (two["_version"], two["_source"]["version"], two["_source"]["title"]) == (2, 2, "Article 2 v2")
    story = await es_client.get(index=alias(index_prefix, "stories"), id=stories[0].story_id)
    assert story["_source"]["size"] == 3
    feed = await es_client.get(index=alias(index_prefix, "feeds"), id=polls[0].feed_id)
    assert feed["_source"]["duration_ms"] == 105
    # every poll is kept once, the duplicate delivery of minute 5 included only once
    assert await count(es_client, alias(index_prefix, "polls")) == 3


async def _count_is(client: Any, index: str, n: int) -> bool:
    return await count(client, index) >= n


async def _committed_is(kafka: KafkaSettings, spec: Any, n: int) -> bool:
    return await committed_offsets(kafka, "sink", spec) >= n


async def test_a_rejected_document_goes_to_the_dead_letter_topic_with_the_reason(
    own_topics: KafkaSettings, es_client: Any, index_prefix: str, tmp_path: Path
) -> None:
    good = article(10, 1)
    # A keyword longer than Lucene's 32 KiB term limit: valid for the contract, refused (400) by ES.
    bad = article(11, 1)
    bad = EnrichedArticle.model_validate({**bad.model_dump(), "article": {**bad.article.model_dump(), "authors": ("x" * 40_000,)}})
    topic = ARTICLES_ENRICHED.full_name(own_topics.topic_prefix)
    await produce(own_topics, topic, enriched([good, bad, article(12, 1)]))
    with StageProcess("sink", own_topics, tmp_path, env=sink_env(index_prefix)) as sink:
        letters = await read_until(
            own_topics, DLQ.full_name(own_topics.topic_prefix), lambda rs: any(r.key == b"sink" for r in rs), 60
        )
        assert await eventually(lambda: _committed_is(own_topics, ARTICLES_ENRICHED, 3)), sink.log()[-3000:]
    (letter,) = [DeadLetter.model_validate_json(r.value) for r in letters if r.key == b"sink"]
    assert letter.stage == "sink" and letter.error_type == "DocumentRejected"
    assert letter.value == bad.to_bytes()
    assert letter.source_topic == topic and letter.source_offset == 1
    assert "HTTP 400" in letter.error_message and "immense" in letter.error_message
    assert bad.article_id in letter.error_message and '"document": ' not in letter.error_message
    assert "document: {" in letter.error_message
    assert await count(es_client, alias(index_prefix, "articles")) == 2
    # the sink also indexes the dead letter it produced (it consumes the DLQ for the dashboards)
    assert await eventually(lambda: _count_is(es_client, alias(index_prefix, "dead-letters"), 1))


@pytest.mark.parametrize(
    "outage_s", [15, pytest.param(150, marks=pytest.mark.slow, id="minutes")], ids=lambda s: f"{s}s"
)
async def test_an_elasticsearch_outage_is_survived_with_nothing_lost(
    outage_s: float, own_topics: KafkaSettings, es_client: Any, index_prefix: str, tmp_path: Path
) -> None:
    es = urlparse("http://127.0.0.1:19200")
    proxy = TcpProxy(es.hostname or "127.0.0.1", es.port or 9200, free_port())
    await proxy.open()
    topic = ARTICLES_ENRICHED.full_name(own_topics.topic_prefix)
    articles = alias(index_prefix, "articles")
    env = sink_env(index_prefix, f"http://127.0.0.1:{proxy.port}", NEWSWIRE_BATCH_MAX_DOCS="20")
    try:
        with StageProcess("sink", own_topics, tmp_path, env=env) as sink:
            await produce(own_topics, topic, enriched([article(n, 1) for n in range(50)]))
            assert await eventually(lambda: _count_is(es_client, articles, 50)), sink.log()[-3000:]
            await proxy.close()  # the cluster is gone for the sink
            await produce(own_topics, topic, enriched([article(n, 2) for n in range(50, 150)]))
            await asyncio.sleep(outage_s)
            assert await health(sink.port) == 503
            assert await count(es_client, articles) == 50
            assert await committed_offsets(own_topics, "sink", ARTICLES_ENRICHED) == 50  # nothing committed that is not stored
            await proxy.open()  # it is back
            assert await eventually(lambda: _count_is(es_client, articles, 150), 120), sink.log()[-3000:]
            assert await eventually(lambda: _committed_is(own_topics, ARTICLES_ENRICHED, 150), 60)
            assert await eventually(lambda: _health_is(sink.port, 200), 30)
            assert "batch_backing_off" in sink.log()
    finally:
        await proxy.close()
    assert await count(es_client, articles) == 150
    late = await es_client.get(index=articles, id=article(149, 2).article_id)
    assert late["_source"]["version"] == 2


async def health(port: int) -> int:
    def get() -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    return await asyncio.to_thread(get)


async def _health_is(port: int, status: int) -> bool:
    return await health(port) == status
