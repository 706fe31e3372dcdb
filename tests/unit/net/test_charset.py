"""Charset labels and the two decoders: the fetcher's (headers, meta, detection) and the
normaliser's (a page without headers)."""

from __future__ import annotations

import codecs

import pytest

from newswire.net.charset import (
    META_SCAN_BYTES,
    charset_candidates,
    charset_from_header,
    charset_from_meta,
    decode_body,
    decode_headerless,
    normalise_charset,
)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("utf-8", "utf-8"),
        (' "UTF8" ', "utf-8"),  # quotes and spaces as servers send them
        ("ISO-8859-1", "cp1252"),  # browsers read latin-1 and ascii as windows-1252
        ("latin1", "cp1252"),
        ("US-ASCII", "cp1252"),
        ("windows-1252", "cp1252"),
        ("koi8-r", "koi8-r"),
        ("bogus-xyz", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_charset(label: str | None, name: str | None) -> None:
    assert normalise_charset(label) == name


def test_charset_from_header_and_meta() -> None:
    assert charset_from_header("text/html; Charset = 'Shift_JIS'") == "shift_jis"
    assert charset_from_header("text/html") is None and charset_from_header(None) is None
    assert charset_from_meta(b"<head><META Charset = ' iso-8859-2 '>") == "iso8859-2"
    # only the start of the document is searched
    assert charset_from_meta(b" " * META_SCAN_BYTES + b'<meta charset="koi8-r">') is None


def test_candidates_are_declared_first_then_utf8() -> None:
    declared = charset_candidates("text/html; charset=koi8-r", b'<meta charset="windows-1252">')
    assert declared == ["koi8-r", "cp1252", "utf-8"]
    # the same declaration twice is tried once
    assert charset_candidates("text/html; charset=utf-8", b'<meta charset="utf-8">') == ["utf-8"]
    # nothing declared: detection, then UTF-8 as the last resort
    assert charset_candidates(None, b"plain ascii text")[-1] == "utf-8"


def test_decode_body_takes_the_first_charset_that_decodes_cleanly() -> None:
    text = "\u201cCaf\u00e9\u201d"
    page = f'<meta charset="windows-1252"><p>{text}</p>'
    # the header lies (UTF-8 declared, cp1252 sent): the meta tag wins
    assert decode_body(page.encode("cp1252"), "text/html; charset=utf-8") == (page, "cp1252")
    # a byte-order mark beats any declaration
    assert decode_body(codecs.BOM_UTF8 + text.encode(), "text/html; charset=koi8-r") == (text, "utf-8")
    # nothing decodes: the first candidate, with replacement characters, never an exception
    decoded, charset = decode_body(b"\xff\xfe\x00garbage\x81", "text/html; charset=utf-8")
    assert charset == "utf-8" and decoded.endswith("garbage\ufffd")


def test_the_two_decoders_read_labels_differently() -> None:
    # iso-8859-1 with windows-1252 quotes: the fetcher reads it as browsers do, the headerless
    # decoder takes the label literally (C1 control characters)
    body = '<meta charset="iso-8859-1"><p>\u201cquoted\u201d</p>'.encode("cp1252")
    assert decode_body(body, None)[0].endswith("<p>\u201cquoted\u201d</p>")
    assert decode_headerless(body).endswith("<p>\x93quoted\x94</p>")
    # a byte-order mark is stripped by the fetcher, kept by the headerless decoder
    assert decode_body(codecs.BOM_UTF8 + b"<p>x</p>", None)[0] == "<p>x</p>"
    assert decode_headerless(codecs.BOM_UTF8 + b"<p>x</p>") == "\ufeff<p>x</p>"


def test_decode_headerless_falls_back_to_utf8_then_detection() -> None:
    text = "<p>Gen\u00e8ve und Z\u00fcrich</p>"
    assert decode_headerless(f'<meta charset="utf-8">{text}'.encode()) == f'<meta charset="utf-8">{text}'
    # an unknown label: UTF-8
    assert decode_headerless(f'<meta charset="bogus">{text}'.encode()).endswith(text)
    # a label that does not decode the body (UTF-8 declared, Latin-1 sent): detection
    assert "Gen" in decode_headerless(f'<meta charset="utf-8">{text}'.encode("latin-1"))
    assert isinstance(decode_headerless(b"\xff\xfe\x00\x81\x82 garbage"), str)
