"""`newswire diff OLD.txt NEW.txt`: the three formats, through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newswire.tracker.diff_cmd import paragraphs_of
from newswire.cli.main import app

OLD = "Lede stays.\n\nJabhat Fatah al-Sham is linked to al-Qaeda.\n\nThe end.\n"
NEW = "Lede stays.\n\nJabhat Fateh al-Sham is linked to al-Qaida.\n\nThe end.\n\nA new paragraph.\n"


def _files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "old.txt").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.txt").write_text(NEW, encoding="utf-8")
    return str(tmp_path / "old.txt"), str(tmp_path / "new.txt")


def test_paragraphs_of() -> None:
    assert paragraphs_of("a\nb\n") == ["a", "b"]
    assert paragraphs_of("one\nline\n\n two \r\n\r\nthree") == ["one line", "two", "three"]


def test_formats(tmp_path: Path) -> None:
    old, new = _files(tmp_path)
    runner = CliRunner()
    unified = runner.invoke(app, ["diff", old, new])
    assert unified.exit_code == 0, unified.output
    assert "-Jabhat Fatah al-Sham is linked to al-Qaeda.\n" in unified.output
    assert "+A new paragraph.\n" in unified.output
    body = json.loads(runner.invoke(app, ["diff", old, new, "--format", "json"]).output)
    assert [(c["op"], c["old_index"], c["new_index"]) for c in body["changes"]] == [
        ("changed", 1, 1), ("added", None, 3),
    ]
    assert {"op": "delete", "text": "Fatah"} in body["changes"][0]["words"]
    assert body["stats"]["paragraphs_added"] == 1 and body["stats"]["words_removed"] == 2
    html = runner.invoke(app, ["diff", old, new, "-f", "html"]).output
    assert "<del>Fatah</del><ins>Fateh</ins>" in html and '<p class="added"><ins>A new paragraph.</ins></p>' in html
    assert runner.invoke(app, ["diff", old, str(tmp_path / "missing.txt")]).exit_code != 0
