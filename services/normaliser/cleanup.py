"""Removing what extractors let through on news pages: consent banners, newsletter prompts,
share bars, "read more" lines, image credits, aggregator/tracker headers, doubled paragraphs
and the headline repeated as the first line. Rules are about the *form* of a line, never about
a site."""

from __future__ import annotations

import re

from newswire.text import fold_text

_BOILERPLATE = re.compile(
    r"""^(?:
        .{0,80}\b(?:we\ use\ cookies|use\ of\ cookies|cookie\ (?:policy|settings|preferences)|accept\ (?:all\ )?cookies)\b.*
      | (?:sign\ up|subscribe)\b.{0,60}\b(?:newsletter|inbox|updates|email)s?\b.{0,40}
      | .{0,40}\bnewsletter\b.{0,40}\b(?:sign\ up|subscribe|inbox)\b.{0,20}
      | (?:share|share\ this(?:\ article|\ story|\ post)?|share\ on\ \w+|tweet|email|print|whatsapp|facebook|twitter|linkedin|pinterest|copy\ link)(?:\s*[:|,/]\s*\w+){0,6}
      | (?:read|see|click)\ (?:more|also|next)\b.{0,80}
      | (?:related|recommended|more)\ (?:stories|articles|posts|news|reading|from\ \w+)\b.{0,30}
      | (?:advertisement|sponsored|skip\ (?:to\ )?(?:main\ )?content|back\ to\ (?:top|blog|news)|table\ of\ contents|contents)\s*:?
      | (?:photo|image|picture|video|credit|source\ image|file\ photo)s?\s*(?:credit)?\s*:\s*.{0,80}
      | .{0,60}\(\s*(?:photo|image)\s*:.{0,60}\)
      | (?:getty\ images|shutterstock|reuters/|ap\ photo|afp\ via).{0,60}
      | all\ rights\ reserved\b.{0,60}
      | .{0,60}©.{0,60}\ all\ rights\ reserved\.?
      | follow\ us\ on\b.{0,60}
      | (?:this\ (?:article|story|page)\ (?:is\ from\ the\ source|was\ (?:first\ )?published\ (?:or\ seen\ )?on))\b.*
      | you\ can\ find\ the\ current\ article\ at\ its\ original\ source\b.*
      | the\ article\ has\ changed\ \d+\ times?\b.*
      | (?:version\ \d+\s*)+
      | \(\s*\d+\ (?:seconds?|minutes?|hours?|days?|weeks?)\ later\s*\)
      | last\ (?:updated|modified)\s*:?.{0,40}
    )$""",
    re.I | re.X,
)
_WORDY = re.compile(r"[^\W_]")
# a line of one lowercase word is widget residue ("block", "advertisement"), not prose
_RESIDUE = re.compile(r"^[a-z][a-z_-]{0,20}$")


def is_boilerplate(line: str) -> bool:
    """Whether a line is boilerplate by form (banner, prompt, credit, aggregator header)."""
    return bool(_BOILERPLATE.match(line) or _RESIDUE.match(line))


def promote_headline(lines: tuple[str, ...], title: str | None) -> tuple[str | None, tuple[str, ...]]:
    """When the page's title is boilerplate (an aggregator's header), the body's first line is
    the headline if it looks like one (short, no closing punctuation, prose after it)."""
    # only the boilerplate forms count here: a one-word lowercase title ("restaurant" on a
    # dictionary page) is a headline, not widget residue
    if title is not None and not _BOILERPLATE.match(title):
        return title, lines
    if len(lines) >= 2 and len(lines[0].split()) <= 25 and not lines[0].rstrip().endswith((".", "!", "?", ":", '"', "”")):
        if len(lines[1].split()) > len(lines[0].split()):
            return lines[0], lines[1:]
    return (None if title is not None else title), lines


def _doubled(line: str) -> str | None:
    """The half of a line that is one text written twice (side-by-side diffs), else None."""
    n = len(line)
    for cut in (n // 2, (n + 1) // 2):
        head, tail = line[:cut].strip(), line[cut:].strip()
        if len(head) >= 20 and head == tail:
            return head
    return None


def clean_lines(lines: tuple[str, ...], title: str | None) -> tuple[str, ...]:
    """Lines with boilerplate removed, doubled lines halved and a leading headline dropped."""
    folded_title = fold_text(title).casefold() if title else None
    out: list[str] = []
    for line in lines:
        line = _doubled(line) or line
        if is_boilerplate(line) or not _WORDY.search(line):
            continue
        if folded_title and not out:
            folded = fold_text(line).casefold()
            if folded == folded_title:
                continue
            if folded.startswith(folded_title + " "):
                line = line[len(folded_title) + 1:].strip() if fold_text(line[: len(folded_title)]).casefold() == folded_title else line
        out.append(line)
    return tuple(out)
