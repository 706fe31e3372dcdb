"""Pure: a fetched page to WARC records and back, record ids, file names and the rotation policy.

Each `FetchedPage` becomes, in one `.warc.gz` file, one gzip member per record (so a file can be
cut at any record boundary and read from any record's offset):

* a `response` record (only for a page with HTML): WARC-Target-URI = the final URL, WARC-Date =
  `fetched_at`, the HTTP status line and the response headers the fetcher keeps (`headers`: its
  selected, lower-case names), then the body: the page's HTML encoded in the charset it was decoded
  from (byte for byte the fetched body whenever that decode was lossless; UTF-8 when the text
  cannot be encoded back in that charset, said in the metadata);
* a `metadata` record (`application/warc-fields`, WARC-Concurrent-To the response): the rest of
  the FetchedPage as one JSON line (`newswire-page`, without `html`) and the body's charset, so
  that `newswire reprocess` rebuilds the very message. A failed or unmodified fetch has only this
  record (WARC-Target-URI = the requested URL): there is no body to keep.

No `request` record: the message does not carry the request headers the fetcher sent, and a
request record made up of what is known would be a guess presented as a capture.

Record ids are deterministic (a UUID from BLAKE2b of the record type, article id, fetch time and
URL), so writing the same message twice writes the same records, and readers can drop the copy.
"""

from __future__ import annotations

import base64
import hashlib
import http
import io
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson
from newswire.contracts import FetchedPage
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

#: Kafka header on the pages `newswire reprocess` replays: the archiver does not archive them again.
REPLAY_HEADER = "newswire-replay"
#: Field of the metadata record holding the page (JSON, without `html`).
PAGE_FIELD = "newswire-page"
#: Field of the metadata record naming the charset of the response record's body.
CHARSET_FIELD = "newswire-body-charset"
WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
CDX_SUFFIX = ".cdxj"
GZIP_MAGIC = b"\x1f\x8b\x08"


# -- ids, dates and names ----------------------------------------------------------------------


def record_id(kind: str, page: FetchedPage) -> str:
    """The deterministic WARC-Record-ID of one record of a page."""
    seed = f"{kind}|{page.article_id}|{page.fetched_at.isoformat()}|{page.final_url}".encode()
    digest = hashlib.blake2b(seed, digest_size=16).digest()
    return f"<urn:uuid:{uuid.UUID(bytes=digest, version=4)}>"


def warc_date(moment: datetime) -> str:
    """WARC-Date (WARC/1.0: UTC, whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_name(prefix: str, opened_at: datetime, serial: int, instance: str) -> str:
    """`<prefix>-<UTC yyyymmddhhmmssffffff>-<serial>-<instance>.warc.gz` (the IIPC convention):
    names sort by time, and instances writing to one store never collide."""
    stamp = opened_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    safe = (
        "".join(c if c.isalnum() or c in "-_." else "_" for c in instance) or "archiver"
    )
    return f"{prefix}-{stamp}-{serial:05d}-{safe}{WARC_SUFFIX}"


# -- building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CdxEntry:
    """What the CDX line of one record needs; `offset` is relative to the blob it is in."""

    url: str
    date: str
    mime: str | None
    status: str | None
    digest: str | None
    offset: int
    length: int


@dataclass(frozen=True)
class PageRecords:
    """A page's records, each a complete gzip member, back to back; and their CDX entries."""

    blob: bytes
    cdx: tuple[CdxEntry, ...]
    records: int


def body_of(page: FetchedPage) -> tuple[bytes, str]:
    """The response body and its charset: the HTML encoded as it was decoded, or UTF-8 when that
    does not give the same text back."""
    html = page.html or ""
    charset = (page.charset or "").strip()
    if charset:
        try:
            body = html.encode(charset)
            if body.decode(charset) == html:
                return body, charset
        except (LookupError, UnicodeError):
            pass
    return html.encode("utf-8"), "utf-8"


def _status_line(status: int | None) -> str:
    code = status or 200
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{code} {phrase}"


