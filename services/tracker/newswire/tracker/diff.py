"""The pure diff of two article versions: paragraphs aligned, then words inside each changed one.

1. Paragraphs are aligned with difflib.SequenceMatcher over the (folded) paragraph lists. A
   `replace` block of equal size pairs paragraphs one to one; an unequal one pairs them by best
   similarity (in order, above a floor), the rest being added or removed.
2. Inside each changed pair, diff-match-patch diffs word tokens: every distinct token is mapped
   to one character, the character strings are diffed, and the result mapped back (the standard
   line-mode trick, applied to words). Tokens are words, punctuation runs and whitespace runs, so
   the `equal` + `delete` ops of a paragraph spell its old text exactly, `equal` + `insert` its new.

Also renders the diff as unified text and as HTML with <ins>/<del>. Used by the tracker and by
the `newswire diff` command; no I/O here.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from newswire.contracts import ParagraphChange, WordOp
from newswire.text import fold_text

#: Words (with inner hyphens, apostrophes, dots: "al-Qaeda", "don't", "3.5"), whitespace runs,
#: and runs of other characters (punctuation, "...").
_TOKEN = re.compile(r"\w+(?:['\u2019.\-]\w+)*|\s+|[^\w\s]+")
_WS = re.compile(r"\s+")
#: Below this similarity two paragraphs of an unequal replace block are not paired.
PAIR_FLOOR = 0.5


@dataclass(frozen=True)
class VersionDiff:
    """Everything the tracker needs to describe a change between two versions."""

    changes: tuple[ParagraphChange, ...]
    unified: str
    html: str
    words_added: int
    words_removed: int
    paragraphs_added: int
    paragraphs_removed: int
    paragraphs_changed: int
    similarity: float
    title_changed: bool
    lede_changed: bool


def diff_versions(
    old_title: str | None,
    old_paragraphs: Sequence[str],
    new_title: str | None,
    new_paragraphs: Sequence[str],
    *,
    old_label: str = "old",
    new_label: str = "new",
) -> VersionDiff:
    """The full diff of two versions (title and body)."""
    folded_old = [fold_text(p) for p in old_paragraphs]
    folded_new = [fold_text(p) for p in new_paragraphs]
    pairs = _align_folded(folded_old, folded_new)
    changes = _changes(old_paragraphs, new_paragraphs, folded_old, folded_new, pairs)
    added = sum(1 for c in changes if c.op == "added")
    removed = sum(1 for c in changes if c.op == "removed")
    changed = sum(1 for c in changes if c.op == "changed")
    words_added = words_removed = 0
    for c in changes:
        if c.op == "added" and c.new_index is not None:
            words_added += _words(new_paragraphs[c.new_index])
        elif c.op == "removed" and c.old_index is not None:
            words_removed += _words(old_paragraphs[c.old_index])
        else:
            words_added += sum(_words(w.text) for w in c.words if w.op == "insert")
            words_removed += sum(_words(w.text) for w in c.words if w.op == "delete")
    lede_changed = any(
        (c.op == "changed" and (c.old_index == 0 or c.new_index == 0))
        or (c.op == "added" and c.new_index == 0)
        or (c.op == "removed" and c.old_index == 0)
        for c in changes
    )
    return VersionDiff(
        changes=changes,
        unified=unified_diff(old_paragraphs, new_paragraphs, old_label=old_label, new_label=new_label),
        html=html_diff(old_paragraphs, new_paragraphs, changes, pairs=pairs),
        words_added=words_added,
        words_removed=words_removed,
        paragraphs_added=added,
        paragraphs_removed=removed,
        paragraphs_changed=changed,
        similarity=_aligned_similarity(
            fold_text(old_title or ""), fold_text(new_title or ""), folded_old, folded_new, pairs
        ),
        title_changed=fold_text(old_title or "") != fold_text(new_title or ""),
        lede_changed=lede_changed,
    )


# -- paragraphs ------------------------------------------------------------------------------------


def align(old: Sequence[str], new: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Every paragraph of both versions, in reading order, as (old_index, new_index): both set
    for an equal or changed pair, one None for a removed or added paragraph."""
    return _align_folded([fold_text(p) for p in old], [fold_text(p) for p in new])


