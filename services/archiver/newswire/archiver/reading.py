"""Reading WARC files back: gzip members (a torn last one found), records parsed and digest-checked, the complete prefix of a half-written file, the archived pages in order, and a file's CDXJ index. Split from `logic` (writing) in #19: one reason to change each."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

import orjson
from newswire.archiver.logic import CHARSET_FIELD, GZIP_MAGIC, PAGE_FIELD
from newswire.contracts import FetchedPage
from warcio.archiveiterator import ArchiveIterator

# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One gzip member of a file: where it lies, and the record it holds or why it is bad."""

    offset: int
    length: int
    data: bytes | None
    error: str | None = None


def gzip_members(fh: BinaryIO, chunk: int = 1 << 20) -> Iterator[Member]:
    """Every gzip member of a file, in order. A corrupt member is reported (data None) and the
    scan resumes at the next gzip header; a member cut short by the end of the file is reported
    as `truncated` and ends the scan."""
    fh.seek(0)
    buf = b""
    pos = 0  # file offset of buf[0]
    eof = False
    while True:
        while len(buf) < 3 and not eof:
            more = fh.read(chunk)
            eof = not more
            buf += more
        if not buf:
            return
        if eof and GZIP_MAGIC.startswith(buf):
            yield Member(pos, len(buf), None, "truncated")
            return
        if not buf.startswith(GZIP_MAGIC):
            skip = _next_magic(fh, buf, pos, chunk)
            if skip is None:
                yield Member(
                    pos,
                    len(buf) + _rest(fh),
                    None,
                    "not a gzip member (garbage to the end)",
                )
                return
            yield Member(pos, skip - pos, None, "not a gzip member")
            fh.seek(skip)
            buf, pos, eof = b"", skip, False
            continue
        decomp = zlib.decompressobj(zlib.MAX_WBITS + 16)
        out: list[bytes] = []
        data = buf
        consumed = 0
        try:
            while True:
                out.append(decomp.decompress(data))
                if decomp.eof:
                    consumed += len(data) - len(decomp.unused_data)
                    buf = decomp.unused_data
                    break
                consumed += len(data)
                data = fh.read(chunk)
                if not data:
                    yield Member(pos, consumed, None, "truncated")
                    return
        except zlib.error as exc:
            fh.seek(pos + 1)
            skip = _next_magic(fh, b"", pos + 1, chunk)
            yield Member(
                pos,
                (skip if skip is not None else pos + 1) - pos,
                None,
                f"corrupt gzip member: {exc}",
            )
            if skip is None:
                return
            fh.seek(skip)
            buf, pos, eof = b"", skip, False
            continue
        yield Member(pos, consumed, b"".join(out))
        pos += consumed
        if not buf:
            more = fh.read(chunk)
            eof = not more
            buf = more


def _rest(fh: BinaryIO) -> int:
    return len(fh.read())


def _next_magic(fh: BinaryIO, buf: bytes, pos: int, chunk: int) -> int | None:
    """Offset of the next gzip header at or after `pos` + 1 (buf holds the bytes from pos)."""
    window = buf
    start = pos
    search_from = 1
    while True:
        found = window.find(GZIP_MAGIC, search_from)
        if found >= 0:
            return start + found
        more = fh.read(chunk)
        if not more:
            return None
        keep = window[-2:]
        start = start + len(window) - len(keep)
        window = keep + more
        search_from = 0


@dataclass
class ParsedRecord:
    """A record that parsed and whose block digest (when it has one) matches."""

    type: str
    id: str
    target: str | None
    date: str
    headers: dict[str, str]
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes
    warc_headers: Any = field(repr=False, default=None)


class RecordError(ValueError):
    """A record that does not parse, or whose content does not match its digest."""


