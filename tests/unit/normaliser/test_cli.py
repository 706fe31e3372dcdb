"""`newswire extract` and `newswire eval extraction`: the same code path as the stage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli.main import app
from newswire.normaliser import evaluation
from tests.unit.normaliser.pages import eval_dataset, missing
from tests.unit.normaliser.test_logic import BODY, CANONICAL, FINAL, page_html

runner = CliRunner()
DEV = eval_dataset("extraction-dev")


def test_extract_file(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(page_html().encode()))
    result = runner.invoke(app, ["extract", str(path), "--url", FINAL])
    assert result.exit_code == 0, result.output
    article = json.loads(result.stdout)
    assert article["canonical_url"] == CANONICAL and article["paragraphs"] == BODY


def test_extract_jsonl_one_line_per_input_line_in_order() -> None:
    lines = [
        json.dumps({"url": FINAL, "html": page_html()}),
        json.dumps({"url": "https://www.example.com/empty", "html": ""}),
        "not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"html": page_html()}),
        json.dumps({"url": "https://www.example.com/nav", "html": "<html><body><script>var a = 1;</script></body></html>"}),
        json.dumps({"url": FINAL, "html": page_html(title="Second page")}),
    ]
    result = runner.invoke(app, ["extract", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["title"] == "Kerry flies to Geneva for Syria talks"
    assert out[1] == {"error": "no article text", "url": "https://www.example.com/empty"}
    assert out[2]["url"] is None and out[2]["error"].startswith("not JSON")
    assert out[3] == {"error": "empty line", "url": None}
    assert out[4] == {"error": "not a JSON object", "url": None}
    assert out[5] == {"error": "no url", "url": None}
    assert out[6] == {"error": "no article text", "url": "https://www.example.com/nav"}
    assert out[7]["title"] == "Second page" and out[7]["paragraphs"] == BODY
    assert "6 line(s) gave no article" in result.stderr


def test_extract_jsonl_a_crash_is_one_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from newswire.normaliser import logic

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(logic, "normalise_page", boom)
    lines = [json.dumps({"url": FINAL, "html": page_html()})] * 2
    result = runner.invoke(app, ["extract", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == [{"error": "RuntimeError: bug", "url": FINAL}] * 2


def test_extract_needs_url(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(page_html())
    assert runner.invoke(app, ["extract", str(path)]).exit_code == 2


def test_eval_extraction(tmp_path: Path) -> None:
    if DEV is None:
        missing("extraction dev set")
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


def _dataset(root: Path, pages: dict[str, tuple[str, str]]) -> Path:
    """A dataset in the WCXB layout: id -> (title, body) of a labelled page."""
    (root / "html").mkdir(parents=True)
    (root / "ground-truth").mkdir()
    for sid, (title, body) in pages.items():
        html = page_html(title=title, paragraphs=body.split("\n"))
        (root / "html" / f"{sid}.html.gz").write_bytes(gzip.compress(html.encode()))
        label = {"title": title, "author": None, "publish_date": None, "main_content": body}
        (root / "ground-truth" / f"{sid}.json").write_text(json.dumps({"url": f"https://www.example.com/a/{sid}", "ground_truth": label}))
    return root


GERMAN = (
    "Der Außenminister der Vereinigten Staaten reiste am Freitag nach Genf, um mit seinem russischen "
    "Amtskollegen über eine neue Waffenruhe in Syrien zu sprechen.\nDie Gespräche dauerten bis in die Nacht, "
    "und beide Seiten sprachen danach von deutlichen Fortschritten, aber noch nicht von einer Einigung."
)


def test_eval_extraction_by_language_group(tmp_path: Path) -> None:
    english = "\n".join(BODY)
    pages = {f"en{i}": (f"Kerry flies to Geneva, part {i}", english) for i in range(5)}
    pages |= {f"de{i}": (f"Kerry fliegt nach Genf, Teil {i}", GERMAN) for i in range(5)}
    pages["fr0"] = ("Kerry à Genève", "Le secrétaire d'État américain est arrivé à Genève vendredi pour des pourparlers.")
    root = _dataset(tmp_path / "set", pages)
    samples = evaluation.load_dataset(root)
    assert {s.id: s.language for s in samples}["de0"] == "de"
    groups = evaluation.language_groups(samples)
    assert groups["en0"] == "en" and groups["de0"] == "de" and groups["fr0"] == "other"
    result = runner.invoke(app, ["eval", "extraction", str(root), "--json"])
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    assert {g: s["pages"] for g, s in summary["languages"].items()} == {"de": 5, "en": 5, "other": 1}
    # groups come from the whole set: the second half (en0-4, fr0) still pools French as "other"
    half = runner.invoke(app, ["eval", "extraction", str(root), "--half", "2", "--json"])
    (second,) = json.loads(half.stdout)
    assert {g: s["pages"] for g, s in second["languages"].items()} == {"en": 5, "other": 1}
    table = runner.invoke(app, ["eval", "extraction", str(root)])
    assert "by language group" in table.stdout and "other" in table.stdout


def test_eval_extraction_one_language_has_no_group_table(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "set", {"a": ("Kerry flies to Geneva", "\n".join(BODY))})
    result = runner.invoke(app, ["eval", "extraction", str(root), "--json"])
    assert result.exit_code == 0, result.output
    assert "languages" not in json.loads(result.stdout)[0]


def test_a_declared_label_language_wins(tmp_path: Path) -> None:
    root = _dataset(tmp_path / "set", {"a": ("Kerry flies to Geneva", "\n".join(BODY))})
    label = root / "ground-truth" / "a.json"
    doc = json.loads(label.read_text())
    label.write_text(json.dumps({**doc, "language": "EN-gb"}))
    doc["ground_truth"]["author"] = ["Jane Doe", "John Roe"]  # some label sets give a list
    (root / "ground-truth" / "b.json").write_text(json.dumps(doc))
    (root / "html" / "b.html.gz").write_bytes((root / "html" / "a.html.gz").read_bytes())
    a, b = evaluation.load_dataset(root)
    assert a.language == "en-gb" and b.language == "en" and b.author == "Jane Doe, John Roe"


def test_compare_rs_trafilatura(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _dataset(tmp_path / "set", {"a": ("Kerry flies to Geneva", "\n".join(BODY))})
    if evaluation.system_available("rs-trafilatura"):
        result = runner.invoke(app, ["eval", "extraction", str(root), "--compare", "rs-trafilatura", "--json"])
        assert result.exit_code == 0, result.output
        _ours, theirs = json.loads(result.stdout)
        assert theirs["system"] == "rs-trafilatura" and theirs["errors"] == 0 and theirs["f1"] > 0.5
    monkeypatch.setattr(evaluation, "OPTIONAL_SYSTEMS", {"rs-trafilatura": "no_such_module_here"})
    result = runner.invoke(app, ["eval", "extraction", str(root), "--compare", "rs-trafilatura"])
    assert result.exit_code == 2 and "not installed" in result.stderr
