"""Archiver wiring: every fetched page (`newswire.pages.v1`, its own consumer group) into WARC
files with a CDXJ index, on the runtime's batching handler.

A batch's records are appended to the open file, and the batch then waits until that file is
finished: fsynced, closed, indexed and renamed into place (and uploaded, with a remote store).
Only then does the handler return, so the runtime acks and commits the batch's offsets: no offset
is committed whose page is not in a finished file. A file is finished when it is full, old, or
holds every batch that can be in flight (`RotationPolicy`). If writing or finishing fails, the
file is discarded and every batch in it is tried again (the runtime backs off), into a new file.
A file left open by a crash is recovered at start-up (cut after its last complete record, indexed)
or discarded (`NEWSWIRE_ARCHIVE_OPEN_FILES`): none of its pages was committed, so they are read
again either way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newswire.archiver.adapters import (
    ArchiveFiles,
    FsspecPublisher,
    KeepLocal,
    LocalArchiveFiles,
    OpenFile,
    Publisher,
    cdx_path,
)
from newswire.archiver.logic import REPLAY_HEADER, CdxEntry, RotationPolicy, build_records, cdx_line, cdx_text, file_name
from newswire.archiver.reading import Problem, complete_prefix, index_file
from newswire.archiver.settings import ArchiverSettings
from newswire.config import RetrySettings
from newswire.contracts import FetchedPage
from newswire.runtime.batches import BatchItem, BatchPolicy, BatchResult
from newswire.runtime.errors import PermanentError, backoff_delay, jitter_source
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Stage
from newswire.topics import PAGES

STAGE = "archiver"
log = get_logger("newswire.archiver")


class FileFailed(Exception):
    """The file a batch was written to could not be finished: the batch is written again."""


@dataclass(frozen=True)
class _Blob:
    index: int
    data: bytes
    cdx: tuple[CdxEntry, ...]


@dataclass
class _Current:
    file: OpenFile
    opened: float
    cdx: list[str] = field(default_factory=list)
    batches: int = 0
    pages: int = 0
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Archive:
    """The batching handler: pages to records, records to the open file, and back only once the
    file is finished."""

    def __init__(
        self,
        files: ArchiveFiles,
        policy: RotationPolicy,
        *,
        prefix: str = "newswire",
        instance: str = "archiver",
        gzip_level: int = 6,
        publisher: Publisher | None = None,
        archive_replays: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.files = files
        self.policy = policy
        self.prefix = prefix
        self.instance = instance
        self.gzip_level = gzip_level
        self.publisher = publisher or KeepLocal()
        self.archive_replays = archive_replays
        self.clock = clock
        self.serial = 0
        self.current: _Current | None = None
        self.lock = asyncio.Lock()
        self.finishing: set[asyncio.Task[None]] = set()
        self.finished_files = 0
        self.waiting: str | None = None

    async def __call__(self, items: Sequence[BatchItem]) -> BatchResult:
        result = BatchResult()
        blobs = await asyncio.to_thread(
            self._build, items, result
        )  # CPU (gzip) off the event loop
        if not blobs:
            return result
        async with self.lock:
            current = self._open()
            try:
                await asyncio.to_thread(self._append, current, blobs)
            except Exception as exc:  # noqa: BLE001 - disk full, I/O error: the file is lost, its batches are written again
                self._detach(current)
                self._fail(current, exc)
            current.batches += 1
            current.pages += len(blobs)
            reason = self.policy.close_reason(
                current.file.size, self.clock() - current.opened, current.batches
            )
            if reason is not None and not current.done.done():
                self._finish_in_background(current, reason)
        try:
            await asyncio.shield(current.done)
        except FileFailed as exc:
            return BatchResult(
                rejected=result.rejected, retry={blob.index: str(exc) for blob in blobs}
            )
        return result

    def _build(self, items: Sequence[BatchItem], result: BatchResult) -> list[_Blob]:
        blobs: list[_Blob] = []
        for i, item in enumerate(items):
            if not self.archive_replays and REPLAY_HEADER in item.ctx.origin.headers:
                continue  # already archived: it came from the archive
            page = item.value
            try:
                if not isinstance(page, FetchedPage):
                    raise TypeError(f"{type(page).__name__} is no FetchedPage")
                records = build_records(page, self.gzip_level)
            except Exception as exc:  # noqa: BLE001 - a page the builder cannot write: dead-letter it, never stall
                result.rejected[i] = PermanentError(
                    f"cannot build WARC records: {type(exc).__name__}: {exc}"
                )
                continue
            blobs.append(_Blob(i, records.blob, records.cdx))
        return blobs

    def _open(self) -> _Current:
        if self.current is None:
            self.serial += 1
            name = file_name(self.prefix, datetime.now(UTC), self.serial, self.instance)
            self.current = _Current(self.files.create(name), self.clock())
        return self.current

    def _append(self, current: _Current, blobs: list[_Blob]) -> None:
        for blob in blobs:
            base = self.files.append(current.file, blob.data)
            for entry in blob.cdx:
                current.cdx.append(cdx_line(entry, current.file.name, base))

    def _detach(self, current: _Current) -> None:
        if self.current is current:
            self.current = None

    def _fail(self, current: _Current, exc: BaseException) -> None:
        log.error(
            "warc_file_failed",
            file=current.file.name,
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        try:
            self.files.discard(current.file)
        except OSError:
            pass
        if not current.done.done():
            current.done.set_exception(
                FileFailed(f"WARC file {current.file.name} failed: {exc}")
            )
            current.done.exception()  # retrieved: the batches read it from their own await

    def _finish_in_background(self, current: _Current, reason: str) -> None:
        self._detach(current)
        task = asyncio.get_running_loop().create_task(self._finish(current, reason))
        self.finishing.add(task)
        task.add_done_callback(self.finishing.discard)

    async def _finish(self, current: _Current, reason: str) -> None:
        started = time.perf_counter()
        try:
            warc, cdx = await asyncio.to_thread(
                self.files.finish, current.file, cdx_text(current.cdx)
            )
        except Exception as exc:  # noqa: BLE001 - any failure to finish: the batches are written again
            self._fail(current, exc)
            return
        await self._publish(warc, cdx)
        self.finished_files += 1
        log.info(
            "warc_finished",
            file=warc.name,
            reason=reason,
            pages=current.pages,
            batches=current.batches,
            bytes=current.file.size,
            index_lines=len(current.cdx),
            seconds=round(time.perf_counter() - started, 3),
        )
        if not current.done.done():
            current.done.set_result(None)

    async def _publish(self, warc: Path, cdx: Path) -> None:
        """Upload (with a remote store) until it succeeds: a store that is away is waited for,
        the batches holding back meanwhile; the file is complete locally, so nothing is lost."""
        attempt = 0
        while True:
            try:
                await asyncio.to_thread(self.publisher.publish, warc, cdx)
                self.waiting = None
                return
            except Exception as exc:  # noqa: BLE001 - any store failure is waited out
                attempt += 1
                delay = min(
                    30.0, backoff_delay(attempt, _PUBLISH_RETRY, jitter_source())
                )
                self.waiting = f"archive store: {type(exc).__name__}: {exc}"[:300]
                log.warning(
                    "warc_publish_retry",
                    file=warc.name,
                    attempt=attempt,
                    delay_s=round(delay, 2),
                    error=self.waiting,
                )
                await asyncio.sleep(delay)

    async def tick(self) -> None:
        """The time bound: finish the open file once it is old enough."""
        async with self.lock:
            current = self.current
            if current is None or current.done.done():
                return
            reason = self.policy.close_reason(
                current.file.size, self.clock() - current.opened, current.batches
            )
            if reason is not None:
                self._finish_in_background(current, reason)

    async def stop(self) -> None:
        """On a stop: drop the open file (its batches were not acked: they are read again) and let
        files being finished complete."""
        async with self.lock:
            current = self.current
            if current is not None:
                self._detach(current)
                self._fail(current, RuntimeError("the stage is stopping"))
        if self.finishing:
            await asyncio.gather(*self.finishing, return_exceptions=True)

    async def recover(self, mode: str) -> None:
        """Start-up: files left open by a crash, and (with a remote store) finished files not yet
        uploaded."""
        for path in self.files.left_open():
            if mode == "discard":
                path.unlink()
                log.warning("warc_open_file_discarded", file=path.name)
                continue
            end, records, problems = await asyncio.to_thread(_scan, path)
            warc, cdx = await asyncio.to_thread(
                self.files.seal_recovered, path, end, index_file
            )
            log.warning(
                "warc_open_file_recovered",
                file=warc.name,
                records=records,
                kept_bytes=end,
                cut=problems[0].reason if problems else None,
                index=cdx.name,
            )
        if not isinstance(self.publisher, KeepLocal):
            for warc in self.files.finished():
                cdx = cdx_path(warc)
                if not cdx.exists():
                    await asyncio.to_thread(
                        cdx.write_text, index_file(str(warc)), "utf-8"
                    )
                await self._publish(warc, cdx)


def _scan(path: Path) -> tuple[int, int, list[Problem]]:
    with open(path, "rb") as fh:
        end, records, problems = complete_prefix(fh)
    return end, records, problems


_PUBLISH_RETRY = RetrySettings(base_delay_s=1.0, max_delay_s=30.0)


def build(
    settings: ArchiverSettings, files: ArchiveFiles | None = None
) -> tuple[Stage, Archive]:
    """The archiver stage: one batching handler on the pages topic, and the file-age timer."""
    stage = Stage(STAGE, settings)
    root = settings.archive_dir or Path(settings.data_dir) / "archive"
    files = files or LocalArchiveFiles(root)
    publisher: Publisher = (
        FsspecPublisher(settings.archive_url, settings.archive_storage_options)
        if settings.archive_url
        else KeepLocal()
    )
    archive = Archive(
        files,
        RotationPolicy(
            settings.archive_max_file_bytes,
            settings.archive_max_file_age_s,
            settings.max_inflight_batches,
        ),
        prefix=settings.archive_prefix,
        instance=settings.archive_instance,
        gzip_level=settings.archive_gzip_level,
        publisher=publisher,
        archive_replays=settings.archive_replays,
    )
    policy = BatchPolicy(
        max_items=settings.batch_max_pages,
        max_wait_s=settings.batch_max_wait_s,
        retry=settings.retry,
    )
    stage.batch_handler((PAGES,), policy, concurrency=settings.max_inflight_batches)(
        archive
    )

    @stage.timer(min(1.0, settings.archive_max_file_age_s / 4))
    async def finish_old_files() -> None:
        await archive.tick()
        stage.waiting = archive.waiting

    stage.on_shutdown(archive.stop)
    return stage, archive


def main() -> None:
    """`newswire run archiver`."""
    from newswire.runtime.logging import configure_logging

    settings = ArchiverSettings()
    configure_logging(settings.log_level, settings.log_format)
    stage, archive = build(settings)
    asyncio.run(archive.recover(settings.archive_open_files))
    stage.run()
