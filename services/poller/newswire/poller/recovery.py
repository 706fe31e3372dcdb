"""Feed recovery: what a lenient reader forgives, and the names of what was forgiven.

feedparser already reads what expat refuses: when its strict parser fails it starts over with its
loose (sgmllib) parser, which forgives undefined entities, bare ampersands, mis-nested tags and a
cut tail. Written by hand here is only what feedparser lacks: repairs of a document's first bytes
(so that the strict parser reads it whole), a name for what was wrong (feedparser only says
"bozo"), and where a truncation cut. Pure: text in, warning classes out.
"""

from __future__ import annotations

import codecs
import re
import xml.sax
from collections.abc import Mapping
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from newswire.contracts.feeds import FeedWarningClass

_BOM = codecs.BOM_UTF8
# Whitespace and UTF-8 byte-order marks at the very start of a body.
_LEAD = re.compile(rb"(?:[ \t\r\n]|\xef\xbb\xbf)+")
_XML_DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")
# The encoding an ASCII-readable XML declaration names.
_DECLARED_ENCODING = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml[^>]{0,200}?\bencoding[ \t\r\n]*=[ \t\r\n]*([\"'])([A-Za-z0-9._:+-]{1,64})\1"
)


def _repair_start(body: bytes) -> tuple[bytes, tuple[FeedWarningClass, ...]]:
    """The body without the whitespace before its XML declaration and without misplaced or
    repeated UTF-8 byte-order marks, and the warnings that earns.

    By hand: expat refuses such a document outright ("XML or text declaration not at start of
    entity"), and feedparser would start over with its loose parser, slower and less exact
    than expat on a document that is otherwise well-formed; and expat's first complaint would
    hide the document's real faults, if any. WordPress themes and plugins that print a newline
    before `<?xml` are the usual cause. Whitespace before a root element with no declaration is
    well-formed and left alone, as is one BOM at the very start. ASCII-compatible bodies only:
    a UTF-16 document with leading whitespace goes to feedparser as it is.
    """
    lead = _LEAD.match(body)
    if lead is None or body[lead.end() : lead.end() + 1] != b"<":
        return body, ()
    prefix = lead.group()
    boms = prefix.count(_BOM)
    misplaced_bom = boms > 1 or (boms == 1 and not prefix.startswith(_BOM))
    before_declaration = (
        len(prefix) > boms * len(_BOM) and _XML_DECLARATION.match(body, lead.end()) is not None
    )
    if not (before_declaration or misplaced_bom):
        return body, ()
    warnings: list[FeedWarningClass] = []
    if before_declaration:
        warnings.append("leading_whitespace")
    if misplaced_bom:
        warnings.append("byte_order_mark")
    return (_BOM if boms else b"") + body[lead.end() :], tuple(warnings)


def _codec(label: str) -> str | None:
    """Python's canonical name of an encoding label; None for a label it does not know."""
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _encoding_family(label: str) -> str:
    """An encoding label reduced to what decodes the same (UTF-16 with or without its byte
    order, gb2312 read as its superset gb18030 as feedparser does)."""
    name = _codec(label) or label.strip().lower()
    for family in ("utf-16", "utf-32"):
        if name.startswith(family):
            return family
    return {"utf-8-sig": "utf-8", "gb2312": "gb18030"}.get(name, name)


def _repair_declared_encoding(body: bytes) -> tuple[bytes, str | None]:
    """The body with a lying XML declaration's encoding replaced by utf-8, and the label it had
    declared (None if nothing was replaced).

    The declaration lies when the bytes are valid UTF-8 and the label is unknown, or names
    UTF-16/32 (the declaration itself was readable as ASCII, so it is not), or names a legacy
    encoding while the body has non-ASCII bytes: text in a legacy encoding is practically never
    valid UTF-8 as well (the same test browsers rely on). By hand because feedparser trusts the
    label: an unknown one sends it to a statistical guess (MacRoman for a French feed), UTF-16
    yields no items at all, and a legacy one gives mojibake it undoes only in element text.
    """
    match = _DECLARED_ENCODING.match(body)
    if match is None:
        return body, None
    label = match.group(2).decode("ascii")
    family = _encoding_family(label)
    if family == "utf-8":
        return body, None
    if _codec(label) is not None and family not in ("utf-16", "utf-32") and body.isascii():
        return body, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body, None
    return body[: match.start(2)] + b"utf-8" + body[match.end(2) :], label


def repair(body: bytes) -> tuple[bytes, list[FeedWarningClass], list[str]]:
    """The repairs made before parsing: the body to parse, its warnings and notes on them."""
    body, warnings_ = _repair_start(body)
    warnings = list(warnings_)
    notes = []
    if "leading_whitespace" in warnings:
        notes.append("whitespace before the XML declaration, stripped")
    if "byte_order_mark" in warnings:
        notes.append("byte-order mark not at the start of the document, stripped")
    body, label = _repair_declared_encoding(body)
    if label is not None:
        warnings.append("encoding_mismatch")
        notes.append(f"declared encoding {label!r} but the bytes are UTF-8: read as UTF-8")
    return body, warnings, notes


def encoding_override(conversion: Any, used: str, body: bytes) -> str | None:
    """What to say if feedparser could not read the document in the encoding it chose by the
    rules of RFC 3023 (`conversion`: its complaint then) and read it in another one than the
    declaration names, e.g. a 'UTF-8' feed written in windows-1252; None otherwise. When the
    Content-Type decides (a charset, or text/* meaning US-ASCII) and reads the document, the
    declaration is not consulted: a server's header is not the document's fault."""
    if isinstance(conversion, feedparser.CharacterEncodingUnknown):
        return str(conversion)
    if not isinstance(conversion, feedparser.CharacterEncodingOverride):
        return None
    match = _DECLARED_ENCODING.match(body)
    if match is None:
        return None
    declared = match.group(2).decode("ascii")
    if used and _encoding_family(used) == _encoding_family(declared):
        return None
    return f"declared encoding {declared!r}, read as {used or 'nothing'}"


def feedparser_text(body: bytes, headers: Mapping[str, str]) -> tuple[str, Any]:
    """The document as feedparser's strict parser was given it (converted to UTF-8 by its own
    rules, DOCTYPE replaced; expat's line and column numbers point into this text), and the
    complaint of that conversion if any (feedparser's own report of it may have been replaced
    by the parser's)."""
    result: dict[str, Any] = {}
    try:
        data = convert_to_utf8(dict(headers), body, result)
        _, data, _ = replace_doctype(data)
    except Exception:  # feedparser's own conversion failing: judge the bytes as they are
        data = body
    return bytes(data).decode("utf-8", "replace").rstrip("\x00"), result.get("bozo_exception")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # expat's line ends
_XML_ENTITIES = frozenset({"lt", "gt", "amp", "quot", "apos"})
_CDATA_OR_COMMENT = re.compile(r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)", re.DOTALL)
_ENTITY_REF = re.compile(r"&([A-Za-z_:][\w.:-]*);")
_BARE_AMPERSAND = re.compile(r"&(?![A-Za-z_:][\w.:-]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")
_AMPERSAND_BEFORE = re.compile(r"&[\w.:#-]*\Z")
_FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORBIDDEN_CHARREF = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9A-Fa-f]));"
)
# Start and end tags of feed items (RSS, RDF) and entries (Atom), with any namespace prefix.
_ITEM_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?:[ \t\r\n][^>]*)?(?<!/)>")
_ITEM_END = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[ \t\r\n]*>")
# The end tag of a feed's root element (its final '>' may be missing in a sloppy feed).
_CLOSING_ROOT = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF)[ \t\r\n]*(?:>|\Z)")
# expat's first complaint, by the start of its message, when the message alone says what it is.
_EXPAT_MESSAGES: tuple[tuple[str, FeedWarningClass], ...] = (
    ("undefined entity", "undefined_entity"),
    ("mismatched tag", "mismatched_tag"),
    ("reference to invalid character number", "invalid_character"),
    ("encoding specified in XML declaration is incorrect", "encoding_mismatch"),
    ("unknown encoding", "encoding_mismatch"),
)
# ... and the messages of a document that simply ends too soon (judged by looking at its end).
_END_OF_INPUT = ("no element found", "unclosed token", "unclosed CDATA section")


