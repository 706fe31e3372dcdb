"""Dockerfile and .dockerignore: static checks (no Docker engine is needed, or assumed)."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            result.append((keyword.upper(), args.strip()))
    return result


def args_of(keyword: str) -> list[str]:
    """Arguments of every instruction with this keyword, in order."""
    return [args for kw, args in instructions() if kw == keyword]


def test_based_on_python_311_slim() -> None:
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in " ".join(f"{k} {a}" for k, a in instructions())
    assert all(a.startswith("${PYTHON_IMAGE}") for a in args_of("FROM"))


def test_installs_the_project_with_the_constraints() -> None:
    """The chosen stages' dependencies first (from their pyproject.toml files alone), then the
    shared library and those stages; never the development tooling."""
    runs = " ".join(args_of("RUN"))
    assert "stage_requirements.py $STAGES" in runs
    assert "pip install -c constraints.txt -r /tmp/requirements.txt" in runs
    assert "pip install -c constraints.txt ./shared $(for stage in $STAGES; do echo ./services/$stage; done)" in runs
    assert "devtools" not in " ".join(copy_sources())
    default = next(a for a in args_of("ARG") if a.startswith("STAGES="))
    stages = set(default.partition("=")[2].strip('"').split())
    assert stages == {p.name for p in (REPO / "services").iterdir() if (p / "pyproject.toml").exists()}
    for stage in stages:  # each stage's pyproject.toml is in the dependency layer
        assert f"services/{stage}/pyproject.toml" in copy_sources()


def test_stage_requirements_leave_out_the_other_stages_dependencies() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("stage_requirements", REPO / "deploy" / "docker" / "stage_requirements.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    poller = module.requirements(REPO, ["poller"], {})
    assert any(r.startswith("feedparser") for r in poller) and any(r.startswith("faust-streaming") for r in poller)
    assert not any(r.startswith(("spacy", "trafilatura", "warcio")) for r in poller)
    assert not any(r.startswith("newswire") for r in poller)
    archiver = module.requirements(REPO, ["archiver"], {"archiver": ["s3"]})
    assert any(r.startswith("s3fs") for r in archiver)
    assert any(r.startswith("spacy") for r in module.requirements(REPO, ["enricher"], {}))


def test_runs_the_cli_as_a_non_root_user_with_a_state_volume() -> None:
    users = args_of("USER")
    assert users and not users[-1].startswith(("root", "0"))
    assert json.loads(args_of("ENTRYPOINT")[-1]) == ["newswire"]
    assert json.loads(args_of("CMD")[-1]) == ["--help"]
    assert json.loads(args_of("VOLUME")[-1]) == ["/var/lib/newswire"]
    assert "NEWSWIRE_DATA_DIR=/var/lib/newswire" in " ".join(args_of("ENV"))


def copy_sources() -> list[str]:
    """Sources of the COPY instructions that read the build context (not another stage)."""
    sources: list[str] = []
    for args in args_of("COPY"):
        if args.startswith("--from"):
            continue
        sources.extend(args.split()[:-1])
    return sources


def test_copied_sources_exist_and_are_not_dockerignored() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    sources = copy_sources()
    assert {
        "constraints.txt",
        "shared/pyproject.toml",
        "shared/",
        "services/",
        "deploy/",
        "deploy/docker/stage_requirements.py",
    } <= set(sources)
    for source in sources:
        name = source.rstrip("/")
        assert (REPO / name).exists(), f"COPY source {source} is missing from the repo"
        ignored = [p for p in patterns if fnmatch.fnmatch(name, p.lstrip("/").removeprefix("**/"))]
        assert not ignored, f"COPY source {source} is excluded by .dockerignore {ignored}"


def test_dockerignore_keeps_the_local_clutter_out() -> None:
    patterns = set(DOCKERIGNORE.read_text(encoding="utf-8").split())
    assert {".venv", ".git", "bench", "tests", ".mypy_cache", ".pytest_cache"} <= patterns
