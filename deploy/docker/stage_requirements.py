"""The third-party requirements of the shared library and the given stages, one per line, for the
image's dependency layer (the Dockerfile): `python stage_requirements.py poller fetcher ...`.

EXTRAS (environment) adds a stage's extras, as stage:extra pairs ("archiver:s3")."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path


def requirements(root: Path, stages: list[str], extras: dict[str, list[str]]) -> list[str]:
    """Dependencies of shared/ and services/<stage>/ (and the named extras), our own left out."""
    found: list[str] = []
    for name, folder in [("shared", root / "shared")] + [(s, root / "services" / s) for s in stages]:
        project = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))["project"]
        wanted = list(project["dependencies"])
        for extra in extras.get(name, []):
            wanted += project.get("optional-dependencies", {})[extra]
        found += [d for d in wanted if not d.startswith("newswire") and d not in found]
    return found


def main() -> None:
    extras: dict[str, list[str]] = {}
    for pair in os.environ.get("EXTRAS", "").split():
        stage, _, extra = pair.partition(":")
        extras.setdefault(stage, []).append(extra)
    print("\n".join(requirements(Path.cwd(), sys.argv[1:], extras)))


if __name__ == "__main__":
    main()
