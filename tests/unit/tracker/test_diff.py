"""The pure diff: the Guardian golden pair, and small hand-made cases.

The golden file keeps the structured changes of the real Guardian revision. The fixture text
stays outside the repository, so `equal` word ops are kept as their length and digest (which pin
them as exactly as the text would); inserted and deleted words are kept as they are. Regenerate
with NEWSWIRE_UPDATE_GOLDEN=1 (then review the diff of the golden file by hand).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from newswire.contracts import ParagraphChange
from newswire.farm.fixtures import RevisionArticle
from newswire.tracker.diff import align, diff_paragraphs, diff_versions, tokenize, word_ops

GOLDEN = Path(__file__).parent / "golden" / "guardian.diff.json"


def _golden_form(changes: tuple[ParagraphChange, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for change in changes:
        words: list[dict[str, Any]] = []
        for w in change.words:
            if w.op == "equal":
                digest = hashlib.blake2b(w.text.encode(), digest_size=8).hexdigest()
                words.append({"op": "equal", "len": len(w.text), "blake2b": digest})
            else:
                words.append({"op": w.op, "text": w.text})
        out.append(
            {"op": change.op, "old_index": change.old_index, "new_index": change.new_index, "words": words}
        )
    return out


def _ops(change: ParagraphChange, op: str) -> list[str]:
    return [w.text.strip() for w in change.words if w.op == op]


def test_guardian_golden(guardian: RevisionArticle) -> None:
    old, new = guardian.versions[0], guardian.versions[1]
    changes = diff_paragraphs(old, new)
    form = _golden_form(changes)
    if os.environ.get("NEWSWIRE_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(form, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert form == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_guardian_changed_paragraphs_and_words(guardian: RevisionArticle) -> None:
    old, new = guardian.versions[0], guardian.versions[1]
    changes = diff_paragraphs(old, new)
    assert [c.op for c in changes] == ["changed"] * 3
    assert [c.old_index for c in changes] == list(guardian.changed_paragraph_indexes) == [5, 6, 7]
    assert [c.new_index for c in changes] == [5, 6, 7]
    p5, p6, p7 = changes
    assert _ops(p5, "delete") == ["Fatah", "al-Qaeda"]
    assert _ops(p5, "insert") == ["Fateh", "formerly the Nusra front", "al-Qaida"]
    assert _ops(p6, "delete") == ["it was"] and _ops(p6, "insert") == []
    assert _ops(p7, "delete") == ["..."] and _ops(p7, "insert") == []
    # the ops spell both versions exactly
    for c in changes:
        assert c.old_index is not None and c.new_index is not None
        assert "".join(w.text for w in c.words if w.op != "insert") == old[c.old_index]
        assert "".join(w.text for w in c.words if w.op != "delete") == new[c.new_index]


def test_guardian_version_diff(guardian: RevisionArticle) -> None:
    old, new = guardian.versions[0], guardian.versions[1]
    d = diff_versions(guardian.title, old, guardian.title, new, old_label="v1", new_label="v2")
    assert (d.paragraphs_changed, d.paragraphs_added, d.paragraphs_removed) == (3, 0, 0)
    assert not d.title_changed and not d.lede_changed
    assert d.words_added == 6  # Fateh + formerly the Nusra front + al-Qaida
    assert d.words_removed == 5  # Fatah + al-Qaeda + it was + ...
    assert 0.95 < d.similarity < 1.0
    assert d.unified.startswith("--- v1\n+++ v2\n")
    assert "-" + old[5] + "\n" in d.unified and "+" + new[5] + "\n" in d.unified
    assert "<del>Fatah</del><ins>Fateh</ins>" in d.html
    assert "<ins> formerly the Nusra front</ins>" in d.html
    assert "&ldquo;" not in d.html and "“killing Syrians daily”" in d.html


def test_title_only_change() -> None:
    paragraphs = ["First paragraph here.", "Second one."]
    d = diff_versions("Old headline", paragraphs, "New headline", list(paragraphs))
    assert d.changes == () and d.title_changed and not d.lede_changed
    assert d.words_added == d.words_removed == 0 and d.unified == ""


def test_paragraph_added_and_removed() -> None:
    old = ["Lede of the story.", "A middle paragraph.", "An ending."]
    added = ["Lede of the story.", "A middle paragraph.", "A brand new paragraph, inserted.", "An ending."]
    d = diff_versions("T", old, "T", added)
    assert [(c.op, c.old_index, c.new_index) for c in d.changes] == [("added", None, 2)]
    assert d.paragraphs_added == 1 and d.words_added == 5 and d.words_removed == 0
    assert '<p class="added"><ins>A brand new paragraph, inserted.</ins></p>' in d.html

    d = diff_versions("T", old, "T", [old[0], old[2]])
    assert [(c.op, c.old_index, c.new_index) for c in d.changes] == [("removed", 1, None)]
    assert d.paragraphs_removed == 1 and d.words_removed == 3
    assert '<p class="removed"><del>A middle paragraph.</del></p>' in d.html

    d = diff_versions("T", old, "T", ["A new lede entirely.", *old])
    assert d.lede_changed and [c.op for c in d.changes] == ["added"]


def test_unequal_replace_pairs_by_similarity() -> None:
    old = ["Same start.", "The minister said on Monday that talks would resume.", "Same end."]
    new = [
        "Same start.",
        "An unrelated short insert.",
        "The minister said on Tuesday that talks would resume.",
        "Same end.",
    ]
    assert align(old, new) == [(0, 0), (None, 1), (1, 2), (2, 3)]
    changes = diff_paragraphs(old, new)
    assert [(c.op, c.old_index, c.new_index) for c in changes] == [("added", None, 1), ("changed", 1, 2)]
    assert _ops(changes[1], "delete") == ["Monday"] and _ops(changes[1], "insert") == ["Tuesday"]


def test_whitespace_and_quotes_are_not_changes() -> None:
    assert diff_paragraphs(["He said \u201cno\u201d."], ["He  said \"no\"."]) == ()


def test_tokens_and_html_escaping() -> None:
    assert tokenize("al-Qaeda's area ... In") == ["al-Qaeda's", " ", "area", " ", "...", " ", "In"]
    ops = word_ops("a <b> & c", "a <i> & c")
    assert "".join(w.text for w in ops if w.op != "insert") == "a <b> & c"
    d = diff_versions("T", ["x <b> & y"], "T", ["x <i> & y"])
    assert "&lt;" in d.html and "<b>" not in d.html
