"""`newswire diff OLD.txt NEW.txt`: the tracker's diff of two texts (the service's own code)."""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path

import typer

from newswire.tracker.diff import VersionDiff, diff_versions

_BLANK_LINE = re.compile(r"\n\s*\n")


class Format(str, Enum):
    """Output formats."""

    unified = "unified"
    json = "json"
    html = "html"


def paragraphs_of(text: str) -> list[str]:
    """Paragraphs of a plain text: blocks separated by blank lines; a text without blank lines
    has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")
    return [" ".join(b.split()) for b in blocks if b.strip()]


def as_json(d: VersionDiff) -> str:
    """The diff as JSON: the structured changes and the stats."""
    changes = [c.model_dump(mode="json", exclude={"schema_version"}) for c in d.changes]
    for c in changes:
        for w in c["words"]:
            w.pop("schema_version", None)
    body = {
        "changes": changes,
        "stats": {
            "words_added": d.words_added,
            "words_removed": d.words_removed,
            "paragraphs_added": d.paragraphs_added,
            "paragraphs_removed": d.paragraphs_removed,
            "paragraphs_changed": d.paragraphs_changed,
            "similarity": d.similarity,
        },
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def diff(
    old: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The old text."),
    new: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The new text."),
    format: Format = typer.Option(Format.unified, "--format", "-f", help="unified, json or html."),
) -> None:
    """Print the diff of two texts: paragraphs aligned, then word operations inside changed ones."""
    a = paragraphs_of(old.read_text(encoding="utf-8", errors="replace"))
    b = paragraphs_of(new.read_text(encoding="utf-8", errors="replace"))
    d = diff_versions(None, a, None, b, old_label=str(old), new_label=str(new))
    if format is Format.json:
        typer.echo(as_json(d))
    elif format is Format.html:
        typer.echo(d.html)
    else:
        typer.echo(d.unified, nl=False)
