"""`newswire reprocess` without Kafka (--dry-run): files and directories, duplicates replayed once,
--since, and bad input (a corrupt record, a file that is not a WARC, a missing file) reported and
skipped, never a crash."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from newswire.archiver.logic import build_records
from newswire.cli.main import app
from newswire.archiver.reprocess_cmd import Replay, archived_pages
from tests.factories import T0
from tests.unit.archiver.test_logic import page


def write(path: Path, numbers: list[int]) -> None:
    path.write_bytes(b"".join(build_records(page(n)).blob for n in numbers))


def test_pages_come_once_in_file_order_with_problems_reported(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    write(tmp_path / "d" / "a-1.warc.gz", [0, 1, 2])
    write(tmp_path / "d" / "a-2.warc.gz", [2, 3])  # page 2 archived twice (a batch read again)
    broken = bytearray(b"".join(build_records(page(n)).blob for n in (4, 5)))
    broken[40] ^= 0xFF
    (tmp_path / "d" / "a-3.warc.gz").write_bytes(bytes(broken))
    (tmp_path / "notes.warc.gz").write_bytes(b"this is not a WARC file at all")
    replay = Replay()
    got = list(archived_pages([tmp_path / "d", tmp_path / "notes.warc.gz", tmp_path / "gone.warc.gz"], None, replay))
    assert [p for _, p in got] == [page(n) for n in (0, 1, 2, 3, 5)]
    assert replay.duplicates == 1 and replay.files == 5
    sources = sorted({Path(p.source).name for p in replay.problems})
    assert sources == ["a-3.warc.gz", "gone.warc.gz", "notes.warc.gz"], replay.problems


def test_the_command_reports_and_skips(tmp_path: Path) -> None:
    write(tmp_path / "a.warc.gz", [0, 1, 2, 3])
    (tmp_path / "b.warc.gz").write_bytes(build_records(page(4)).blob[:-30])
    result = CliRunner().invoke(app, ["reprocess", str(tmp_path), "--dry-run", "--since", (T0 + timedelta(seconds=2)).isoformat()])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    # b: its metadata record cut short, so its response stands alone: two reports, no page
    assert summary["would_replay"] == 2 and summary["corrupt_skipped"] == 2 and summary["files"] == 2
    assert "truncated" in result.stderr and "has no metadata record" in result.stderr
