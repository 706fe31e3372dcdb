"""atheris target: the tracker's diff (`newswire.tracker.diff.diff_versions`) and the
invariants the revision events rely on.

    python tests/fuzz/fuzz_diff.py -max_total_time=600 tests/fuzz/corpus/diff

Input: UTF-8 (undecodable bytes replaced) `old <RS> new`, each a title line then one paragraph
per line. Crashes: any exception, and a diff whose word operations do not spell the two
paragraphs they pair (the html and unified renderings are built from them).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["newswire"]):
    from newswire.tracker.diff import diff_versions

SEPARATOR = "\x1e"


def _version(text: str) -> tuple[str, list[str]]:
    title, _, body = text.partition("\n")
    return title, [p for p in body.split("\n") if p.strip()]


def check(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    old, _, new = text.partition(SEPARATOR)
    old_title, old_paragraphs = _version(old)
    new_title, new_paragraphs = _version(new)
    d = diff_versions(old_title, old_paragraphs, new_title, new_paragraphs)
    assert 0.0 <= d.similarity <= 1.0, d.similarity
    assert d.words_added >= 0 and d.words_removed >= 0
    for change in d.changes:
        if change.op != "changed":
            continue
        assert change.old_index is not None and change.new_index is not None
        spelt_old = "".join(w.text for w in change.words if w.op in ("equal", "delete"))
        spelt_new = "".join(w.text for w in change.words if w.op in ("equal", "insert"))
        assert spelt_old == old_paragraphs[change.old_index], (spelt_old, old_paragraphs[change.old_index])
        assert spelt_new == new_paragraphs[change.new_index], (spelt_new, new_paragraphs[change.new_index])
    if old_paragraphs == new_paragraphs and old_title == new_title:
        assert not d.changes


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
