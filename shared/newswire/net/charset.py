"""Charset labels and decoding of HTML bodies to text. Pure: bytes in, text out.

Two decoders live here because they serve two situations and decide differently:

- `decode_body` is the fetcher's, for a response: the Content-Type header's charset, the
  `<meta>` tag's, charset-normalizer's guess, then UTF-8; the first that decodes cleanly wins,
  labels are read the way browsers read them (latin-1 and ascii as windows-1252, WHATWG
  Encoding Standard) and a UTF-8 byte-order mark always wins.
- `decode_headerless` is the normaliser's, for page bytes with no headers at hand (`newswire
  extract` on a saved file): the `<meta>` label taken literally (iso-8859-1 is Latin-1 here,
  not windows-1252), else UTF-8, else charset-normalizer's guess with replacement characters.

They answer differently on some inputs (a latin-1 label on a body with windows-1252 quotes, a
byte-order mark, spaces around `=` in a meta tag), and each caller's tests pin its own answers,
so both are kept; they share the call to charset-normalizer (`guess_charset`).
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

#: How far into a body a `<meta charset>` declaration is looked for.
META_SCAN_BYTES = 4096
#: How much of a body charset-normalizer reads for `detect_charset` (the fetcher's guess) ...
DETECT_BYTES = 512 * 1024
#: ... and for `decode_headerless` (the normaliser's).
HEADERLESS_DETECT_BYTES = 200_000

_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:\-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.IGNORECASE)
#: The stricter meta pattern of `decode_headerless`: `charset=` without spaces, plain labels.
_META_CHARSET_PLAIN = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)
#: Labels browsers decode as windows-1252 (WHATWG Encoding Standard), which is what servers
#: that say latin-1 or ascii actually send.
_AS_CP1252 = frozenset({"latin-1", "ascii", "iso8859-1"})


def normalise_charset(label: str | None) -> str | None:
    """Python codec name for a charset label (latin-1 and ascii read as cp1252, as browsers
    do), or None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _AS_CP1252 else name


def charset_from_header(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header."""
    match = _CT_CHARSET.search(content_type or "")
    return normalise_charset(match.group(1)) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """The charset declared by a <meta> tag near the start of the document."""
    match = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def guess_charset(body: bytes, limit: int) -> str | None:
    """charset-normalizer's best guess from the first `limit` bytes, as it names it (None if it
    has none)."""
    best = from_bytes(body[:limit]).best()
    return best.encoding if best is not None else None


def detect_charset(body: bytes) -> str | None:
    """charset-normalizer's best guess, as a normalised codec name."""
    return normalise_charset(guess_charset(body, DETECT_BYTES))


def charset_candidates(content_type: str | None, body: bytes) -> list[str]:
    """Charsets to try in order: header, meta tag, detection, then UTF-8."""
    out: list[str] = []
    for candidate in (charset_from_header(content_type), charset_from_meta(body)):
        if candidate and candidate not in out:
            out.append(candidate)
    if not out:
        detected = detect_charset(body)
        if detected:
            out.append(detected)
    if "utf-8" not in out:
        out.append("utf-8")
    return out


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode a fetched page and say how: the first candidate charset that decodes it cleanly
    wins (a header that lies about a cp1252 body falls through to the meta tag or detection);
    if none does, the first candidate with replacement characters. A UTF-8 BOM always wins."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8"
    candidates = charset_candidates(content_type, body)
    for charset in candidates:
        try:
            return body.decode(charset), charset
        except (UnicodeDecodeError, LookupError):
            continue
    # Every declared charset failed (a header and a meta tag can both lie): ask the detector
    # before replacing characters.
    detected = detect_charset(body)
    if detected and detected not in candidates:
        try:
            return body.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    return body.decode(candidates[0], "replace"), candidates[0]


def decode_headerless(raw: bytes) -> str:
    """Page bytes as text without any headers: the `<meta>` charset, taken literally, if it
    decodes them; else UTF-8; else charset-normalizer's guess, with replacement characters."""
    match = _META_CHARSET_PLAIN.search(raw[:META_SCAN_BYTES])
    if match:
        try:
            return raw.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(guess_charset(raw, HEADERLESS_DETECT_BYTES) or "utf-8", errors="replace")
