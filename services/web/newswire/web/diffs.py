"""The stored diff of a revision, made safe to show: parsed, never passed through.

The tracker renders each revision's diff as HTML (`newswire.tracker.diff.html_diff`): one `<p>`
per paragraph of the new version (class `changed`, `added` or `removed`, or none when it is
unchanged), words marked `<ins>` / `<del>`, every text escaped. The text itself comes from
untrusted pages, and the HTML is read back from Elasticsearch, so this module does not trust it:
it parses it into paragraphs of plain-text segments, keeping only what the tracker emits (`p`,
`ins`, `del`, `span`, `br`, and the three paragraph classes). Any other tag, attribute, comment
or declaration becomes visible text (escaped when rendered), never markup. The templates render
the parsed structure with autoescaping, and `to_html` renders it back to HTML built only from
the allowed tags, for the JSON API and the feeds.

Pure: no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Literal

SegmentOp = Literal["equal", "insert", "delete", "break"]
ParagraphKind = Literal["same", "changed", "added", "removed"]

#: Tags the tracker emits (and `span` / `br`, which a diff may carry): all else is text.
ALLOWED_TAGS = frozenset({"p", "ins", "del", "span", "br"})
#: Paragraph classes the tracker emits, and what they mean here.
PARAGRAPH_CLASSES: dict[str, ParagraphKind] = {"changed": "changed", "added": "added", "removed": "removed"}
#: Longest diff parsed (characters); the rest is cut, with a marker. Revisions of very long
#: articles stay readable and the parse bounded.
MAX_DIFF_CHARS = 2_000_000
#: Diffs up to this size are cached once parsed (512 of them: at most ~150 MB with the parsed
#: copies, typically a few MB); longer ones are parsed each time.
CACHED_DIFF_CHARS = 100_000


@dataclass(frozen=True)
class Segment:
    """A run of text with its word-level operation (`break` is a line break, no text)."""

    op: SegmentOp
    text: str = ""


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the diff, numbered in the old and the new version (1-based; None where
    the paragraph does not exist in that version)."""

    kind: ParagraphKind
    segments: tuple[Segment, ...]
    old_number: int | None = None
    new_number: int | None = None

    @property
    def old_segments(self) -> tuple[Segment, ...]:
        """The paragraph as it read before: unchanged and deleted words."""
        return tuple(s for s in self.segments if s.op != "insert")

    @property
    def new_segments(self) -> tuple[Segment, ...]:
        """The paragraph as it reads now: unchanged and inserted words."""
        return tuple(s for s in self.segments if s.op != "delete")


@dataclass(frozen=True)
class Gap:
    """Unchanged paragraphs left out of a compact view."""

    count: int


@dataclass(frozen=True)
class DiffView:
    """A parsed, safe diff: every paragraph, and whether the stored HTML had to be cut."""

    paragraphs: tuple[Paragraph, ...]
    truncated: bool = False

    @property
    def changed(self) -> tuple[Paragraph, ...]:
        """The paragraphs that changed, were added or removed."""
        return tuple(p for p in self.paragraphs if p.kind != "same")


