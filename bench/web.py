"""Benchmark of `newswire web`: the page of an article with 10 versions, rendered N times against
the local Elasticsearch (the dev stack).

An article of 30 paragraphs (~1,500 words) is edited nine times (two to three paragraphs changed
per edit, a paragraph added every third edit, the headline changed once); each revision's diff is
built by the tracker's own `diff_versions`, and the article, its nine revisions and its story are
written by the sink's own code (`actions_for` + `ElasticsearchBulkWriter`) under an index prefix
of the run's own, removed at the end. The whole app (routing, middleware, two Elasticsearch
searches, diff parsing, Jinja2 rendering) then serves `GET /articles/{id}` in-process over ASGI,
one request at a time, and the latencies are reported (p50, p95, p99, mean):

    .venv/bin/python bench/web.py [--requests 300] [--cold] [--http] [--path /api/articles/{id}]

`--http` serves the app with uvicorn on a loopback port and requests it over HTTP (the client
in the same event loop), to count the HTTP server's share. `--cold` empties the parsed-diff cache before every request (the first view of a page);
without it the cache holds the revisions' parsed diffs, as a running service would. Target:
p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from newswire.config import ElasticsearchSettings
from newswire.contracts import (
    ArticleFlags,
    EnrichedArticle,
    Entity,
    NormalisedArticle,
    RevisionEvent,
    RevisionStats,
    StoryUpdate,
)
from newswire.contracts.ids import article_id, revision_id, story_id
from newswire.es.client import make_client, wait_healthy
from newswire.es.setup import setup, teardown
from newswire.sink.adapters import ElasticsearchBulkWriter
from newswire.sink.documents import actions_for
from newswire.tracker.diff import diff_versions
from newswire.web import diffs
from newswire.web.adapters import ElasticsearchReader
from newswire.web.settings import WebSettings
from newswire.web.wiring import build_app

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
URL = "https://www.example.com/world/2026/jan/05/bench-article"
WORDS = (
    "minister government talks officials ceasefire agreement said Tuesday council security statement "
    "sanctions report election parliament spokesman border forces negotiations capital province "
    "according people weeks months president opposition vote economy budget crisis aid region "
    "announced confirmed denied warned called support plan deal meeting leaders international"
).split()


def paragraph(rng: random.Random) -> str:
    """A sentence or three of news-like words (~50 words)."""
    sentences = []
    for _ in range(rng.randint(2, 3)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(14, 22))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def versions(rng: random.Random, count: int = 10, paragraphs: int = 30) -> list[tuple[str, list[str]]]:
    """`count` versions (title, paragraphs) of one article, each an edit of the one before."""
    title = "Talks on the ceasefire resume in the capital"
    text = [paragraph(rng) for _ in range(paragraphs)]
    out = [(title, list(text))]
    for n in range(2, count + 1):
        text = list(text)
        for i in rng.sample(range(len(text)), rng.randint(2, 3)):
            words = text[i].split()
            for _ in range(rng.randint(1, 4)):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            text[i] = " ".join(words)
        if n % 3 == 0:
            text.insert(rng.randrange(len(text)), paragraph(rng))
        if n == 4:
            title = "Talks on the ceasefire resume in the capital as deadline nears"
        out.append((title, text))
    return out


def messages(count: int) -> tuple[str, list[EnrichedArticle | RevisionEvent | StoryUpdate]]:
    """The article at its last version, its revisions, and its story."""
    rng = random.Random(20260105)
    aid = article_id(URL)
    sid = story_id(aid)
    history = versions(rng, count)
    out: list[EnrichedArticle | RevisionEvent | StoryUpdate] = []
    for n in range(2, count + 1):
        (old_title, old), (new_title, new) = history[n - 2], history[n - 1]
        diff = diff_versions(old_title, old, new_title, new, old_label=f"v{n - 1}", new_label=f"v{n}")
        at = T0 + timedelta(minutes=30 * (n - 1))
        out.append(RevisionEvent(
            revision_id=revision_id(aid, n), article_id=aid, version=n, previous_version=n - 1, canonical_url=URL,
            host="www.example.com", outlet="Example", kinds=("title_changed",) if diff.title_changed else ("body_edited",),
            title_old=old_title, title_new=new_title,
            stats=RevisionStats(words_added=diff.words_added, words_removed=diff.words_removed,
                                paragraphs_added=diff.paragraphs_added, paragraphs_removed=diff.paragraphs_removed,
                                paragraphs_changed=diff.paragraphs_changed, similarity=diff.similarity,
                                minutes_since_first_seen=30.0 * (n - 1), minutes_since_previous=30.0),
            changes=diff.changes, diff_unified=diff.unified, diff_html=diff.html,
            first_seen=T0, previous_observed_at=at - timedelta(minutes=30), detected_at=at,
        ))
    title, text = history[-1]
    last = T0 + timedelta(minutes=30 * (count - 1))
    article = NormalisedArticle(
        article_id=aid, canonical_url=URL, url=URL, host="www.example.com", outlet="Example", title=title,
        paragraphs=tuple(text), text="\n\n".join(text), authors=("Jane Doe",), published=T0, language="en",
        content_hash="0" * 32, word_count=sum(len(p.split()) for p in text), flags=ArticleFlags(), fetched_at=last,
    )
    out.append(EnrichedArticle(
        article_id=aid, version=count, revision_id=revision_id(aid, count), first_seen=T0, last_changed=last,
        article=article, language="en", word_count=article.word_count, reading_time_s=300,
        entities=tuple(Entity(name=f"Person {i}", type="person", mentions=2, first_offset=i, salience=0.5)
                       for i in range(10)),
        story_id=sid, enriched_at=last,
    ))
    out.append(StoryUpdate(story_id=sid, event="created", size=1, outlets=("Example",), title=title,
                           first_seen=T0, last_seen=last, updated_at=last))
    return aid, out


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    settings = ElasticsearchSettings()
    client = make_client(settings)
    prefix = f"bench-web-{uuid.uuid4().hex[:8]}"
    try:
        await wait_healthy(client, 60)
        await setup(client, prefix)
        aid, msgs = messages(args.versions)
        results = await ElasticsearchBulkWriter(client).write([a for m in msgs for a in actions_for(m, prefix)])
        assert all(status < 300 for status, _ in results), results
        await client.indices.refresh(index=f"{prefix}-*")
        app = build_app(ElasticsearchReader(client, prefix), WebSettings())
        path = args.path.replace("{id}", aid)
        timings: list[float] = []
        size = 0
        server = None
        if args.http:
            import socket

            import uvicorn

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                   access_log=False, lifespan="off"))
            serving = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            web_client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}")
        else:
            web_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        async with web_client as web:
            for i in range(args.warmup + args.requests):
                if args.cold:
                    diffs._parse_cached.cache_clear()
                started = time.perf_counter()
                response = await web.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
                size = len(response.content)
                if i >= args.warmup:
                    timings.append(elapsed)
        if server is not None:
            server.should_exit = True
            await serving
        return {
            "path": args.path, "versions": args.versions, "requests": len(timings), "cold": args.cold, "http": args.http,
            "bytes": size, "p50_ms": round(percentile(timings, 50), 1), "p95_ms": round(percentile(timings, 95), 1),
            "p99_ms": round(percentile(timings, 99), 1), "mean_ms": round(statistics.fmean(timings), 1),
            "max_ms": round(max(timings), 1),
        }
    finally:
        await teardown(client, prefix)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring")
    parser.add_argument("--versions", type=int, default=10, help="versions of the article (revisions + 1)")
    parser.add_argument("--path", default="/articles/{id}", help="what to request ({id}: the article id)")
    parser.add_argument("--cold", action="store_true", help="empty the parsed-diff cache before every request")
    parser.add_argument("--http", action="store_true", help="serve with uvicorn and request over HTTP")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['path']} ({result['versions']} versions, {result['bytes']:,} bytes, "
            f"{'cold' if result['cold'] else 'warm'} diff cache, {'HTTP' if result['http'] else 'in-process'}): "
            f"{result['requests']} requests, "
            f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
            f"mean {result['mean_ms']} ms, max {result['max_ms']} ms (target p95 <= 100 ms)"
        )
    sys.exit(0)


if __name__ == "__main__":
    main()
