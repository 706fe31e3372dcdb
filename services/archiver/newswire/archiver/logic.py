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

import hashlib
import http
import io
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from newswire.contracts import FetchedPage
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
