"""Sink throughput: documents per second from Kafka into the local Elasticsearch, through the real
sink (`newswire run sink` as a process: the runtime's batching handler consumes, decodes, builds
documents, bulk-writes them with external versions, checks every item, acks and commits).

Enriched articles of realistic size (the body of a real news report, ~4 KB, with entities,
keyphrases and quotes) are produced to the enriched-articles topic first (not timed). Then the sink
process runs until Elasticsearch holds every document; the rate is documents / wall time from the
first stored document to the last (the group join before it is reported apart), and CPU is the
sink process's own (from /proc). Each run uses its own topic and index prefix and removes them.

    .venv/bin/python bench/sink.py                 # 20,000 articles, 3 runs, the median reported
    .venv/bin/python bench/sink.py --docs 2000 --runs 1   # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from elasticsearch import AsyncElasticsearch

from newswire.config import ElasticsearchSettings, KafkaSettings
from newswire.contracts import EnrichedArticle, Entity, Keyphrase, NormalisedArticle, Quote, utcnow
from newswire.contracts.ids import article_id, revision_id, story_id
from newswire.es.client import make_client
from newswire.es.setup import alias, setup, teardown
from newswire.kafka.admin import delete_topics, ensure_topics, list_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.sink.adapters import ElasticsearchBulkWriter
from newswire.sink.documents import actions_for
from newswire.sink.settings import SinkSettings
from newswire.text import content_hash, word_count
from newswire.local.supervisor import free_ports
from newswire.topics import ARTICLES_ENRICHED, all_topics

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import cpu_seconds  # noqa: E402 - bench/proc.py, beside this file


def _bodies(text_bytes: int) -> list[str]:
    from newswire.farm.fixtures import locate_fixtures

    root = locate_fixtures()
    seeds = sorted((root / "seeds").glob("*.txt")) if root is not None else []
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    texts = texts or ["A report of about four kilobytes, repeated to length. " * 80]
    return [(t * (1 + text_bytes // max(1, len(t))))[:text_bytes] for t in texts]


def article(n: int, body: str) -> EnrichedArticle:
    """Article `n`, with a real report's text."""
    url = f"https://bench{n % 50}.example.com/news/{n}"
    aid = article_id(url)
    now = utcnow()
    paragraphs = tuple(p for p in body.split("\n") if p.strip())
    normalised = NormalisedArticle(
        article_id=aid, canonical_url=url, url=url, host=f"bench{n % 50}.example.com", outlet=f"Outlet {n % 50}",
        title=f"Report {n}", paragraphs=paragraphs, text="\n\n".join(paragraphs), authors=("A. Writer",),
        published=now, language="en", content_hash=content_hash(f"Report {n}", paragraphs), word_count=word_count(body),
        fetched_at=now,
    )
    return EnrichedArticle(
        article_id=aid, version=1, revision_id=revision_id(aid, 1), first_seen=now, last_changed=now + timedelta(seconds=1),
        article=normalised, language="en", word_count=normalised.word_count, reading_time_s=60,
        entities=tuple(Entity(name=f"Person {k}", type="person", mentions=2, first_offset=k, salience=0.5) for k in range(5)),
        keyphrases=tuple(Keyphrase(text=f"phrase {k}", score=0.5) for k in range(8)),
        quotes=(Quote(text="We are close to an agreement", speaker="Person 1"),),
        story_id=story_id(aid), enriched_at=now,
    )


@dataclass
class Result:
    """One run's figures."""

    rate: float  # documents/s through the sink
    seconds: float
    cpu_ms_per_doc: float  # the sink process's CPU per document (its start-up included)
    bulk_only_rate: float  # documents/s of bare bulk requests of the same documents


async def bulk_only(client: AsyncElasticsearch, prefix: str, messages: list[EnrichedArticle], batch: int) -> float:
    """Elasticsearch's own rate for the same documents: bulk requests of `batch` actions, one at
    a time, no Kafka, no decoding (the ceiling the sink can approach on this machine)."""
    index_prefix = f"{prefix}-bulk"
    await setup(client, index_prefix)
    try:
        writer = ElasticsearchBulkWriter(client)
        actions = [a for m in messages for a in actions_for(m, index_prefix)]
        started = time.perf_counter()
        for i in range(0, len(actions), batch):
            await writer.write(actions[i : i + batch])
        return len(actions) / (time.perf_counter() - started)
    finally:
        await teardown(client, index_prefix)


