"""What a change is: the boring-change filter, correction notes, and the revision kinds.

The normaliser's content hash already folds whitespace, quote styles and invisible characters.
Pages also change in ways that are not edits of the article: relative time stamps ("updated
5 minutes ago"), share and comment counts, rotating "Read more" / related-link lines and ad
labels that the extractor kept. `signature` hashes the article with those folded away: two
versions with the same signature are the same article (no revision), and the signatures of
earlier versions recognise a revert.

The patterns are about how news pages phrase these things (English first, a few common other
languages), never about any one site.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from newswire.contracts import ParagraphChange
from newswire.contracts.revisions import RevisionKind
from newswire.text import fold_text
from newswire.tracker.diff import VersionDiff

_UNITS = r"(?:sec|second|min|minute|mins|hr|hrs|hour|day|week|month)s?"
#: "updated 5 minutes ago", "3 hrs ago", "an hour ago", "just now".
_RELATIVE_TIME = re.compile(
    rf"(?:\b(?:last\s+)?(?:updated|posted|published|edited|modified)\s*:?\s*)?"
    rf"(?:\b(?:\d+|an?|one|a few)\s+{_UNITS}\s+ago\b|\bjust now\b|\bmoments? ago\b)",
    re.IGNORECASE,
)
#: "1,234 shares", "12 comments", "3.4k views".
_COUNTS = re.compile(
    r"\b\d[\d,.]*\s*[km]?\s+(?:shares?|comments?|views?|likes?|reads?|reactions?|retweets?|"
    r"reposts?|replies)\b",
    re.IGNORECASE,
)
#: A paragraph that is only a time stamp: "Updated 10.32 BST, 8 Sep 2016", "Published: 3 May".
_STAMP_START = re.compile(r"^(?:last\s+|first\s+)?(?:updated|modified|published|posted)\b", re.I)
_MONTHS = frozenset(
    "january february march april june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
#: Lines that are navigation, related links or ads rather than the article.
_BOILERPLATE_START = re.compile(
    r"^(?:read more|related|see also|more on this|more from|also read|read also|recommended|"
    r"you may also like|you might also like|most read|most popular|trending|advertisement|"
    r"sponsored|promoted|ad\b|watch:|listen:|click here|sign up|subscribe|follow us|share this|"
    r"share on|lire aussi|à lire aussi|mehr zum thema|lesen sie auch|leer más|lee también)",
    re.IGNORECASE,
)
BOILERPLATE_MAX_WORDS = 25
_COUNT_WORDS = re.compile(r"shares?\b|comments?\b|views?\b|likes?\b|reads?\b|reactions?\b|"
                          r"retweets?\b|reposts?\b|replies\b")

#: Correction and update notes ("This article was amended on ...", "Correction: ...").
_CORRECTION = re.compile(
    r"^\s*(?:correction|corrections|clarification|editor'?s note|update|updated|"
    r"rectificatif|korrektur|corrección|fe de errores)\s*(?:\([^)]{0,40}\))?\s*[:\-\u2013\u2014]"
    r"|\b(?:this|the|an earlier version of this|a previous version of this)\s+"
    r"(?:article|story|report|piece|post|headline|caption)\s+(?:has been|was|had been|is)\s+"
    r"(?:amended|corrected|updated|clarified|changed|edited)\b"
    r"|\ban? (?:earlier|previous) version of this (?:article|story|report|piece|post)\b"
    r"|\b(?:incorrectly|mistakenly|wrongly|erroneously) (?:said|stated|reported|identified|"
    r"described|gave|named|attributed|referred|called)\b"
    r"|^\s*(?:(?:this|the) (?:article|story|report|piece|post) )?(?:has been |was |is )?"
    r"(?:updated|amended|corrected)\b[^.]{0,60}\bto (?:include|reflect|add|correct|clarify|"
    r"remove|update)\b"
    r"|\bwe apologi[sz]e for (?:the|this) error\b",
    re.IGNORECASE,
)


def is_boilerplate(paragraph: str) -> bool:
    """A related-links, ad or time-stamp line rather than article text."""
    return _is_boilerplate_folded(fold_text(paragraph))


def _is_boilerplate_folded(folded: str) -> bool:
    if not folded:
        return True
    if len(folded.split()) > BOILERPLATE_MAX_WORDS:
        return False
    return bool(_BOILERPLATE_START.match(folded)) or _is_stamp(folded)


def _is_stamp(folded: str) -> bool:
    """Only a time stamp: the keyword, a date or time, and at most one longer word."""
    match = _STAMP_START.match(folded)
    if match is None or not any(ch.isdigit() for ch in folded):
        return False
    words = re.findall(r"[^\W\d_]+", folded[match.end():])
    return sum(1 for w in words if len(w) > 3 and w.casefold() not in _MONTHS) <= 1


def significant(paragraph: str) -> str:
    """The paragraph as the boring-change filter sees it: folded, volatile bits removed."""
    return _significant_folded(fold_text(paragraph))


def _significant_folded(text: str) -> str:
    lower = text.casefold()
    # the regexes only where their anchor words occur: most paragraphs have none
    if "ago" in lower or "just now" in lower:
        text = _RELATIVE_TIME.sub(" ", text)
    if _COUNT_WORDS.search(lower) and any(ch.isdigit() for ch in text):
        text = _COUNTS.sub(" ", text)
    return " ".join(text.split())


def significant_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """The paragraphs that count, as the filter sees them."""
    out = []
    for p in paragraphs:
        folded = fold_text(p)
        if _is_boilerplate_folded(folded):
            continue
        s = _significant_folded(folded)
        if s:
            out.append(s)
    return out


def signature(title: str | None, paragraphs: Iterable[str], authors: Iterable[str]) -> str:
    """Hash of what makes the article this article: title, significant paragraphs, byline."""
    parts = [significant(title or ""), "\x1f".join(folded_names(authors))]
    parts.extend(significant_paragraphs(paragraphs))
    return hashlib.blake2b("\n".join(parts).encode("utf-8"), digest_size=16).hexdigest()


def folded_names(names: Iterable[str]) -> list[str]:
    """Author names compared without case, spacing or order."""
    return sorted(fold_text(str(n)).casefold() for n in names if fold_text(str(n)))


# -- corrections -----------------------------------------------------------------------------------


def is_correction(text: str) -> bool:
    """Whether a paragraph (or inserted text) reads as a correction or update note."""
    return bool(_CORRECTION.search(fold_text(text)))


def corrections_appended(
    old: Sequence[str], new: Sequence[str], changes: Sequence[ParagraphChange]
) -> tuple[str, ...]:
    """The correction notes the new version adds: added paragraphs that read as one, and changed
    paragraphs that read as one now but did not before (text of the new paragraph)."""
    out: list[str] = []
    for c in changes:
        if c.new_index is None:
            continue
        paragraph = new[c.new_index]
        if not is_correction(paragraph):
            continue
        if c.op == "added" or (c.old_index is not None and not is_correction(old[c.old_index])):
            out.append(paragraph)
        elif c.op == "changed" and is_correction(
            "".join(w.text for w in c.words if w.op == "insert")
        ):
            out.append(paragraph)  # a further note appended to an existing one
    return tuple(out)


# -- kinds ---------------------------------------------------------------------------------------


def content_kinds(
    diff: VersionDiff, *, byline_changed: bool, corrections: Sequence[str], revert_of: int | None
) -> list[RevisionKind]:
    """The kinds of a content change (in a fixed order), at least one."""
    kinds: list[RevisionKind] = []
    if diff.title_changed:
        kinds.append("title_changed")
    if diff.lede_changed:
        kinds.append("lede_changed")
    if diff.changes:
        kinds.append("body_edited")
    if diff.paragraphs_added:
        kinds.append("paragraphs_added")
    if diff.paragraphs_removed:
        kinds.append("paragraphs_removed")
    if byline_changed:
        kinds.append("byline_changed")
    if corrections:
        kinds.append("correction_appended")
    if revert_of is not None:
        kinds.append("reverted")
    if not kinds:  # the signature saw a change the paragraph diff folds away
        kinds.append("body_edited")
    return kinds
