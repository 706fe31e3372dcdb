"""The archiver's handler on a real directory: a batch returns only once its file is finished
(fsynced, indexed, renamed), files are cut by batches, size and age, a failed file sends its
batches back to be written again, replays are not archived twice, and start-up recovers a file a
crash left open."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
from newswire.archiver.adapters import FsspecPublisher, LocalArchiveFiles, OpenFile
from newswire.archiver.logic import REPLAY_HEADER, RotationPolicy, build_records
from newswire.archiver.reading import index_file, iter_pages
from newswire.archiver.wiring import Archive
from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from newswire.runtime.batches import BatchItem
from newswire.runtime.messages import Context, Origin
from newswire.topics import PAGES

from tests.factories import T0, fetched_page


def page(n: int) -> FetchedPage:
    url = f"https://news.example.org/a/{n}"
    return FetchedPage.model_validate(
        {**fetched_page().model_dump(), "article_id": article_id(url), "final_url": url,
         "fetched_at": T0 + timedelta(seconds=n), "html": f"<p>{n}</p>" * 50}
    )


def item(n: int, headers: dict[str, str] | None = None) -> BatchItem:
    p = page(n)
    origin = Origin(PAGES.name, 0, n, p.article_id.encode(), p.to_bytes(), headers or {}, 1)
    return BatchItem(PAGES, p, Context("archiver", origin))


def archived(root: Path) -> list[FetchedPage]:
    pages: list[FetchedPage] = []
    for path in sorted(root.glob("*.warc.gz")):
        problems: list = []
        with open(path, "rb") as fh:
            pages.extend(iter_pages(fh, path.name, problems))
        assert not problems
    return pages


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def archive(tmp_path: Path, **policy: float) -> tuple[Archive, Clock]:
    clock = Clock()
    rules = RotationPolicy(
        max_bytes=int(policy.get("max_bytes", 10**9)), max_age_s=policy.get("max_age_s", 60.0),
        max_batches=int(policy.get("max_batches", 2)),
    )
    return Archive(LocalArchiveFiles(tmp_path), rules, instance="t", clock=clock), clock


async def test_a_batch_returns_once_its_file_is_finished_and_indexed(tmp_path: Path) -> None:
    arch, _ = archive(tmp_path, max_batches=2)
    first = asyncio.create_task(arch([item(0), item(1)]))
    await asyncio.sleep(0.2)
    assert not first.done(), "acked before its file was finished"
    assert len(list(tmp_path.glob("*.open"))) == 1
    second = await arch([item(2)])  # the second batch fills the file: both return
    assert (await first).rejected == {} and second.retry == {}
    (warc,) = tmp_path.glob("*.warc.gz")
    assert not list(tmp_path.glob("*.open"))
    index = warc.with_name(warc.name.replace(".warc.gz", ".cdxj"))
    assert index.read_text() == index_file(str(warc))
    assert archived(tmp_path) == [page(0), page(1), page(2)]


async def test_files_are_cut_by_age_and_by_size(tmp_path: Path) -> None:
    arch, clock = archive(tmp_path, max_batches=100, max_age_s=30)
    waiting = asyncio.create_task(arch([item(0)]))
    await asyncio.sleep(0.1)
    await arch.tick()
    assert not waiting.done()
    clock.now = 31
    await arch.tick()
    await asyncio.wait_for(waiting, 5)
    small, _ = archive(tmp_path / "small", max_bytes=1, max_batches=100)
    await asyncio.wait_for(small([item(1)]), 5)  # over the size at once
    await asyncio.wait_for(small([item(2)]), 5)
    assert len(list((tmp_path / "small").glob("*.warc.gz"))) == 2
    assert archived(tmp_path) == [page(0)]


async def test_a_file_that_cannot_be_written_sends_its_batches_back(tmp_path: Path) -> None:
    class Full(LocalArchiveFiles):
        fail = True

        def append(self, file: OpenFile, data: bytes) -> int:
            if self.fail:
                raise OSError(28, "No space left on device")
            return super().append(file, data)

    files = Full(tmp_path)
    arch = Archive(files, RotationPolicy(10**9, 60, 1), instance="t")
    result = await arch([item(0), item(1)])
    assert set(result.retry) == {0, 1} and "No space left" in result.retry[0]
    assert not list(tmp_path.iterdir()), "the broken file is removed"
    files.fail = False
    assert (await arch([item(0), item(1)])).retry == {}
    assert archived(tmp_path) == [page(0), page(1)]


async def test_replayed_pages_are_not_archived_again(tmp_path: Path) -> None:
    arch, _ = archive(tmp_path, max_batches=1)
    result = await arch([item(0, {REPLAY_HEADER: "x.warc.gz"}), item(1)])
    assert result.rejected == {} and result.retry == {}
    assert archived(tmp_path) == [page(1)]
    assert (await arch([item(2, {REPLAY_HEADER: "x"})])).retry == {}  # nothing to write: done at once


async def test_a_stop_discards_the_open_file_and_its_batches_are_not_done(tmp_path: Path) -> None:
    arch, _ = archive(tmp_path, max_batches=5)
    waiting = asyncio.create_task(arch([item(0)]))
    await asyncio.sleep(0.1)
    await arch.stop()
    assert set((await waiting).retry) == {0}
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("mode", ["recover", "discard"])
async def test_start_up_recovers_or_discards_a_file_left_open(tmp_path: Path, mode: str) -> None:
    blobs = [build_records(page(n)).blob for n in range(4)]
    left = tmp_path / "newswire-20260101000000000000-00001-t.warc.gz.open"
    left.write_bytes(b"".join(blobs) + blobs[0][:57])  # a crash mid-record
    arch, _ = archive(tmp_path)
    await arch.recover(mode)
    assert not list(tmp_path.glob("*.open"))
    if mode == "discard":
        assert not list(tmp_path.iterdir())
        return
    (warc,) = tmp_path.glob("*.warc.gz")
    assert warc.stat().st_size == sum(map(len, blobs))
    assert archived(tmp_path) == [page(n) for n in range(4)]
    index = warc.with_name(warc.name.replace(".warc.gz", ".cdxj"))
    assert len(index.read_text().splitlines()) == 4


async def test_a_remote_store_gets_each_finished_file_and_its_index(tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    publisher = FsspecPublisher(f"file://{remote}/archive")
    spool = tmp_path / "spool"
    arch = Archive(LocalArchiveFiles(spool), RotationPolicy(10**9, 60, 1), instance="t", publisher=publisher)
    await arch([item(0), item(1)])
    assert not list(spool.iterdir()), "uploaded files leave the spool"
    names = sorted(p.name for p in (remote / "archive").iterdir())
    assert len(names) == 2 and names[0].endswith("-t.cdxj") and names[1].endswith("-t.warc.gz")
    assert archived(remote / "archive") == [page(0), page(1)]
    data = next((remote / "archive").glob("*.warc.gz")).read_bytes()
    assert list(iter_pages(io.BytesIO(data), "r", []))[1] == page(1)