async def run_once(docs: int, batch_docs: int, text_bytes: int, inflight: int) -> Result:
    """One run."""
    run = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(topic_prefix=f"bench-sink-{run}.")
    es = ElasticsearchSettings(index_prefix=f"bench-sink-{run}")
    client = make_client(es)
    await ensure_topics(kafka, all_topics())
    await setup(client, es.index_prefix)
    try:
        bodies = _bodies(text_bytes)
        messages = [article(n, bodies[n % len(bodies)]) for n in range(docs)]
        producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), acks="all", linger_ms=20, max_batch_size=1 << 20)
        await producer.start()
        topic = ARTICLES_ENRICHED.full_name(kafka.topic_prefix)
        try:
            futures = [await producer.send(topic, key=m.article_id.encode(), value=m.to_bytes()) for m in messages]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        index = alias(es.index_prefix, "articles")
        env = {
            **os.environ,
            "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
            "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": es.index_prefix,
            "NEWSWIRE_BATCH_MAX_DOCS": str(batch_docs),
            "NEWSWIRE_BATCH_MAX_WAIT_S": "0.5",
            "NEWSWIRE_MAX_INFLIGHT_BATCHES": str(inflight),
            "NEWSWIRE_ENSURE_TOPICS": "false",
            "NEWSWIRE_WEB_PORT": str(free_ports(1)[0]),
        }
        with tempfile.TemporaryDirectory() as state:
            env["NEWSWIRE_DATA_DIR"] = state
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "newswire.cli.main", "run", "sink"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                first: float | None = None
                first_docs = stored = 0
                while stored < docs and process.poll() is None:
                    await asyncio.sleep(0.05)
                    await client.indices.refresh(index=index)
                    stored = int((await client.count(index=index))["count"])
                    if first is None and stored:
                        first, first_docs = time.perf_counter(), stored
                ended = time.perf_counter()
                cpu = cpu_seconds(process.pid)
            finally:
                process.terminate()
                process.wait(60)
        if stored != docs:
            raise SystemExit(f"Elasticsearch holds {stored} documents, expected {docs}")
        first = first or started
        elapsed = ended - first
        print(f"  first document stored after {first - started:.1f} s (process start, group join);"
              f" {(docs - first_docs) / max(1e-9, elapsed):,.0f} documents/s after it")
        ceiling = await bulk_only(client, es.index_prefix, messages, batch_docs)
        return Result((docs - first_docs) / max(1e-9, elapsed), elapsed, cpu * 1000 / docs, ceiling)
    finally:
        await teardown(client, es.index_prefix)
        await client.close()
        names = [t for t in await list_topics(kafka) if t.startswith(kafka.topic_prefix)]
        await delete_topics(kafka, names)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-docs", type=int, default=SinkSettings.model_fields["batch_max_docs"].default)
    parser.add_argument("--text-bytes", type=int, default=4000, help="Body text per article.")
    parser.add_argument("--inflight", type=int, default=SinkSettings.model_fields["max_inflight_batches"].default)
    args = parser.parse_args()
    results = []
    for i in range(args.runs):
        r = await run_once(args.docs, args.batch_docs, args.text_bytes, args.inflight)
        results.append(r)
        print(f"run {i + 1}: {args.docs} documents in {r.seconds:.1f} s = {r.rate:,.0f} documents/s;"
              f" sink CPU {r.cpu_ms_per_doc:.2f} ms/document; bare bulk of the same documents"
              f" {r.bulk_only_rate:,.0f} documents/s")
    med = statistics.median
    print(f"median over {args.runs} run(s) of {args.docs} articles ({args.text_bytes} bytes of text),"
          f" batches of {args.batch_docs}: {med(r.rate for r in results):,.0f} documents/s through the sink,"
          f" {med(r.cpu_ms_per_doc for r in results):.2f} ms CPU per document in the sink process,"
          f" bare bulk {med(r.bulk_only_rate for r in results):,.0f} documents/s"
          f" (sink/bulk {med(r.rate / r.bulk_only_rate for r in results):.2f})")


if __name__ == "__main__":
    asyncio.run(main())
