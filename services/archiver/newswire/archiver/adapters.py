"""I/O: the archive directory (files appended, fsynced, renamed) and the optional remote store
(fsspec: S3 or any S3-compatible store by its options), each behind a small Protocol."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from newswire.archiver.logic import CDX_SUFFIX, OPEN_SUFFIX, WARC_SUFFIX


@dataclass
class OpenFile:
    """A WARC file being written: `<name>.open` until it is finished."""

    name: str
    path: Path
    fh: BinaryIO
    size: int = 0


class ArchiveFiles(Protocol):
    """The directory WARC files are written to."""

    root: Path

    def create(self, name: str) -> OpenFile: ...

    def append(self, file: OpenFile, data: bytes) -> int:
        """Append `data`; returns the offset it starts at."""
        ...

    def finish(self, file: OpenFile, cdx: str) -> tuple[Path, Path]:
        """Make the file durable and final: fsync it, write its index, rename both into place."""
        ...

    def discard(self, file: OpenFile) -> None: ...

    def left_open(self) -> list[Path]:
        """Files a crash left open (`*.warc.gz.open`)."""
        ...

    def finished(self) -> list[Path]:
        """Finished WARC files still in the directory."""
        ...

    def seal_recovered(self, path: Path, end: int, index: Any) -> tuple[Path, Path]:
        """Cut a left-open file at `end`, make it final and write `index(final_path)` beside it."""
        ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def cdx_path(warc: Path) -> Path:
    """The index beside a WARC file: `x.warc.gz` -> `x.cdxj`."""
    return warc.with_name(warc.name.removesuffix(WARC_SUFFIX) + CDX_SUFFIX)


class LocalArchiveFiles:
    """WARC files in a local directory (a volume)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def create(self, name: str) -> OpenFile:
        path = self.root / (name + OPEN_SUFFIX)
        fh = open(path, "xb")  # noqa: SIM115 - kept open until finish/discard
        _fsync_dir(self.root)
        return OpenFile(name, path, fh)

    def append(self, file: OpenFile, data: bytes) -> int:
        offset = file.size
        file.fh.write(data)
        file.fh.flush()  # in the OS's hands: a killed process loses none of it (fsync is at finish)
        file.size += len(data)
        return offset

    def finish(self, file: OpenFile, cdx: str) -> tuple[Path, Path]:
        file.fh.flush()
        os.fsync(file.fh.fileno())
        file.fh.close()
        final = self.root / file.name
        index = cdx_path(final)
        _write_durably(index, cdx)
        os.replace(file.path, final)
        _fsync_dir(self.root)
        return final, index

    def discard(self, file: OpenFile) -> None:
        try:
            file.fh.close()
        finally:
            file.path.unlink(missing_ok=True)

    def left_open(self) -> list[Path]:
        return sorted(self.root.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))

    def finished(self) -> list[Path]:
        return sorted(self.root.glob(f"*{WARC_SUFFIX}"))

    def seal_recovered(self, path: Path, end: int, index: Any) -> tuple[Path, Path]:
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, final)
        cdx = cdx_path(final)
        _write_durably(cdx, index(str(final)))
        _fsync_dir(self.root)
        return final, cdx


class Publisher(Protocol):
    """Where finished files end up: left in place, or uploaded to a remote store."""

    def publish(self, warc: Path, cdx: Path) -> None:
        """Make the pair durable in the store (raises if not: the caller tries again)."""
        ...


class KeepLocal:
    """Finished files stay in the archive directory."""

    def publish(self, warc: Path, cdx: Path) -> None:
        return None


class FsspecPublisher:
    """Uploads finished files to an fsspec URL (s3://, gs://, memory://, file://, ...), the index
    after its WARC file, checks the sizes, then removes the local copies."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        import fsspec

        self.fs, self.base = fsspec.core.url_to_fs(url, **(storage_options or {}))
        self.base = self.base.rstrip("/")
        self.fs.makedirs(self.base, exist_ok=True)

    def target(self, name: str) -> str:
        return f"{self.base}/{name}"

    def publish(self, warc: Path, cdx: Path) -> None:
        for local in (warc, cdx):
            remote = self.target(local.name)
            self.fs.put_file(str(local), remote)
            size = self.fs.size(remote)
            if size != local.stat().st_size:
                raise OSError(
                    f"{remote}: {size} bytes stored, {local.stat().st_size} sent"
                )
        cdx.unlink()
        warc.unlink()
