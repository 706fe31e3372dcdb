"""`newswire backfill OUTLET --since DATE`: enqueue the articles an outlet's sitemaps list since
a date, for the fetcher to fetch at a lower priority than live polling.

Where they go: `newswire.fetch-requests.backfill.v1` (keyed by host, FetchRequest), a topic of its
own rather than a priority field on the live topic. Kafka delivers a partition in order, so
thousands of backfill requests on the live topic would sit in front of the host's new links
whatever their priority said; on their own topic they are a separate backlog that the fetcher
reads with a small concurrency next to (never in front of) the live requests, through the same
per-host politeness. This command also paces what it enqueues (`--rate`).

Idempotent: a request's key is its article id (the BLAKE2b of the canonical URL), and the
article ids already on the backfill topic are read first and skipped, so running the command
twice enqueues nothing the second time; what does get fetched twice (a request still waiting)
is written once downstream (deterministic ids everywhere).

The sitemaps: the outlet's registry entries (by outlet name, or by host) that serve sitemaps,
or sitemap URLs given with `--sitemap`; read over the poller's SSRF-guarded client (size caps,
politeness) with the poller's parser; of an index every child whose `lastmod` is at or after
`--since` (or that has none) is read, nested indexes included (bounded as for polling).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import orjson
import typer
from aiokafka import AIOKafkaProducer
from newswire.cli._common import console, err_console, run_async
from newswire.config import CommonSettings, KafkaSettings
from newswire.contracts import FetchRequest
from newswire.contracts.ids import feed_id
from newswire.kafka.admin import ensure_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.kafka.reader import read_to_end
from newswire.poller.adapters import AiohttpFeedClient, read_sitemap_children
from newswire.poller.logic import FeedResponse
from newswire.poller.items import fetch_request
from newswire.poller.parsing import ParsedFeed, ParsedItem
from newswire.poller.registry import read_feeds
from newswire.poller.settings import PollerSettings
from newswire.poller.sitemap import backfill_items, parse_document
from newswire.runtime.codec import encode, encode_key
from newswire.topics import FETCH_REQUESTS_BACKFILL

__all__ = ["BackfillReport", "backfill", "enqueued_ids", "run_backfill", "sitemaps_of"]

#: Child sitemaps read per sitemap at most (an archive index may list years of monthly files).
MAX_CHILDREN = 2000


@dataclass
class BackfillReport:
    """What a backfill did."""

    sitemaps: list[str] = field(default_factory=list)
    listed: int = 0
    in_range: int = 0
    already: int = 0
    enqueued: int = 0
    problems: list[str] = field(default_factory=list)


async def sitemaps_of(kafka: KafkaSettings, outlet: str) -> list[str]:
    """The registry URLs of an outlet (its `outlet` name, case-insensitive, or its host) that
    are declared or were seen to be sitemaps; feeds are read too when the kind is unknown (the
    documents say what they are)."""
    wanted = outlet.strip().casefold()
    out: list[str] = []
    for config in (await read_feeds(kafka)).values():
        if not config.enabled or config.kind == "feed":
            continue
        host = (urlsplit(str(config.url)).hostname or "").casefold()
        if (config.outlet or "").casefold() == wanted or host == wanted:
            out.append(str(config.url))
    return sorted(out)


async def enqueued_ids(kafka: KafkaSettings, hosts: set[str]) -> set[str]:
    """The article ids already on the backfill topic for these hosts (its whole retention)."""
    ids: set[str] = set()
    async for msg in read_to_end(kafka, FETCH_REQUESTS_BACKFILL, timeout_s=5.0):
        if msg.value is None or (msg.key or b"").decode("utf-8", "replace") not in hosts:
            continue
        try:
            ids.add(str(orjson.loads(msg.value)["article_id"]))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue
    return ids


async def _read_sitemap(
    client: AiohttpFeedClient, settings: PollerSettings, url: str, since: datetime, report: BackfillReport
) -> list[ParsedItem]:
    resp = await client.get(url, max_bytes=settings.max_sitemap_bytes)

    async def parse(r: FeedResponse) -> ParsedFeed:
        if r.error_class or r.status is None or not 200 <= r.status < 300:
            return ParsedFeed(error_class=r.error_class or "other", error_message=r.error_message or f"HTTP {r.status}")
        return await asyncio.to_thread(
            parse_document, r.body or b"", r.final_url or r.url, kind="sitemap",
            max_sitemap_bytes=settings.max_sitemap_bytes,
        )

    doc = await parse(resp)
    if doc.ok and doc.children:
        doc, _ = await read_sitemap_children(
            client, parse, resp.final_url or url, doc, {}, now=time.time(),
            max_age_s=max(0.0, time.time() - since.timestamp()), max_children=MAX_CHILDREN,
            max_depth=settings.max_sitemap_depth, max_bytes=settings.max_sitemap_bytes,
        )
    if not doc.ok:
        report.problems.append(f"{url}: {doc.error_class}: {doc.error_message or ''}")
        return []
    if not doc.is_sitemap:
        report.problems.append(f"{url}: not a sitemap ({doc.version or 'unknown'}): skipped")
        return []
    if doc.warnings:
        report.problems.append(f"{url}: read with warnings {', '.join(doc.warnings)}")
    report.sitemaps.append(url)
    return list(doc.items)


async def run_backfill(
    kafka: KafkaSettings,
    settings: PollerSettings,
    sitemaps: list[str],
    *,
    since: datetime,
    until: datetime | None = None,
    include_undated: bool = False,
    rate: float = 5.0,
    limit: int | None = None,
    dry_run: bool = False,
) -> BackfillReport:
    """Read the sitemaps, pick the URLs in range, skip those already enqueued, and produce the
    rest to the backfill topic at most `rate` per second (0: no pacing)."""
    report = BackfillReport()
    client = AiohttpFeedClient(settings)
    items: list[ParsedItem] = []
    owners: dict[str, str] = {}
    try:
        for url in sitemaps:
            found = await _read_sitemap(client, settings, url, since, report)
            for item in found:
                if item.link is not None:
                    owners.setdefault(item.link, url)
            items += found
    finally:
        await client.close()
    report.listed = len(items)
    chosen = backfill_items(items, since=since, until=until, include_undated=include_undated)
    report.in_range = len(chosen)
    now = datetime.now(UTC)
    requests: list[FetchRequest] = []
    for item in chosen:
        req = fetch_request(feed_id(owners[item.link or ""]), item, now)
        if req is not None:
            requests.append(req)
    if not requests:
        return report
    await ensure_topics(kafka, (FETCH_REQUESTS_BACKFILL,))
    done = await enqueued_ids(kafka, {r.host for r in requests})
    fresh = [r for r in requests if r.article_id not in done]
    report.already = len(requests) - len(fresh)
    if limit is not None:
        fresh = fresh[:limit]
    if dry_run or not fresh:
        return report
    producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        topic = FETCH_REQUESTS_BACKFILL.full_name(kafka.topic_prefix)
        gap = 1.0 / rate if rate > 0 else 0.0
        started = time.monotonic()
        for n, req in enumerate(fresh):
            if gap:
                await asyncio.sleep(max(0.0, started + n * gap - time.monotonic()))
            await producer.send_and_wait(topic, key=encode_key(req.host), value=encode(FETCH_REQUESTS_BACKFILL, req))
            report.enqueued += 1
    finally:
        await producer.stop()
    return report


def _date(text: str, option: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())  # 3.11 reads "Z" too
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 date: {text!r}", param_hint=option) from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def backfill(
    outlet: str = typer.Argument(..., help="The outlet (its registry name, or its host)."),
    since: str = typer.Option(..., "--since", help="Oldest publication date to enqueue (ISO 8601, UTC if no zone)."),
    until: str = typer.Option("", "--until", help="Enqueue only what is older than this (ISO 8601)."),
    sitemap: list[str] = typer.Option([], "--sitemap", help="Sitemap URL(s) to read instead of the registry's."),  # noqa: B008
    rate: float = typer.Option(5.0, "--rate", help="Requests enqueued per second at most (0: unpaced)."),
    limit: int = typer.Option(0, "--limit", help="Enqueue at most this many (0: all)."),
    include_undated: bool = typer.Option(False, "--include-undated", help="Also URLs without any date."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; enqueue nothing."),
) -> None:
    """Enqueue the articles an outlet's sitemaps list since a date on the backfill topic
    (`newswire.fetch-requests.backfill.v1`), which the fetcher reads below live requests.
    Idempotent: what is already on that topic is skipped."""
    start = _date(since, "--since")
    end = _date(until, "--until") if until else None
    kafka = CommonSettings().kafka
    urls = list(sitemap) or run_async(sitemaps_of(kafka, outlet))
    if not urls:
        err_console.print(f"no sitemap in the registry for {outlet!r} (try `newswire feeds discover URL --add`, or --sitemap URL)")
        raise typer.Exit(1)
    report = run_async(
        run_backfill(
            kafka, PollerSettings(), urls, since=start, until=end, include_undated=include_undated,
            rate=rate, limit=limit or None, dry_run=dry_run,
        )
    )
    for problem in report.problems:
        err_console.print(problem)
    verb = "would enqueue" if dry_run else "enqueued"
    console.print(
        f"{len(report.sitemaps)} sitemap(s), {report.listed} URLs listed, {report.in_range} since "
        f"{start.isoformat()}, {report.already} already enqueued, {verb} "
        f"{report.enqueued if not dry_run else report.in_range - report.already}"
    )
    if not report.sitemaps:
        raise typer.Exit(1)