def _gzip(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def _write(writer: WARCWriter, record: Any) -> bytes:
    out = io.BytesIO()
    writer.out = out
    writer.write_record(record)
    return out.getvalue()


def page_json(page: FetchedPage) -> bytes:
    """The page without its HTML, as the metadata record holds it."""
    return orjson.dumps(page.model_dump(mode="json", exclude={"html"}))


def build_records(page: FetchedPage, gzip_level: int = 6) -> PageRecords:
    """The WARC records of one fetched page (see the module's docstring)."""
    writer = WARCWriter(io.BytesIO(), gzip=False, warc_version="1.0")
    date = warc_date(page.fetched_at)
    members: list[bytes] = []
    cdx: list[CdxEntry] = []
    offset = 0
    fields = [f"{PAGE_FIELD}: ".encode() + page_json(page)]
    concurrent: dict[str, str] = {}
    if page.html is not None:
        body, charset = body_of(page)
        fields.append(f"{CHARSET_FIELD}: {charset}".encode())
        headers = [(name, value) for name, value in page.headers.items()]
        response_id = record_id("response", page)
        response = writer.create_warc_record(
            str(page.final_url),
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=StatusAndHeaders(
                _status_line(page.status), headers, protocol="HTTP/1.1"
            ),
            warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date},
        )
        member = _gzip(_write(writer, response), gzip_level)
        mime = page.headers.get("content-type")  # the response's own header, as cdxj-indexer reads it
        cdx.append(
            CdxEntry(
                url=str(page.final_url),
                date=date,
                mime=mime.replace(";", " ").split()[0]
                if mime and mime.strip()
                else None,
                status=str(page.status or 200),
                digest=response.rec_headers.get_header("WARC-Payload-Digest"),
                offset=offset,
                length=len(member),
            )
        )
        members.append(member)
        offset += len(member)
        concurrent = {"WARC-Concurrent-To": response_id}
    content = b"\r\n".join(fields) + b"\r\n"
    metadata = writer.create_warc_record(
        str(page.final_url if page.html is not None else page.requested_url),
        "metadata",
        payload=io.BytesIO(content),
        length=len(content),
        warc_content_type="application/warc-fields",
        warc_headers_dict={
            "WARC-Record-ID": record_id("metadata", page),
            "WARC-Date": date,
            **concurrent,
        },
    )
    members.append(_gzip(_write(writer, metadata), gzip_level))
    return PageRecords(blob=b"".join(members), cdx=tuple(cdx), records=len(members))


# -- CDX ---------------------------------------------------------------------------------------


def url_key(url: str) -> str:
    """The SURT form of a URL, the CDX sort key (as cdxj-indexer and pywb make it)."""
    import surt

    try:
        return str(surt.surt(url))
    except Exception:  # noqa: BLE001 - cdxj-indexer keeps the URL as it is then
        return url


def timestamp14(date: str) -> str:
    """A WARC-Date as the 14-digit CDX timestamp."""
    return "".join(c for c in date if c.isdigit())[:14]


def cdx_line(entry: CdxEntry, filename: str, base_offset: int) -> str:
    """One CDXJ line, field for field what `cdxj-indexer` writes for the record."""
    index: dict[str, str] = {"url": entry.url}
    if entry.mime is not None:
        index["mime"] = entry.mime
    if entry.status is not None:
        index["status"] = entry.status
    if entry.digest is not None:
        index["digest"] = entry.digest
    index["length"] = str(entry.length)
    index["offset"] = str(base_offset + entry.offset)
    index["filename"] = filename
    import json

    return f"{url_key(entry.url)} {timestamp14(entry.date)} {json.dumps(index)}\n"


def cdx_text(lines: list[str]) -> str:
    """A file's index: its lines sorted (the order pywb's binary search needs)."""
    return "".join(sorted(lines))


# -- rotation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationPolicy:
    """When the open file is finished: full, old, or holding every batch that can be in flight
    (no more can arrive until those are committed, and they are only once it is finished)."""

    max_bytes: int
    max_age_s: float
    max_batches: int

    def close_reason(self, size: int, age_s: float, batches: int) -> str | None:
        if size >= self.max_bytes:
            return "size"
        if batches >= self.max_batches:
            return "batches"
        if age_s >= self.max_age_s:
            return "age"
        return None


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
