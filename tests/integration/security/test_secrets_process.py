"""Secrets never logged, through real stage processes: the sink runs against the real Kafka and
Elasticsearch with a Kafka SASL password and an Elasticsearch API key and password set (the dev
Kafka listener is PLAINTEXT, so the SASL settings are carried but unused; the dev Elasticsearch
has no security plugin and ignores the Authorization header), at DEBUG, indexes an article and
dead-letters a poison message; then a stage is pointed at the broker with SASL_PLAINTEXT, so the
password is really handed to the client and the connection fails. Neither process's whole log,
nor its /metrics and /healthz, contains any secret (raw, base64 or as an auth header)."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any


from newswire.config import KafkaSettings
from newswire.contracts import EnrichedArticle
from newswire.contracts.ids import article_id, revision_id
from newswire.es.setup import alias
from newswire.topics import ARTICLES_ENRICHED, DLQ
from tests.factories import T0, enriched_article
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

KAFKA_PASSWORD = f"kafka-Pw-{uuid.uuid4().hex}"
ES_API_KEY = f"es-ApiKey-{uuid.uuid4().hex}"
ES_PASSWORD = f"es-Pw-{uuid.uuid4().hex}"


def forbidden() -> dict[str, str]:
    """Every form in which a secret could leak."""
    out = {}
    for name, secret in (("kafka password", KAFKA_PASSWORD), ("es api key", ES_API_KEY), ("es password", ES_PASSWORD)):
        out[name] = secret
        out[f"{name} (base64)"] = base64.b64encode(secret.encode()).decode()
    out["es basic auth header"] = base64.b64encode(f"bob:{ES_PASSWORD}".encode()).decode()
    out["sasl plain token"] = base64.b64encode(f"\0alice\0{KAFKA_PASSWORD}".encode()).decode()
    return out


def assert_clean(name: str, text: str) -> None:
    leaks = [what for what, value in forbidden().items() if value in text]
    assert not leaks, f"{name} leaks {leaks}"


def secret_env(**extra: str) -> dict[str, str]:
    return {
        "NEWSWIRE_KAFKA__SASL_MECHANISM": "PLAIN",
        "NEWSWIRE_KAFKA__SASL_USERNAME": "alice",
        "NEWSWIRE_KAFKA__SASL_PASSWORD": KAFKA_PASSWORD,
        "NEWSWIRE_ELASTICSEARCH__API_KEY": ES_API_KEY,
        "NEWSWIRE_ELASTICSEARCH__USERNAME": "bob",
        "NEWSWIRE_ELASTICSEARCH__PASSWORD": ES_PASSWORD,
        "NEWSWIRE_LOG_LEVEL": "DEBUG",
        **extra,
    }


def http_get(port: int, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return str(resp.read().decode(errors="replace"))
    except OSError as exc:
        return f"unreachable: {exc}"


def article() -> EnrichedArticle:
    base = enriched_article()
    url = "https://www.example.com/world/secrets-test"
    aid = article_id(url)
    body = {**base.article.model_dump(), "article_id": aid, "canonical_url": url, "url": url}
    return EnrichedArticle.model_validate(
        {**base.model_dump(), "article_id": aid, "revision_id": revision_id(aid, 1), "article": body,
         "last_changed": T0 + timedelta(minutes=1)}
    )


async def test_sink_with_credentials_logs_no_secret(
    own_topics: KafkaSettings, es_client: Any, index_prefix: str, tmp_path: Path
) -> None:
    env = secret_env(
        NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX=index_prefix,
        NEWSWIRE_ELASTICSEARCH__HOSTS=json.dumps(["http://127.0.0.1:19200"]),
        NEWSWIRE_BATCH_MAX_WAIT_S="0.3",
    )
    doc = article()
    topic = ARTICLES_ENRICHED.full_name(own_topics.topic_prefix)
    await produce(own_topics, topic, [(doc.article_id.encode(), doc.to_bytes()), (b"bad", b"\xff not an article")])
    with StageProcess("sink", own_topics, tmp_path, env=env) as sink:
        index = alias(index_prefix, "articles")
        deadline = asyncio.get_running_loop().time() + 90
        found = False
        while not found and asyncio.get_running_loop().time() < deadline:
            await es_client.indices.refresh(index=index)
            found = (await es_client.count(index=index))["count"] >= 1
            await asyncio.sleep(0.3)
        assert found, sink.log()[-3000:]
        letters = await read_until(own_topics, DLQ.full_name(own_topics.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=60)
        assert letters, sink.log()[-3000:]
        metrics = http_get(sink.port, "/metrics")
        health = http_get(sink.port, "/healthz")
        assert "newswire_" in metrics and '"ok"' in health
    log = sink.log()
    assert "debug" in log and "dead_letter" in log  # DEBUG logs were written, the failure too
    for name, text in (("log", log), ("/metrics", metrics), ("/healthz", health), ("dead letters", repr([r.value for r in letters]))):
        assert_clean(name, text)


async def test_sasl_against_a_plaintext_broker_logs_no_secret(own_topics: KafkaSettings, tmp_path: Path) -> None:
    env = secret_env(NEWSWIRE_KAFKA__SECURITY_PROTOCOL="SASL_PLAINTEXT", NEWSWIRE_ENSURE_TOPICS="false")
    with StageProcess("normaliser", own_topics, tmp_path, env=env) as proc:
        deadline = asyncio.get_running_loop().time() + 25
        while asyncio.get_running_loop().time() < deadline and proc.log().count("\n") < 5:
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        health = http_get(proc.port, "/healthz")
        metrics = http_get(proc.port, "/metrics")
    log = proc.log()
    assert log.strip(), "the process wrote nothing"
    assert "sasl" in log.lower(), log[-2000:]  # the SASL handshake was attempted, with the password
    for name, text in (("log", log), ("/metrics", metrics), ("/healthz", health)):
        assert_clean(name, text)