class _DiffParser(HTMLParser):
    """Reads the tracker's diff HTML into paragraphs of segments; see the module docstring."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[tuple[ParagraphKind, list[Segment]]] = []
        self.current: list[Segment] | None = None
        self.kind: ParagraphKind = "same"
        self.marks: list[str] = []  # open ins/del/span, innermost last

    # -- paragraphs --
    def _open(self, kind: ParagraphKind) -> None:
        self._close()
        self.current, self.kind = [], kind

    def _close(self) -> None:
        if self.current is not None and (self.current or self.kind != "same"):
            self.paragraphs.append((self.kind, self.current))
        self.current, self.kind, self.marks = None, "same", []

    def _add(self, op: SegmentOp, text: str) -> None:
        if self.current is None:  # text outside any <p>: a paragraph of its own
            if op != "break" and not text.strip() and not self.marks:
                return  # the newlines between paragraphs
            self.current, self.kind = [], "same"
        if op != "break" and self.current and self.current[-1].op == op:
            self.current[-1] = Segment(op, self.current[-1].text + text)
        else:
            self.current.append(Segment(op, text))

    def _op(self) -> SegmentOp:
        for mark in reversed(self.marks):
            if mark == "ins":
                return "insert"
            if mark == "del":
                return "delete"
        return "equal"

    # -- HTMLParser callbacks --
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._add(self._op(), self.get_starttag_text() or f"<{tag}>")
        elif tag == "p":
            classes = dict(attrs).get("class") or ""
            self._open(next((PARAGRAPH_CLASSES[c] for c in classes.split() if c in PARAGRAPH_CLASSES), "same"))
        elif tag == "br":
            self._add("break", "")
        else:
            self.marks.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._add("break", "")
        elif tag in ALLOWED_TAGS:
            pass  # an empty <p/> or <ins/>: nothing to show
        else:
            self._add(self._op(), self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self._add(self._op(), f"</{tag}>")
        elif tag == "p":
            self._close()
        elif tag in self.marks:
            while self.marks and self.marks.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self._add(self._op(), data)

    def handle_comment(self, data: str) -> None:
        self._add(self._op(), f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._add(self._op(), f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._add(self._op(), f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._add(self._op(), f"<![{data}]>")

    def finish(self) -> list[tuple[ParagraphKind, list[Segment]]]:
        """Flush what is buffered and close the last paragraph."""
        self.close()
        self._close()
        return self.paragraphs


def parse_diff_html(text: str) -> DiffView:
    """The stored diff HTML as safe paragraphs (cached: revisions are immutable, and the same
    diff is shown on the article page, in the feeds and the API)."""
    return _parse_cached(text) if len(text) <= CACHED_DIFF_CHARS else _parse(text)


@lru_cache(maxsize=512)
def _parse_cached(text: str) -> DiffView:
    return _parse(text)


def _parse(text: str) -> DiffView:
    truncated = len(text) > MAX_DIFF_CHARS
    parser = _DiffParser()
    parser.feed(text[:MAX_DIFF_CHARS] if truncated else text)
    raw = parser.finish()
    paragraphs: list[Paragraph] = []
    old = new = 0
    for kind, segments in raw:
        if kind == "same" and any(s.op in ("insert", "delete") for s in segments):
            kind = "changed"  # marks without a paragraph class (e.g. a bare "<del>a</del><ins>b</ins>")
        old_number = new_number = None
        if kind != "added":
            old += 1
            old_number = old
        if kind != "removed":
            new += 1
            new_number = new
        paragraphs.append(Paragraph(kind, tuple(segments), old_number, new_number))
    return DiffView(tuple(paragraphs), truncated)


def compact(paragraphs: Sequence[Paragraph], context: int = 1) -> list[Paragraph | Gap]:
    """The paragraphs to show: every changed one with `context` unchanged paragraphs around
    it; each run of unchanged paragraphs left out becomes a `Gap`."""
    keep = [False] * len(paragraphs)
    for i, paragraph in enumerate(paragraphs):
        if paragraph.kind != "same":
            for j in range(max(0, i - context), min(len(paragraphs), i + context + 1)):
                keep[j] = True
    out: list[Paragraph | Gap] = []
    skipped = 0
    for paragraph, kept in zip(paragraphs, keep, strict=True):
        if kept:
            if skipped:
                out.append(Gap(skipped))
                skipped = 0
            out.append(paragraph)
        else:
            skipped += 1
    if skipped:
        out.append(Gap(skipped))
    return out


def to_html(view: DiffView) -> str:
    """The diff as HTML built only from the allowed tags, every text escaped."""
    out: list[str] = []
    for paragraph in view.paragraphs:
        attr = "" if paragraph.kind == "same" else f' class="{paragraph.kind}"'
        out.append(f"<p{attr}>{segments_html(paragraph.segments)}</p>")
    return "\n".join(out)


def segments_html(segments: Sequence[Segment]) -> str:
    """Segments as escaped text with `<ins>`, `<del>` and `<br>`."""
    parts: list[str] = []
    for segment in segments:
        text = html.escape(segment.text, quote=True)
        if segment.op == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif segment.op == "delete":
            parts.append(f"<del>{text}</del>")
        elif segment.op == "break":
            parts.append("<br>")
        else:
            parts.append(text)
    return "".join(parts)


def sanitise_diff_html(text: str) -> str:
    """Untrusted diff HTML to safe HTML: the parse and re-rendering in one call."""
    return to_html(parse_diff_html(text))


def plain_text(segments: Sequence[Segment]) -> str:
    """Segments as plain text (line breaks as newlines)."""
    return "".join("\n" if s.op == "break" else s.text for s in segments)