def _invalid_token(text: str, line: int, column: int) -> FeedWarningClass:
    """What expat's "not well-formed (invalid token)" is, from where it points: a bare `&`
    (expat points just past it, or past the name that follows it), a character XML forbids,
    else something else (an unquoted attribute, a stray `<`, ...)."""
    lines = _LINE_BREAK.split(text, maxsplit=line)
    if not 1 <= line <= len(lines) or column < 0:
        return "not_well_formed"
    before, here = lines[line - 1][:column], lines[line - 1][column : column + 1]
    if here and _FORBIDDEN_CHAR.match(here):
        return "invalid_character"
    if _AMPERSAND_BEFORE.search(before[-80:]):
        return "bare_ampersand"
    return "not_well_formed"


def first_error(problem: Any, text: str) -> FeedWarningClass | None:
    """The warning class of the error that stopped the strict parser; None when it is the end
    of the input (a truncation, which the document's end tells better)."""
    if isinstance(problem, feedparser.CharacterEncodingUnknown):
        return "encoding_mismatch"
    if not isinstance(problem, xml.sax.SAXParseException):
        return "not_well_formed"  # e.g. feedparser's UndeclaredNamespace
    message = str(problem.getMessage())
    for start, warning in _EXPAT_MESSAGES:
        if message.startswith(start):
            return warning
    if message.startswith(_END_OF_INPUT):
        return None
    if message.startswith("not well-formed (invalid token)"):
        return _invalid_token(text, problem.getLineNumber() or 0, problem.getColumnNumber() or 0)
    return "not_well_formed"


def faults_in(text: str) -> set[FeedWarningClass]:
    """Every fault class found anywhere in the document, not only the first: expat stops at the
    first, and the loose parser forgives the others silently. CDATA sections and comments are
    left out of the search for entities and ampersands (both are literal text there)."""
    found: set[FeedWarningClass] = set()
    if _FORBIDDEN_CHAR.search(text):
        found.add("invalid_character")
    markup = _CDATA_OR_COMMENT.sub(" ", text)
    if _FORBIDDEN_CHARREF.search(markup):
        found.add("invalid_character")
    if any(m.group(1) not in _XML_ENTITIES for m in _ENTITY_REF.finditer(markup)):
        found.add("undefined_entity")
    if _BARE_AMPERSAND.search(markup):
        found.add("bare_ampersand")
    return found


def cut_short(text: str) -> tuple[bool, bool]:
    """(the document ends inside an item, the root element's end tag is missing after the last
    whole item). An item left open in a document that goes on to its end is a mis-nesting, not
    a cut."""
    last_start = last_end = -1
    for match in _ITEM_START.finditer(text):
        last_start = match.start()
    for match in _ITEM_END.finditer(text):
        last_end = match.end()
    inside_item = last_start > last_end and _CLOSING_ROOT.search(text, last_start) is None
    return inside_item, _CLOSING_ROOT.search(text, max(last_end, 0)) is None
