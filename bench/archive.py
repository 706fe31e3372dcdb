"""Archive throughput: the archiver's writes and `newswire reprocess`'s replay.

Three measurements on fetched pages of realistic size (a real report's text inside ~50 KB of
page markup, UTF-8; one in five windows-1252):

1. **write, in process**: the archiver's handler (`Archive`: records built and gzipped, appended,
   files finished with fsync, CDXJ index, rename) on a local directory, batches of 200 pages, 8
   in flight as the stage runs them; pages/s and CPU ms per page.
2. **write, through Kafka**: the pages produced to a topic of the run's own prefix first (not
   timed), then `newswire run archiver` as a process until its group has committed every offset;
   the rate counts from the first committed offset (the group join before it is reported apart),
   CPU is the process's own (from /proc).
3. **reprocess**: `replay_pages` (what `newswire reprocess` runs) from the files of (2) into the
   pages topic, acks=all; pages/s and pages per CPU second of this process (the target: 200/s
   per core).

    .venv/bin/python bench/archive.py                  # 5,000 pages
    .venv/bin/python bench/archive.py --pages 1000     # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from newswire.archiver.adapters import LocalArchiveFiles
from newswire.archiver.logic import RotationPolicy
from newswire.archiver.wiring import Archive
from newswire.archiver.reprocess_cmd import replay_pages
from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage, utcnow
from newswire.contracts.ids import article_id
from newswire.kafka.admin import committed_offsets, delete_topics, ensure_topics, list_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.runtime.batches import BatchItem
from newswire.runtime.messages import Context, Origin
from newswire.local.supervisor import free_ports
from newswire.topics import PAGES, all_topics

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc import cpu_seconds  # noqa: E402 - bench/proc.py, beside this file

MARKUP = (
    '<div class="nav"><ul>' + "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(60))
    + "</ul></div>"
)


def _texts() -> list[str]:
    from newswire.farm.fixtures import locate_fixtures

    root = locate_fixtures()
    seeds = sorted((root / "seeds").glob("*.txt")) if root is not None else []
    return [p.read_text(encoding="utf-8") for p in seeds] or ["A report of a few kilobytes, repeated. " * 100]


def page(n: int, text: str, page_bytes: int) -> FetchedPage:
    url = f"https://bench{n % 50}.example.com/news/{n}"
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    html = f"<html><head><title>Story {n}</title></head><body>{MARKUP}<article>{paragraphs}</article>"
    html = (html + MARKUP * (1 + page_bytes // len(MARKUP)))[:page_bytes] + "</body></html>"
    latin = n % 5 == 4
    if latin:
        html = html.encode("windows-1252", "replace").decode("windows-1252")
    charset = "windows-1252" if latin else "utf-8"
    return FetchedPage.model_validate(
        {
            "article_id": article_id(url), "requested_url": url, "final_url": url, "reason": "new",
            "outcome": "ok", "status": 200, "fetched_at": utcnow() - timedelta(seconds=n),
            "headers": {"content-type": f"text/html; charset={charset}", "etag": f'"{n}"'},
            "html": html, "charset": charset, "content_type": "text/html", "byte_size": len(html), "elapsed_ms": 80,
        }
    )


async def write_in_process(pages: list[FetchedPage], root: Path, batch: int = 200, inflight: int = 8) -> None:
    # as the stage: a file is finished at `inflight` batches, or by the age timer (here 0.5 s) for the tail
    archive = Archive(LocalArchiveFiles(root), RotationPolicy(1 << 30, 0.5, inflight), instance="bench")
    items = [
        BatchItem(PAGES, p, Context("archiver", Origin(PAGES.name, 0, i, None, None, {}, 1)))
        for i, p in enumerate(pages)
    ]
    batches = [items[i : i + batch] for i in range(0, len(items), batch)]
    cpu0, started = time.process_time(), time.perf_counter()
    sem = asyncio.Semaphore(inflight)

    async def one(chunk: list[BatchItem]) -> None:
        async with sem:
            result = await archive(chunk)
            assert not result.retry and not result.rejected

    async def timer() -> None:
        while True:
            await asyncio.sleep(0.1)
            await archive.tick()

    ticking = asyncio.create_task(timer())
    await asyncio.gather(*(one(b) for b in batches))
    ticking.cancel()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu0
    size = sum(p.stat().st_size for p in root.glob("*.warc.gz"))
    raw = sum(len(p.html or "") for p in pages)
    print(f"1. write in process: {len(pages) / elapsed:,.0f} pages/s, {raw / elapsed / 1e6:,.1f} MB/s of HTML; "
          f"CPU {cpu * 1000 / len(pages):.2f} ms/page (gzip in threads counted); "
          f"{len(list(root.glob('*.warc.gz')))} files, {size / 1e6:.1f} MB ({size / raw:.0%} of the HTML)")


async def through_kafka(pages: list[FetchedPage], work: Path) -> Path:
    run = uuid.uuid4().hex[:8]
    kafka = KafkaSettings(topic_prefix=f"bench-archive-{run}.")
    await ensure_topics(kafka, all_topics())
    archive = work / "kafka-archive"
    try:
        producer = AIOKafkaProducer(**aiokafka_kwargs(kafka), acks="all", linger_ms=20, max_batch_size=1 << 20,
                                    max_request_size=PAGES.max_message_bytes, compression_type="zstd")
        await producer.start()
        topic = PAGES.full_name(kafka.topic_prefix)
        try:
            futures = [await producer.send(topic, key=p.article_id.encode(), value=p.to_bytes()) for p in pages]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        env = {
            **os.environ, "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix, "NEWSWIRE_ENSURE_TOPICS": "false",
            "NEWSWIRE_WEB_PORT": str(free_ports(1)[0]), "NEWSWIRE_DATA_DIR": str(work / "state"),
            "NEWSWIRE_ARCHIVE_DIR": str(archive), "NEWSWIRE_ARCHIVE_INSTANCE": "bench",
        }
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "newswire.cli.main", "run", "archiver"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first: float | None = None  # the first batch in a file: the group has joined, pages flow
            done = 0
            while done < len(pages) and process.poll() is None:
                await asyncio.sleep(0.1)
                if first is None and archive.exists() and any(archive.iterdir()):
                    first = time.perf_counter()
                done = await committed_offsets(kafka, "archiver", PAGES)
            ended = time.perf_counter()
            cpu = cpu_seconds(process.pid)
        finally:
            process.terminate()
            process.wait(60)
        if done != len(pages):
            raise SystemExit(f"the archiver committed {done} of {len(pages)} pages")
        first = first or started
        print(f"2. write through Kafka (the stage process): first page written {first - started:.1f} s after the "
              f"start (group join); {len(pages) / max(1e-9, ended - first):,.0f} pages/s from there to the last "
              f"commit, {len(pages) / (ended - started):,.0f} pages/s with the start; CPU {cpu * 1000 / len(pages):.2f} "
              f"ms/page (start-up included)")

        cpu0, t0 = time.process_time(), time.perf_counter()
        replay = await replay_pages(kafka, [archive])
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        assert replay.pages == len(pages) and not replay.problems, replay.summary()
        print(f"3. reprocess into Kafka: {replay.pages / elapsed:,.0f} pages/s, "
              f"{replay.pages / cpu:,.0f} pages per CPU second ({cpu * 1000 / replay.pages:.2f} ms/page)")
        return archive
    finally:
        names = [t for t in await list_topics(kafka) if t.startswith(kafka.topic_prefix)]
        await delete_topics(kafka, names)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--page-bytes", type=int, default=50_000)
    parser.add_argument("--no-kafka", action="store_true", help="Only the in-process write.")
    args = parser.parse_args()
    texts = _texts()
    pages = [page(n, texts[n % len(texts)], args.page_bytes) for n in range(args.pages)]
    print(f"{len(pages)} pages of ~{args.page_bytes // 1000} KB; load average {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        await write_in_process(pages, work / "in-process")
        if not args.no_kafka:
            await through_kafka(pages, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
