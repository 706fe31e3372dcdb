"""The archiver's pure logic: records of a page and back, CDX lines (against cdxj-indexer itself),
the rotation policy, and reading damaged or truncated files."""

from __future__ import annotations

import io
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from newswire.archiver.logic import CHARSET_FIELD, PAGE_FIELD, RotationPolicy, build_records, cdx_line, cdx_text, file_name, record_id
from newswire.archiver.reading import complete_prefix, index_file, iter_pages, parse_record, warc_fields
from newswire.contracts import FetchedPage
from newswire.contracts.ids import article_id
from warcio.archiveiterator import ArchiveIterator

from tests.factories import T0, fetched_page


def page(n: int, **changes: object) -> FetchedPage:
    url = f"https://news.example.org/world/{n}?x=1"
    base = fetched_page().model_dump()
    return FetchedPage.model_validate(
        {
            **base, "article_id": article_id(url), "requested_url": url, "final_url": url,
            "fetched_at": T0 + timedelta(seconds=n), "html": f"<html><body><p>Story {n} é</p></body></html>",
            **changes,
        }
    )


class Rec:
    """A record read with its payload (warcio's records are read lazily)."""

    def __init__(self, record: object) -> None:
        self.rec_type = record.rec_type  # type: ignore[attr-defined]
        self.rec_headers = record.rec_headers  # type: ignore[attr-defined]
        self.http_headers = record.http_headers  # type: ignore[attr-defined]
        self.payload = record.content_stream().read()  # type: ignore[attr-defined]


def records_of(blob: bytes) -> list[Rec]:
    return [Rec(r) for r in ArchiveIterator(io.BytesIO(blob))]


def read_back(blob: bytes) -> tuple[list[FetchedPage], list[str]]:
    problems: list = []
    pages = list(iter_pages(io.BytesIO(blob), "test", problems))
    return pages, [p.reason for p in problems]


def test_a_page_is_a_response_and_a_metadata_record() -> None:
    p = page(1, headers={"content-type": "text/html; charset=utf-8", "etag": '"v1"'}, status=200)
    records = records_of(build_records(p).blob)
    assert [r.rec_type for r in records] == ["response", "metadata"]
    response, metadata = records
    assert response.rec_headers.get_header("WARC-Target-URI") == str(p.final_url)
    assert response.rec_headers.get_header("WARC-Date") == "2016-09-08T10:00:01Z"
    assert response.rec_headers.get_header("WARC-Record-ID") == record_id("response", p)
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("etag") == '"v1"'
    assert response.payload == p.html.encode("utf-8")  # type: ignore[union-attr]
    assert metadata.rec_headers.get_header("WARC-Concurrent-To") == record_id("response", p)
    assert metadata.rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = warc_fields(metadata.payload)
    assert set(fields) == {PAGE_FIELD, CHARSET_FIELD} and '"html"' not in fields[PAGE_FIELD]


def test_records_are_deterministic_and_round_trip() -> None:
    p = page(2)
    assert build_records(p).blob == build_records(p).blob  # same message, same bytes, same ids
    assert record_id("response", p) != record_id("response", page(3))
    assert read_back(build_records(p).blob) == ([p], [])


def test_the_body_keeps_the_page_charset_or_falls_back_to_utf8() -> None:
    latin = page(4, charset="windows-1252", html="<p>café – naïve</p>")
    blob = build_records(latin).blob
    response = records_of(blob)[0]
    assert response.payload == "<p>café – naïve</p>".encode("windows-1252")
    assert read_back(blob)[0] == [latin]
    # text the declared charset cannot hold (decoded with replacements, or mislabelled): UTF-8
    odd = page(5, charset="iso-8859-1", html="<p>€ \ufffd 漢字</p>")
    assert read_back(build_records(odd).blob)[0] == [odd]
    unknown = page(6, charset="x-no-such-charset")
    assert read_back(build_records(unknown).blob)[0] == [unknown]


def test_a_failed_fetch_is_a_metadata_record_only() -> None:
    failed = page(7, outcome="failed", failure="not_found", status=404, html=None, charset=None)
    records = records_of(build_records(failed).blob)
    assert [r.rec_type for r in records] == ["metadata"]
    assert records[0].rec_headers.get_header("WARC-Target-URI") == str(failed.requested_url)
    assert read_back(build_records(failed).blob) == ([failed], [])


