"""Real article fixtures (seed texts and a two-version article), found at run time; and the
labelled evaluation sets (``../shared/eval``).

The fixtures live beside the repository (``<repo root>/../shared/fixtures``); a copy of the five
seed texts and the Guardian revision pair (about 30 kB) ships in the package
(``newswire/farm/data``), so a clone without ``../shared`` still has them. Lookup order: an
explicit directory, ``$NEWSWIRE_FIXTURES_DIR``, then ``shared/fixtures`` next to any ancestor of
this module's file or of the working directory, then the packaged copy.

The evaluation sets are not packaged (tens of MB): ``locate_eval`` finds them through
``$NEWSWIRE_EVAL_DIR``, then ``shared/eval`` next to any ancestor, as above.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ENV_VAR",
    "EVAL_ENV_VAR",
    "PACKAGED_FIXTURES",
    "FixtureSet",
    "RevisionArticle",
    "SeedArticle",
    "load_fixtures",
    "load_revision",
    "load_seed",
    "locate_eval",
    "locate_fixtures",
]

ENV_VAR = "NEWSWIRE_FIXTURES_DIR"
#: The directory of the labelled evaluation sets (holding ``extraction-dev/`` and the others).
EVAL_ENV_VAR = "NEWSWIRE_EVAL_DIR"
#: The copy of the seed texts and revision pair that ships in the package (the last resort).
PACKAGED_FIXTURES = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class SeedArticle:
    """A real article text: first line the headline, every other non-blank line a paragraph."""

    name: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class RevisionArticle:
    """A real article that changed: its versions' paragraphs and which paragraphs differ."""

    name: str
    source: str
    url: str
    title: str
    minutes_between: float
    versions: tuple[tuple[str, ...], ...]
    changed_paragraph_indexes: tuple[int, ...]


@dataclass(frozen=True)
class FixtureSet:
    """What was found: the directory (or None), the seeds and revisions, and a human note."""

    dir: Path | None
    seeds: tuple[SeedArticle, ...] = ()
    revisions: tuple[RevisionArticle, ...] = ()
    note: str = ""
    errors: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        """True when a fixtures directory was located."""
        return self.dir is not None


def _looks_like_fixtures(path: Path) -> bool:
    return path.is_dir() and ((path / "seeds").is_dir() or (path / "revisions").is_dir())


def _ancestors(start: Path) -> Iterator[Path]:
    yield start
    yield from start.parents


def _shared_dirs(name: str) -> list[Path]:
    """``shared/<name>`` next to every ancestor of this module's file and of the working directory."""
    out: list[Path] = []
    starts: Iterable[Path] = (Path(__file__).resolve().parent, Path.cwd().resolve())
    for start in starts:
        for anc in _ancestors(start):
            cand = anc / "shared" / name
            if cand not in out:
                out.append(cand)
    return out


def candidate_dirs(explicit: Path | str | None = None) -> list[Path]:
    """Directories that are tried, in order (the packaged copy last)."""
    out: list[Path] = []
    if explicit is not None:
        out.append(Path(explicit))
    env = os.environ.get(ENV_VAR)
    if env:
        out.append(Path(env))
    out += [c for c in _shared_dirs("fixtures") if c not in out]
    out.append(PACKAGED_FIXTURES)
    return out


def locate_fixtures(explicit: Path | str | None = None) -> Path | None:
    """The fixtures directory, or None when absent.

    An explicit directory or ``$NEWSWIRE_FIXTURES_DIR`` that does not exist is not silently
    replaced by a walked-up one or the packaged copy: it yields None. Without either, the first
    ``shared/fixtures`` found walking up, else the copy in the package.
    """
    if explicit is not None:
        p = Path(explicit)
        return p if _looks_like_fixtures(p) else None
    env = os.environ.get(ENV_VAR)
    if env:
        p = Path(env)
        return p if _looks_like_fixtures(p) else None
    for cand in candidate_dirs():
        if _looks_like_fixtures(cand):
            return cand
    return None


def locate_eval(dataset: str | None = None) -> Path | None:
    """The evaluation directory (``../shared/eval``), or one dataset in it (``"extraction-dev"``),
    or None when absent. ``$NEWSWIRE_EVAL_DIR`` wins and is never replaced by a walked-up one."""
    env = os.environ.get(EVAL_ENV_VAR)
    roots = [Path(env)] if env else _shared_dirs("eval")
    for root in roots:
        found = root / dataset if dataset else root
        if found.is_dir():
            return found
    return None


def load_seed(path: Path) -> SeedArticle:
    """Read one seed text as is: no cleaning, blank lines only separate paragraphs."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise ValueError(f"empty seed file: {path}")
    return SeedArticle(name=path.name, title=lines[0], paragraphs=tuple(lines[1:]))


def load_revision(path: Path) -> RevisionArticle:
    """Read one multi-version article (JSON with ``versions[{version, paragraphs}]``)."""
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    versions = sorted(raw["versions"], key=lambda v: int(v["version"]))
    return RevisionArticle(
        name=path.name,
        source=str(raw.get("source", "")),
        url=str(raw.get("url", "")),
        title=str(raw["title"]),
        minutes_between=float(raw.get("minutes_between", 0)),
        versions=tuple(tuple(str(p) for p in v["paragraphs"]) for v in versions),
        changed_paragraph_indexes=tuple(int(i) for i in raw.get("changed_paragraph_indexes", ())),
    )


def load_fixtures(explicit: Path | str | None = None, *, enabled: bool = True) -> FixtureSet:
    """Locate and load every fixture; never raises for a missing directory."""
    if not enabled:
        return FixtureSet(dir=None, note="fixtures disabled: generated articles only")
    root = locate_fixtures(explicit)
    if root is None:
        where = explicit or os.environ.get(ENV_VAR) or "<repo root>/../shared/fixtures"
        return FixtureSet(dir=None, note=f"fixtures not found ({where}): generated articles only")
    seeds: list[SeedArticle] = []
    revisions: list[RevisionArticle] = []
    errors: list[str] = []
    for path in sorted((root / "seeds").glob("*.txt")) if (root / "seeds").is_dir() else []:
        try:
            seeds.append(load_seed(path))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            errors.append(f"{path.name}: {exc}")
    rev_dir = root / "revisions"
    for path in sorted(rev_dir.glob("*.json")) if rev_dir.is_dir() else []:
        try:
            revisions.append(load_revision(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            errors.append(f"{path.name}: {exc}")
    note = f"{len(seeds)} seed texts and {len(revisions)} revision articles from {root}"
    return FixtureSet(
        dir=root, seeds=tuple(seeds), revisions=tuple(revisions), note=note, errors=tuple(errors)
    )