def parse_record(raw: bytes) -> ParsedRecord:
    """One uncompressed WARC record, checked: complete (Content-Length bytes and the closing CRLF
    pair) and, where it says a block digest, matching it."""
    end = raw.find(b"\r\n\r\n")
    if not raw.startswith(b"WARC/") or end < 0:
        raise RecordError("no WARC header block")
    head = raw[: end + 4]
    lengths = [
        line
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ]
    if not lengths:
        raise RecordError("no Content-Length")
    try:
        length = int(lengths[0].split(b":", 1)[1].strip())
    except ValueError as exc:
        raise RecordError("bad Content-Length") from exc
    block = raw[end + 4 : end + 4 + length]
    if len(block) != length or raw[end + 4 + length :] != b"\r\n\r\n":
        raise RecordError(
            f"block of {len(raw) - end - 4} bytes where {length} + CRLF CRLF were declared"
        )
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(raw), arc2warc=False)))
    except Exception as exc:
        raise RecordError(f"does not parse: {exc}") from exc
    headers = {k: v for k, v in record.rec_headers.headers}
    declared = headers.get("WARC-Block-Digest")
    if declared:
        algo, _, value = declared.partition(":")
        if algo.lower() == "sha1":
            actual = base64.b32encode(hashlib.sha1(block).digest()).decode()
            if actual != value:
                raise RecordError("block digest does not match")
    payload = record.content_stream().read()
    status = None
    http_headers: list[tuple[str, str]] = []
    if record.http_headers is not None:
        try:
            status = int(record.http_headers.get_statuscode())
        except (TypeError, ValueError):
            status = None
        http_headers = list(record.http_headers.headers)
    return ParsedRecord(
        type=record.rec_type,
        id=headers.get("WARC-Record-ID", ""),
        target=headers.get("WARC-Target-URI"),
        date=headers.get("WARC-Date", ""),
        headers=headers,
        http_status=status,
        http_headers=http_headers,
        payload=payload,
        warc_headers=record.rec_headers,
    )


@dataclass(frozen=True)
class Problem:
    """A record that could not be read: where, and why."""

    source: str
    offset: int
    reason: str


def complete_prefix(fh: BinaryIO) -> tuple[int, int, list[Problem]]:
    """Where a file's complete, intact pages end: (end offset, records before it, the problem
    that ends it, if any). A page ends with its metadata record, so a response whose metadata
    was not written is cut too; what follows the end is a record cut short (a crash mid-write) or
    damage."""
    end = 0
    count = 0
    problems: list[Problem] = []
    for seen, member in enumerate(gzip_members(fh), 1):
        if member.data is None:
            problems.append(Problem("", member.offset, member.error or "unreadable"))
            break
        try:
            record = parse_record(member.data)
        except RecordError as exc:
            problems.append(Problem("", member.offset, str(exc)))
            break
        if record.type != "response":
            end = member.offset + member.length
            count = seen
    return end, count, problems


def warc_fields(payload: bytes) -> dict[str, str]:
    """An `application/warc-fields` block as a dict (first value of each name)."""
    fields: dict[str, str] = {}
    for line in payload.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if sep and name:
            fields.setdefault(
                name.decode("utf-8", "replace").strip(), value.decode("utf-8").strip()
            )
    return fields


@dataclass
class ReadResult:
    """What reading archive files gave: the pages in order, and what was skipped."""

    pages: list[FetchedPage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: int = 0
    before_since: int = 0


def iter_pages(
    fh: BinaryIO, source: str, problems: list[Problem], since: datetime | None = None
) -> Iterator[FetchedPage]:
    """The FetchedPage messages archived in one file, in order; a bad record (or a page whose
    records do not agree) is added to `problems` and skipped."""
    responses: dict[str, ParsedRecord] = {}
    for member in gzip_members(fh):
        if member.data is None:
            problems.append(
                Problem(source, member.offset, member.error or "unreadable")
            )
            continue
        try:
            record = parse_record(member.data)
        except RecordError as exc:
            problems.append(Problem(source, member.offset, str(exc)))
            continue
        if record.type == "response":
            responses[record.id] = record
            continue
        if record.type != "metadata":
            continue
        fields = warc_fields(record.payload)
        if PAGE_FIELD not in fields:
            continue  # someone else's metadata
        try:
            data = orjson.loads(fields[PAGE_FIELD])
            concurrent = record.headers.get("WARC-Concurrent-To")
            if concurrent:
                response = responses.pop(concurrent, None)
                if response is None:
                    raise RecordError(
                        f"its response record {concurrent} is missing or unreadable"
                    )
                data["html"] = response.payload.decode(
                    fields.get(CHARSET_FIELD) or "utf-8"
                )
            page = FetchedPage.model_validate(data)
        except Exception as exc:  # noqa: BLE001 - a bad page is reported, never a crash
            problems.append(
                Problem(source, member.offset, f"metadata record: {exc}"[:500])
            )
            continue
        if since is not None and page.fetched_at < since:
            continue
        yield page
    for orphan in responses.values():
        problems.append(
            Problem(source, -1, f"response record {orphan.id} has no metadata record")
        )


def index_file(path: str) -> str:
    """A finished file's CDXJ index, sorted, made by `cdxj-indexer` itself (pywb's indexer): used
    for files the archiver did not finish writing (recovered after a crash)."""
    from cdxj_indexer.main import CDXJIndexer

    out = _Collect()
    CDXJIndexer(output=out, inputs=[path], sort=True).process_all()
    return "".join(out.parts)


class _Collect:
    """A text sink cdxj-indexer may write to (and close)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
