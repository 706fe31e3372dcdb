"""Lifting news conventions out of the body into fields: the dateline that opens a story
("GENEVA:", "Geneva [Switzerland], Aug. 27 :", "WASHINGTON, Sept 9 (Reuters) -",
"Reuters, Washington :") and wire credits ("(Reuters)", "Source: ANI", a closing "AP").

The body then starts with the story's first sentence. A hand-written grammar: no library
parses datelines, and the forms are few and stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: News agencies whose credit appears in datelines and sign-offs.
WIRES = (
    "Reuters", "AP", "Associated Press", "AFP", "Agence France-Presse", "ANI", "PTI", "IANS", "UNI",
    "UPI", "Bloomberg", "dpa", "DPA", "Xinhua", "EFE", "TASS", "Anadolu", "ANSA", "Kyodo", "Yonhap",
    "CNA", "Bernama", "Press Association", "PA", "AAP", "CP", "The Canadian Press", "NNA", "SPA", "WAM",
)
_WIRE = "|".join(sorted((re.escape(w) for w in WIRES), key=len, reverse=True))
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?)"
_PLACE_WORD = r"[A-Z][\w'.-]*"
_PLACE = rf"{_PLACE_WORD}(?:[ -]{_PLACE_WORD}){{0,3}}"
_SEP = r"\s*(?::|—|–|--|-)\s*"
# "GENEVA:", "Geneva [Switzerland], Aug. 27 :", "WASHINGTON, Sept 9 (Reuters) -", "LONDON (AP) —"
_DATELINE = re.compile(
    rf"""^(?P<raw>
        (?P<place>{_PLACE}(?:\s*\[[^\]]{{2,40}}\])?(?:,\s*{_PLACE})?)
        (?:\s*,\s*(?P<date>{_DATE}))?
        (?:\s*\((?P<wire>{_WIRE})\))?
        {_SEP})
        (?P<rest>["“'‘A-Z0-9].*)?$""",
    re.X | re.S,
)
# "Reuters, Washington :" (agency first)
_WIRE_FIRST = re.compile(
    rf"^(?P<raw>(?P<wire>{_WIRE})\s*,\s*(?P<place>{_PLACE})(?:\s*,\s*(?P<date>{_DATE}))?{_SEP})(?P<rest>[\"“'‘A-Z0-9].*)?$",
    re.S,
)
# all-caps labels that open a story like a dateline but name no place
_NOT_PLACES = frozenset(
    "breaking update updated exclusive watch live opinion analysis editorial editor's note "
    "note correction advertisement sponsored photo video listen read more".split()
)
# closing credits: "Source: ANI", "(Reuters)", "AP", "— AFP", "With inputs from PTI"
_CREDIT_LINE = re.compile(
    rf"^(?:(?:source|sources|courtesy|via|agency|agencies|credit|with inputs? from)\s*:?\s*|[—–-]+\s*)?"
    rf"\(?(?P<wire>{_WIRE})\)?\s*(?:(?:and|with|/)\s*(?:agencies|{_WIRE}))?\.?$",
    re.I,
)
# an agency named as the source on a line of its own anywhere in the body ("Source: ANI" after
# each item, "Quelle: AFP" under a photo or a standfirst), with the label in the languages of
# `vocabulary.py`: a credit, not the story's text
_SOURCE_LINE = re.compile(
    rf"^(?:source|sources|quelle|quellen|fuente|fuentes|fonte|fontes|bron|bronnen|kilde|kilder|källa|źródło)\s*:\s*"
    rf"\(?(?P<wire>{_WIRE})\)?(?:\s*(?:,|/|and|und|y|et|e|og|och|i)\s*(?:agencies|{_WIRE}))*\.?$",
    re.I,
)
# a credit at the very end of the last paragraph: "... he said. (Reuters)"
_CREDIT_TAIL = re.compile(rf"\s*\((?P<wire>{_WIRE})\)\s*$")


@dataclass(frozen=True)
class Lifted:
    """What was lifted off the body, and the body that is left."""

    lines: tuple[str, ...]
    place: str | None = None
    date_text: str | None = None
    raw: str | None = None
    wire: str | None = None


def _canonical_wire(name: str) -> str:
    for wire in WIRES:
        if wire.casefold() == name.casefold():
            return wire
    return name


def _match_dateline(line: str) -> re.Match[str] | None:
    m = _WIRE_FIRST.match(line) or _DATELINE.match(line)
    if m is None:
        return None
    place = m.group("place")
    letters = [c for c in place if c.isalpha()]
    all_caps = len(letters) >= 2 and all(c.isupper() for c in letters)
    has_more = bool(m.group("date") or m.group("wire") or "[" in place)
    if not (all_caps or has_more) or place.casefold() in _NOT_PLACES:
        return None  # "However: ..." or "Update - ..." are not datelines
    rest = m.group("rest")
    if rest is not None and len(rest.split()) < 4:
        return None
    return m


def lift_news_fields(lines: tuple[str, ...]) -> Lifted:
    """Dateline and wire credit taken off the body's first and last lines."""
    body = list(lines)
    place = date_text = raw = wire = None
    if body:
        m = _match_dateline(body[0])
        if m is not None:
            place = m.group("place").strip()
            date_text = m.group("date")
            raw = m.group("raw").strip()
            wire = m.group("wire")
            rest = (m.group("rest") or "").strip()
            body = [rest, *body[1:]] if rest else body[1:]
    sources = [_SOURCE_LINE.match(line.strip()) for line in body]
    if (first := next((s for s in sources if s), None)) is not None:
        wire = wire or first.group("wire")
        body = [line for line, source in zip(body, sources) if not source]
    while body and (c := _CREDIT_LINE.match(body[-1].strip())):
        wire = wire or c.group("wire")
        body.pop()
    if body and (c := _CREDIT_TAIL.search(body[-1])):
        wire = wire or c.group("wire")
        body[-1] = body[-1][: c.start()].rstrip()
    return Lifted(tuple(b for b in body if b), place, date_text, raw, _canonical_wire(wire) if wire else None)
