"""The seed texts and the Guardian revision pair ship in the package, so a clone without
`../shared` still has them; `../shared` (or `$NEWSWIRE_FIXTURES_DIR`) wins when it is there. The
evaluation sets are found the same way (`$NEWSWIRE_EVAL_DIR`, then `../shared/eval`), never
through an absolute path."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from newswire.farm import fixtures
from newswire.farm.fixtures import (
    ENV_VAR, EVAL_ENV_VAR, PACKAGED_FIXTURES, load_fixtures, locate_eval, locate_fixtures,
)

REPO = Path(__file__).resolve().parents[3]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for sub in ("seeds", "revisions") for p in sorted((root / sub).glob("*")) if p.is_file()
    }


def test_the_package_carries_the_seeds_and_the_guardian_pair() -> None:
    files = _files(PACKAGED_FIXTURES)
    assert sorted(files) == sorted(
        [f"seeds/{n}" for n in (
            "000_e6f94526a2d183d6.txt", "001_8445f86a0271d59f.txt", "002_20600e4e88dabd52.txt",
            "003_a6ae5f1864f4c7cd.txt", "004_0444e2542ab438d3.txt",
        )] + ["revisions/guardian-kerry-lavrov.json"]
    )
    assert sum(len(b) for b in files.values()) < 64_000  # small: a few tens of kB


def test_the_packaged_copy_matches_shared_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    shared = next((d for d in fixtures._shared_dirs("fixtures") if (d / "seeds").is_dir()), None)
    if shared is None:
        pytest.skip("no ../shared/fixtures to compare with")
    assert _files(PACKAGED_FIXTURES) == _files(shared)


def test_without_shared_the_packaged_copy_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(fixtures, "_shared_dirs", lambda name: [])
    assert locate_fixtures() == PACKAGED_FIXTURES
    fx = load_fixtures()
    assert fx.found and len(fx.seeds) == 5 and not fx.errors
    (rev,) = fx.revisions
    assert rev.changed_paragraph_indexes == (5, 6, 7) and len(rev.versions) == 2


def test_shared_fixtures_win_over_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    shared = tmp_path / "shared" / "fixtures"
    (shared / "seeds").mkdir(parents=True)
    monkeypatch.setattr(fixtures, "_shared_dirs", lambda name: [tmp_path / "shared" / name])
    assert locate_fixtures() == shared
    # the environment variable wins over both, and a wrong one is not replaced by either
    other = tmp_path / "elsewhere"
    (other / "revisions").mkdir(parents=True)
    monkeypatch.setenv(ENV_VAR, str(other))
    assert locate_fixtures() == other
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    assert locate_fixtures() is None


def test_package_data_declares_the_fixture_files() -> None:
    config = tomllib.loads((REPO / "devtools" / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["newswire.farm"]
    data = REPO / "devtools" / "newswire" / "farm"
    shipped = {p for pattern in patterns for p in data.glob(pattern) if p.is_file()}
    assert {p for p in PACKAGED_FIXTURES.rglob("*") if p.is_file()} <= shipped


def test_locate_eval(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "eval" / "extraction-dev").mkdir(parents=True)
    monkeypatch.setenv(EVAL_ENV_VAR, str(tmp_path / "eval"))
    assert locate_eval() == tmp_path / "eval"
    assert locate_eval("extraction-dev") == tmp_path / "eval" / "extraction-dev"
    assert locate_eval("stories-dev") is None
    monkeypatch.setenv(EVAL_ENV_VAR, str(tmp_path / "nope"))
    assert locate_eval() is None  # a wrong variable is not replaced by a walked-up directory
    monkeypatch.delenv(EVAL_ENV_VAR)
    monkeypatch.setattr(fixtures, "_shared_dirs", lambda name: [tmp_path / "x" / name, tmp_path / name])
    assert locate_eval("extraction-dev") == tmp_path / "eval" / "extraction-dev"
