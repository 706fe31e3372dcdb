"""`newswire reprocess WARC... [--since DATE]`: replay archived pages into the pipeline.

Reads the archiver's WARC files (or directories of them) and produces each archived `FetchedPage`
again, as it was, to the pages topic (keyed by article id, so on the partition of the original):
the normaliser and everything after it see the page again. Ids are the original ones, so
re-indexing is idempotent. The replayed messages carry the `newswire-replay` header (the file they
came from), so the archiver does not archive them a second time. A record that is corrupt, or a
page whose records do not agree, is reported and skipped; a record archived twice (a batch written
again after a crash) is replayed once.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from newswire.archiver.logic import REPLAY_HEADER, WARC_SUFFIX, record_id
from newswire.archiver.reading import Problem, iter_pages
from newswire.cli._common import err_console, run_async
from newswire.config import CommonSettings, KafkaSettings
from newswire.contracts import FetchedPage
from newswire.topics import PAGES

#: Sends awaited at once at most (the producer batches them; this bounds memory).
IN_FLIGHT = 2_000


@dataclass
class Replay:
    """What a replay did."""

    pages: int = 0
    duplicates: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "replayed": self.pages, "duplicates_skipped": self.duplicates, "files": self.files,
            "corrupt_skipped": len(self.problems), "seconds": round(self.seconds, 2),
            "pages_per_s": round(self.pages / self.seconds, 1) if self.seconds else None,
        }


def warc_files(paths: list[Path]) -> Iterator[Path]:
    """The files named, and the `.warc.gz` files under the directories named, in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob(f"*{WARC_SUFFIX}") if p.is_file())
        else:
            yield path


def archived_pages(
    paths: list[Path], since: datetime | None, replay: Replay
) -> Iterator[tuple[str, FetchedPage]]:
    """(source file, page) of every archived page, each once, oldest file first."""
    seen: set[str] = set()
    for path in warc_files(paths):
        replay.files += 1
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            replay.problems.append(Problem(str(path), 0, f"cannot open: {exc}"))
            continue
        with fh:
            for page in iter_pages(fh, str(path), replay.problems, since):
                rid = record_id("metadata", page)
                if rid in seen:
                    replay.duplicates += 1
                    continue
                seen.add(rid)
                yield path.name, page


async def replay_pages(
    kafka: KafkaSettings, paths: list[Path], since: datetime | None = None, *, dry_run: bool = False
) -> Replay:
    """Produce every archived page to the pages topic (see the module's docstring)."""
    from aiokafka import AIOKafkaProducer
    from newswire.kafka.clients import aiokafka_kwargs

    replay = Replay()
    started = time.perf_counter()
    topic = PAGES.full_name(kafka.topic_prefix)
    producer = None
    if not dry_run:
        producer = AIOKafkaProducer(
            **aiokafka_kwargs(kafka), acks="all", enable_idempotence=True,
            compression_type=None if kafka.compression == "none" else kafka.compression,
            max_request_size=PAGES.max_message_bytes, linger_ms=max(kafka.linger_ms, 20),
            max_batch_size=kafka.batch_bytes,
        )
        await producer.start()
    pending: list[asyncio.Future[Any]] = []
    try:
        for source, page in archived_pages(paths, since, replay):
            replay.pages += 1
            if producer is None:
                continue
            value = page.to_bytes()
            if len(value) > PAGES.max_message_bytes:
                replay.problems.append(Problem(source, -1, f"page {page.article_id} is over the topic's limit"))
                replay.pages -= 1
                continue
            pending.append(
                await producer.send(
                    topic, key=page.article_id.encode(), value=value,
                    headers=[(REPLAY_HEADER, source.encode())],
                )
            )
            if len(pending) >= IN_FLIGHT:
                await asyncio.gather(*pending)
                pending.clear()
        if pending:
            await asyncio.gather(*pending)
    finally:
        if producer is not None:
            await producer.stop()
    replay.seconds = time.perf_counter() - started
    return replay


def parse_since(value: str | None) -> datetime | None:
    """An ISO 8601 date or time; naive means UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO 8601 date or time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reprocess(
    warcs: list[Path] = typer.Argument(..., help="WARC files (.warc.gz) or directories of them."),
    since: str = typer.Option("", "--since", help="Only pages fetched at or after this ISO 8601 date/time (UTC)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check only; produce nothing."),
) -> None:
    """Replay archived pages to the pages topic (normaliser onward), with their original ids."""
    settings = CommonSettings()
    replay = run_async(replay_pages(settings.kafka, list(warcs), parse_since(since or None), dry_run=dry_run))
    for problem in replay.problems[:50]:
        err_console.print(
            f"skipped: {problem.source} @ {problem.offset}: {problem.reason}",
            soft_wrap=True, highlight=False, markup=False,
        )
    if len(replay.problems) > 50:
        err_console.print(f"... and {len(replay.problems) - 50} more")
    summary = replay.summary()
    if dry_run:
        summary["would_replay"] = summary.pop("replayed")
    sys.stdout.write(json.dumps(summary) + "\n")