def _align_folded(a: Sequence[str], b: Sequence[str]) -> list[tuple[int | None, int | None]]:
    out: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace") and i2 - i1 == j2 - j1:
            out.extend(zip(range(i1, i2), range(j1, j2), strict=True))
        elif tag == "delete":
            out.extend((i, None) for i in range(i1, i2))
        elif tag == "insert":
            out.extend((None, j) for j in range(j1, j2))
        else:  # replace of unequal size
            out.extend(_pair_by_similarity(a, b, i1, i2, j1, j2))
    return out


def diff_paragraphs(old: Sequence[str], new: Sequence[str]) -> tuple[ParagraphChange, ...]:
    """The paragraph-level changes (equal paragraphs are left out), with word ops for changed ones."""
    a, b = [fold_text(p) for p in old], [fold_text(p) for p in new]
    return _changes(old, new, a, b, _align_folded(a, b))


def _changes(
    old: Sequence[str],
    new: Sequence[str],
    a: Sequence[str],
    b: Sequence[str],
    pairs: Sequence[tuple[int | None, int | None]],
) -> tuple[ParagraphChange, ...]:
    changes: list[ParagraphChange] = []
    for i, j in pairs:
        if i is not None and j is not None:
            if a[i] == b[j]:
                continue
            changes.append(
                ParagraphChange(op="changed", old_index=i, new_index=j, words=word_ops(old[i], new[j]))
            )
        elif i is not None:
            changes.append(ParagraphChange(op="removed", old_index=i))
        elif j is not None:
            changes.append(ParagraphChange(op="added", new_index=j))
    return tuple(changes)


