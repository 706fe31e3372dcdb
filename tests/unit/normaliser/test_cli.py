"""`newswire extract` and `newswire eval extraction`: the same code path as the stage."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli.main import app
from tests.unit.normaliser.test_logic import BODY, CANONICAL, FINAL, page_html

runner = CliRunner()
DEV = Path(os.environ.get("NEWSWIRE_EXTRACTION_DEV", "/work/shared/eval/extraction-dev"))


def test_extract_file(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(page_html().encode()))
    result = runner.invoke(app, ["extract", str(path), "--url", FINAL])
    assert result.exit_code == 0, result.output
    article = json.loads(result.stdout)
    assert article["canonical_url"] == CANONICAL and article["paragraphs"] == BODY


def test_extract_jsonl() -> None:
    lines = [
        json.dumps({"url": FINAL, "html": page_html()}),
        json.dumps({"url": "https://www.example.com/empty", "html": ""}),
        "not json",
    ]
    result = runner.invoke(app, ["extract", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert out[0]["title"] == "Kerry flies to Geneva for Syria talks"
    assert out[1] == {"url": "https://www.example.com/empty", "error": "no article text"}


def test_extract_needs_url(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(page_html())
    assert runner.invoke(app, ["extract", str(path)]).exit_code == 2


def test_eval_extraction(tmp_path: Path) -> None:
    if not (DEV / "ground-truth").is_dir():
        pytest.skip("extraction dev set not found (NEWSWIRE_EXTRACTION_DEV)")
    out = tmp_path / "pages.jsonl"
    result = runner.invoke(
        app, ["eval", "extraction", str(DEV), "--compare", "trafilatura", "--limit", "3", "--json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summaries = {s["system"]: s for s in json.loads(result.stdout)}
    assert set(summaries) == {"newswire", "trafilatura"}
    for s in summaries.values():
        assert s["pages"] == 3 and 0.5 < s["f1"] <= 1.0 and s["cpu_ms_mean"] > 0
    assert len(out.read_text().splitlines()) == 6
    assert runner.invoke(app, ["eval", "extraction", str(DEV), "--compare", "nope"]).exit_code == 2
    assert runner.invoke(app, ["eval", "extraction", str(tmp_path)]).exit_code == 2