def test_cdx_lines_are_what_cdxj_indexer_writes(tmp_path: Path) -> None:
    pages = [page(n) for n in range(10)] + [page(20, status=None, headers={})]
    pages.append(page(21, outcome="failed", failure="timeout", html=None))
    name = file_name("newswire", T0, 1, "pod-0")
    path = tmp_path / name
    lines: list[str] = []
    with open(path, "wb") as fh:
        for p in pages:
            records = build_records(p)
            base = fh.tell()
            fh.write(records.blob)
            lines.extend(cdx_line(entry, name, base) for entry in records.cdx)
    assert cdx_text(lines) == index_file(str(path))
    assert len(lines) == 11  # the failure has no capture to replay
    assert cdx_text(lines).splitlines()[0].startswith("org,example,news)/world/0?x=1 20160908100000 {")


def test_file_names_sort_by_time_and_never_collide() -> None:
    a = file_name("newswire", T0, 1, "archiver-0")
    b = file_name("newswire", T0 + timedelta(microseconds=1), 2, "archiver-0")
    assert a == "newswire-20160908100000000000-00001-archiver-0.warc.gz"
    assert a < b and file_name("newswire", T0, 1, "host/x y") == "newswire-20160908100000000000-00001-host_x_y.warc.gz"


def test_rotation_by_size_age_and_batches() -> None:
    policy = RotationPolicy(max_bytes=1000, max_age_s=60, max_batches=4)
    assert policy.close_reason(999, 59.9, 3) is None
    assert policy.close_reason(1000, 0, 1) == "size"
    assert policy.close_reason(10, 60, 1) == "age"
    assert policy.close_reason(10, 1, 4) == "batches"


def blob_of(n: int) -> bytes:
    return b"".join(build_records(page(i)).blob for i in range(n))


def test_a_file_cut_mid_record_is_complete_up_to_its_last_whole_record() -> None:
    whole = blob_of(5)
    ends = []
    for i in range(5):
        ends.append(sum(len(build_records(page(j)).blob) for j in range(i + 1)))
    for cut in (ends[3] + 1, ends[3] + 40, ends[4] - 1):
        end, records, problems = complete_prefix(io.BytesIO(whole[:cut]))
        assert end == ends[3] and records == 8, cut
        assert problems and problems[0].reason == "truncated"
    assert complete_prefix(io.BytesIO(whole))[:2] == (ends[4], 10)
    # the kept prefix reads back as the first four pages
    assert read_back(whole[: ends[3]]) == ([page(i) for i in range(4)], [])


def test_a_corrupt_record_is_reported_and_skipped() -> None:
    blobs = [build_records(page(i)).blob for i in range(4)]
    damaged = bytearray(blobs[1])
    damaged[len(damaged) // 3] ^= 0xFF  # a flipped byte in page 1's response member
    pages, problems = read_back(blobs[0] + bytes(damaged) + blobs[2] + b"garbage" + blobs[3])
    assert [p.fetched_at for p in pages] == [page(i).fetched_at for i in (0, 2, 3)]
    assert problems and any("not a gzip member" in p for p in problems)
    assert any("response record" in p or "gzip" in p or "digest" in p for p in problems)


def test_a_record_whose_content_was_altered_fails_its_digest() -> None:
    raw = zlib.decompress(build_records(page(1)).blob[: build_records(page(1)).cdx[0].length], zlib.MAX_WBITS + 16)
    assert parse_record(raw).type == "response"
    altered = raw.replace(b"Story 1", b"Story 9")
    with pytest.raises(ValueError, match="digest"):
        parse_record(altered)
    with pytest.raises(ValueError, match="declared"):
        parse_record(raw[:-10])


def test_since_filters_by_fetch_time() -> None:
    problems: list = []
    got = list(iter_pages(io.BytesIO(blob_of(5)), "t", problems, since=T0 + timedelta(seconds=3)))
    assert [p.fetched_at for p in got] == [T0 + timedelta(seconds=3), T0 + timedelta(seconds=4)]
