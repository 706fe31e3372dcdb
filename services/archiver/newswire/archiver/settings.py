"""Archiver settings."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Literal

from newswire.config import ServiceSettings
from pydantic import Field, PositiveFloat, PositiveInt


class ArchiverSettings(ServiceSettings):
    """Settings of the WARC archiver (NEWSWIRE_*)."""

    archive_dir: Path | None = Field(
        None,
        description="Where WARC files are written and their CDXJ indexes kept; None: <data_dir>/archive. "
        "With archive_url set, only the spool of files not yet uploaded.",
    )
    archive_url: str | None = Field(
        None,
        description="fsspec URL of the store finished files are uploaded to (e.g. s3://bucket/newswire; "
        "needs the 's3' extra); None keeps them in archive_dir.",
    )
    archive_storage_options: dict[str, Any] = Field(
        default_factory=dict,
        description='fsspec storage options as JSON, e.g. {"endpoint_url": '
        '"https://minio.local:9000"} for an S3-compatible store (credentials: the store\'s own variables, '
        "e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).",
    )
    archive_prefix: str = Field(
        "newswire", description="First part of every WARC file name."
    )
    archive_instance: str = Field(
        default_factory=socket.gethostname,
        description="This instance's part of the file names (the pod name in a StatefulSet).",
    )
    archive_max_file_bytes: PositiveInt = Field(
        512 * 1024 * 1024,
        description="A WARC file is finished once it holds this many (compressed) bytes.",
    )
    archive_max_file_age_s: PositiveFloat = Field(
        60.0,
        description="... or once it has been open this long: the longest a page waits to be committed.",
    )
    archive_gzip_level: int = Field(
        6, ge=1, le=9, description="zlib level of each record's gzip member."
    )
    archive_open_files: Literal["recover", "discard"] = Field(
        "recover",
        description="What start-up does with a file a crash left open: recover it (cut after its "
        "last complete record, index it) or discard it (none of its messages was committed: they are read again).",
    )
    archive_replays: bool = Field(
        False,
        description="Archive pages `newswire reprocess` replays too (they are already in the archive).",
    )
    batch_max_pages: PositiveInt = Field(200, description="Most pages in one batch.")
    batch_max_wait_s: PositiveFloat = Field(
        2.0, description="Longest wait to fill a batch once it has a page."
    )
    max_inflight_batches: PositiveInt = Field(
        8,
        description="Batches written at once (the runtime's agent concurrency): a file is also finished when it "
        "holds this many, as no more can arrive before they are committed.",
    )