def _pair_by_similarity(
    a: Sequence[str], b: Sequence[str], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int | None, int | None]]:
    """Pair an unequal replace block: most similar pairs first, never crossing, above the floor."""
    scored = sorted(
        (
            (similarity(a[i], b[j]), i, j)
            for i in range(i1, i2)
            for j in range(j1, j2)
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    pairs: list[tuple[int, int]] = []
    for score, i, j in scored:
        if score < PAIR_FLOOR:
            break
        if any(i == pi or j == pj or (i < pi) != (j < pj) for pi, pj in pairs):
            continue
        pairs.append((i, j))
    pairs.sort()
    out: list[tuple[int | None, int | None]] = []
    i, j = i1, j1
    for pi, pj in [*pairs, (i2, j2)]:
        out.extend((k, None) for k in range(i, pi))
        out.extend((None, k) for k in range(j, pj))
        if pi < i2:
            out.append((pi, pj))
        i, j = pi + 1, pj + 1
    return out


# -- words ---------------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Word, whitespace and punctuation tokens; joined they give `text` back."""
    return _TOKEN.findall(text)


def word_ops(old: str, new: str) -> tuple[WordOp, ...]:
    """Word-level operations turning `old` into `new` (diff-match-patch over word tokens)."""
    index: dict[str, int] = {}
    vocab: list[str] = []

    def encode(tokens: list[str]) -> str:
        chars = []
        for tok in tokens:
            code = index.get(tok)
            if code is None:
                code = index[tok] = len(vocab)
                vocab.append(tok)
            # skip the surrogate range so every code point is a valid str character
            chars.append(chr(code + 0x800 if code + 0x800 < 0xD800 else code + 0x1000))
        return "".join(chars)

    def decode(chars: str) -> str:
        out = []
        for ch in chars:
            code = ord(ch)
            code = code - 0x800 if code < 0xD800 else code - 0x1000
            out.append(vocab[code])
        return "".join(out)

    a, b = encode(tokenize(old)), encode(tokenize(new))
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0  # exact: paragraphs are short
    diffs = dmp.diff_main(a, b, False)
    dmp.diff_cleanupSemantic(diffs)
    names = {dmp.DIFF_EQUAL: "equal", dmp.DIFF_INSERT: "insert", dmp.DIFF_DELETE: "delete"}
    ops: list[WordOp] = []
    for code, chars in diffs:
        text = decode(chars)
        if not text:
            continue
        op = names[code]
        if ops and ops[-1].op == op:
            ops[-1] = WordOp(op=op, text=ops[-1].text + text)  # type: ignore[arg-type]
        else:
            ops.append(WordOp(op=op, text=text))  # type: ignore[arg-type]
    return tuple(ops)


# -- renderings ------------------------------------------------------------------------------------


def unified_diff(
    old: Sequence[str], new: Sequence[str], *, old_label: str = "old", new_label: str = "new"
) -> str:
    """difflib's unified diff, one paragraph per line."""
    return "".join(
        line if line.endswith("\n") else line + "\n"
        for line in difflib.unified_diff(
            list(old), list(new), fromfile=old_label, tofile=new_label, lineterm="", n=1
        )
    )


def html_diff(
    old: Sequence[str],
    new: Sequence[str],
    changes: Sequence[ParagraphChange],
    *,
    pairs: Sequence[tuple[int | None, int | None]] | None = None,
) -> str:
    """The new version as HTML paragraphs, with <del>/<ins> marking what changed (escaped)."""
    by_new = {c.new_index: c for c in changes if c.new_index is not None}
    removed_before: dict[int, list[int]] = {}
    out: list[str] = []
    # Removed paragraphs are shown where they stood: before the next surviving paragraph.
    if pairs is None:
        pairs = align(old, new)
    pending: list[int] = []
    for i, j in pairs:
        if j is None and i is not None:
            pending.append(i)
            continue
        if j is not None:
            removed_before[j] = pending
            pending = []
    for j, paragraph in enumerate(new):
        for i in removed_before.get(j, []):
            out.append(f'<p class="removed"><del>{html.escape(old[i])}</del></p>')
        change = by_new.get(j)
        if change is None:
            out.append(f"<p>{html.escape(paragraph)}</p>")
        elif change.op == "added":
            out.append(f'<p class="added"><ins>{html.escape(paragraph)}</ins></p>')
        else:
            inner = "".join(
                html.escape(w.text)
                if w.op == "equal"
                else f"<{w.op[:3]}>{html.escape(w.text)}</{w.op[:3]}>"
                for w in change.words
            )
            out.append(f'<p class="changed">{inner}</p>')
    for i in pending:
        out.append(f'<p class="removed"><del>{html.escape(old[i])}</del></p>')
    return "\n".join(out)


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two texts (normalised Indel similarity, as difflib's ratio)."""
    if not a and not b:
        return 1.0
    return round(float(fuzz.ratio(a, b)) / 100.0, 4)


def _aligned_similarity(
    old_title: str,
    new_title: str,
    a: Sequence[str],
    b: Sequence[str],
    pairs: Sequence[tuple[int | None, int | None]],
) -> float:
    """`similarity` of the whole versions, computed over the aligned paragraphs: equal ones match
    whole, changed pairs by their own common subsequence, added and removed ones not at all. A
    whole-text ratio is quadratic in the article's length; this is linear in the unchanged part."""
    total = len(old_title) + len(new_title) + sum(map(len, a)) + sum(map(len, b))
    if total == 0:
        return 1.0
    matched = _common(old_title, new_title)
    for i, j in pairs:
        if i is not None and j is not None:
            matched += len(a[i]) if a[i] == b[j] else _common(a[i], b[j])
    return round(2.0 * matched / total, 4)


def _common(x: str, y: str) -> int:
    """Length of the longest common subsequence of two strings."""
    if x == y:
        return len(x)
    return (len(x) + len(y) - Indel.distance(x, y)) // 2


def _words(text: str) -> int:
    return len(text.split())
