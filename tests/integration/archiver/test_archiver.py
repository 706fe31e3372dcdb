"""The archiver as a real process on real Kafka: every page in the WARC files byte for byte, with
offsets committed only once their file is finished; `newswire reprocess` replays the same
messages (not archived a second time); and a kill -9 mid-file loses nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from newswire.archiver.logic import REPLAY_HEADER, build_records
from newswire.archiver.reading import index_file, iter_pages
from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.kafka.admin import committed_offsets
from newswire.topics import PAGES

from tests.conftest import REPO
from tests.factories import T0, fetched_page
from tests.integration.kafka_io import produce, read_until, wait_for
from tests.integration.stage_process import StageProcess


def page(n: int) -> FetchedPage:
    """Page `n`: most are UTF-8 articles, some windows-1252, some failures without a body."""
    url = f"https://outlet{n % 7}.example.com/news/{n}"
    base = {**fetched_page().model_dump(), "article_id": article_id(url), "requested_url": url, "final_url": url,
            "fetched_at": T0 + timedelta(seconds=n)}
    if n % 10 == 9:
        base.update(outcome="failed", failure="http_5xx", status=503, html=None, charset=None, headers={})
    elif n % 5 == 3:
        base.update(charset="windows-1252", headers={"content-type": "text/html; charset=windows-1252"},
                    html=f"<html><p>Café n°{n} – « déjà vu »</p>" + "<p>texte</p>" * 200 + "</html>")
    else:
        base.update(html=f"<html><p>Story {n} ✓</p>" + "<p>Lorem ipsum dolor sit amet.</p>" * 300 + "</html>")
    return FetchedPage.model_validate(base)


def messages(pages: list[FetchedPage]) -> list[tuple[bytes | None, bytes | None]]:
    return [(p.article_id.encode(), p.to_bytes()) for p in pages]


def archive_env(archive: Path, **extra: str) -> dict[str, str]:
    return {
        "NEWSWIRE_ARCHIVE_DIR": str(archive),
        "NEWSWIRE_ARCHIVE_INSTANCE": "it",
        "NEWSWIRE_BATCH_MAX_WAIT_S": "0.3",
        "NEWSWIRE_BATCH_MAX_PAGES": "10",
        **extra,
    }


def archived(archive: Path) -> list[FetchedPage]:
    """Every page in the finished files; each file reads without a problem and its index is
    cdxj-indexer's."""
    pages: list[FetchedPage] = []
    for warc in sorted(archive.glob("*.warc.gz")):
        problems: list = []
        with open(warc, "rb") as fh:
            pages.extend(iter_pages(fh, warc.name, problems))
        assert not problems, (warc.name, problems)
        cdx = warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")
        assert cdx.read_text() == index_file(str(warc)), warc.name
    return pages


async def committed_reaches(kafka: KafkaSettings, n: int, timeout_s: float = 120.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if await committed_offsets(kafka, "archiver", PAGES) >= n:
            return True
        await asyncio.sleep(0.5)
    return False


async def test_pages_are_archived_byte_for_byte_and_reprocessed_as_they_were(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    pages = [page(n) for n in range(60)]
    topic = PAGES.full_name(own_topics.topic_prefix)
    archive = tmp_path / "archive"
    await produce(own_topics, topic, messages(pages))
    env = archive_env(archive, NEWSWIRE_ARCHIVE_MAX_FILE_AGE_S="2", NEWSWIRE_MAX_INFLIGHT_BATCHES="3")
    with StageProcess("archiver", own_topics, tmp_path, env=env) as archiver:
        assert await committed_reaches(own_topics, 60), archiver.log()[-3000:]
        got = archived(archive)
        assert sorted(p.to_bytes() for p in got) == sorted(p.to_bytes() for p in pages)
        # the response bodies are the pages' bytes in their own charset
        for p in pages:
            if p.html is not None:
                blob = build_records(p).blob
                assert any(blob in warc.read_bytes() for warc in archive.glob("*.warc.gz")), p.final_url
        assert "warc_finished" in archiver.log()

        # the replay: the same messages again on the pages topic, marked, not archived twice
        files_before = sorted(archive.iterdir())
        done = subprocess.run(
            [sys.executable, "-m", "newswire.cli.main", "reprocess", str(archive)],
            cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "NEWSWIRE_KAFKA__TOPIC_PREFIX": own_topics.topic_prefix,
                 "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": own_topics.bootstrap_servers},
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["replayed"] == 60 and summary["corrupt_skipped"] == 0
        records = await read_until(own_topics, topic, lambda rs: len(rs) >= 120, 60)
        replayed = [r for r in records if any(k == REPLAY_HEADER for k, _ in r.headers)]
        assert sorted(r.value for r in replayed) == sorted(p.to_bytes() for p in pages)
        assert all(r.key == FetchedPage.model_validate_json(r.value).article_id.encode() for r in replayed)
        by_key = {r.key: r.partition for r in records if r not in replayed}
        assert all(by_key[r.key] == r.partition for r in replayed), "a replay lands on its original partition"
        assert await committed_reaches(own_topics, 120), archiver.log()[-3000:]
        await asyncio.sleep(3)  # past a file age: nothing new is written for the replays
        assert sorted(archive.iterdir()) == files_before


async def test_a_kill_mid_file_loses_nothing(own_topics: KafkaSettings, tmp_path: Path) -> None:
    pages = [page(n) for n in range(100)]
    topic = PAGES.full_name(own_topics.topic_prefix)
    archive = tmp_path / "archive"
    await produce(own_topics, topic, messages(pages))
    expected_bytes = sum(len(build_records(p).blob) for p in pages)
    # a file that is neither old nor full: every page written, none committed
    env = archive_env(archive, NEWSWIRE_ARCHIVE_MAX_FILE_AGE_S="600", NEWSWIRE_MAX_INFLIGHT_BATCHES="128")
    archiver = StageProcess("archiver", own_topics, tmp_path, env=env)
    try:
        archiver.start()
        open_size = lambda: sum(p.stat().st_size for p in archive.glob("*.open"))
        assert await wait_for(lambda: open_size() >= expected_bytes, 120), archiver.log()[-3000:]
        archiver.kill()  # kill -9: no shutdown, no commit
    finally:
        archiver.stop()
    assert await committed_offsets(own_topics, "archiver", PAGES) == 0, "committed before its file was finished"
    (left,) = archive.glob("*.open")
    with open(left, "r+b") as fh:  # and the last write torn, as a power cut would leave it
        fh.truncate(left.stat().st_size - 100)

    env.update(NEWSWIRE_ARCHIVE_MAX_FILE_AGE_S="1", NEWSWIRE_MAX_INFLIGHT_BATCHES="4")
    with StageProcess("archiver", own_topics, tmp_path, env=env, name="archiver-again") as again:
        assert await committed_reaches(own_topics, 100), again.log()[-3000:]
        assert "warc_open_file_recovered" in again.log()
    assert not list(archive.glob("*.open"))
    recovered = left.with_name(left.name.removesuffix(".open"))
    kept = archived_one(recovered)
    assert len(kept) == 99, "cut after its last complete page"
    got = archived(archive)
    assert {p.to_bytes() for p in got} == {p.to_bytes() for p in pages}
    assert len(got) == 199  # the 99 recovered, and all 100 read again (same record ids)


def archived_one(warc: Path) -> list[FetchedPage]:
    problems: list = []
    with open(warc, "rb") as fh:
        pages = list(iter_pages(fh, warc.name, problems))
    assert not problems
    return pages
