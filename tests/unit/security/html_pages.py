"""Generated hostile HTML for the normaliser: 10 MB pages of several shapes, deeply nested
markup, and binary files served as HTML (decoded the way the fetcher decodes a body)."""

from __future__ import annotations

import gzip
import io
import random
import struct
import zipfile
from collections.abc import Callable

TEN_MB = 10 * 1024 * 1024
_SENTENCE = "Officials said on Friday that the talks in Geneva would resume next week. "


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>Big page</title></head><body>{body}</body></html>"


def _repeat(unit: str, size: int = TEN_MB) -> str:
    return unit * (size // len(unit) + 1)


# -- 10 MB pages -------------------------------------------------------------------------------

HUGE: dict[str, Callable[[], str]] = {
    "one-paragraph": lambda: _page("<article><p>" + _repeat(_SENTENCE) + "</p></article>"),
    "many-paragraphs": lambda: _page("<article>" + _repeat(f"<p>{_SENTENCE}</p>") + "</article>"),
    "one-script": lambda: _page("<script>" + _repeat("var x = 'a';") + "</script><p>Short.</p>"),
    "one-comment": lambda: _page("<!--" + _repeat("comment ") + "--><p>Short.</p>"),
    "one-attribute": lambda: _page('<div data-x="' + _repeat("a") + '"><p>Short.</p></div>'),
    "entities": lambda: _page("<p>" + _repeat("&amp;&#x1F600;&nbsp;") + "</p>"),
    "table-cells": lambda: _page("<table><tr>" + _repeat("<td>cell</td>") + "</tr></table>"),
    "unclosed-tags": lambda: _page(_repeat("<p><b><i>text ")),
}

# -- deep nesting --------------------------------------------------------------------------------


def _nest(open_tag: str, close_tag: str, depth: int, inner: str = _SENTENCE) -> str:
    return _page(open_tag * depth + inner + close_tag * depth)


NESTED: dict[str, Callable[[], str]] = {
    "divs-100k": lambda: _nest("<div>", "</div>", 100_000),
    "spans-200k-unclosed": lambda: _page("<span>" * 200_000 + _SENTENCE),
    "tables-5k": lambda: _nest("<table><tr><td>", "</td></tr></table>", 5_000),
    "lists-20k": lambda: _nest("<ul><li>", "</li></ul>", 20_000),
    "inline-alternating-50k": lambda: _nest("<b><i>", "</i></b>", 50_000),
    "anchors-50k": lambda: _nest('<a href="/x">', "</a>", 50_000),
    "blockquotes-30k": lambda: _nest("<blockquote>", "</blockquote>", 30_000),
    "svg-groups-50k": lambda: _nest("<svg><g>", "</g></svg>", 50_000),
    "noscript-iframe-20k": lambda: _nest("<noscript><iframe>", "</iframe></noscript>", 20_000),
    "mismatched-close-100k": lambda: _page(("<div><p>" + _SENTENCE + "</div></p>") * 10_000 + "</div>" * 100_000),
    "articles-with-text-10k": lambda: _nest("<article><p>" + _SENTENCE + "</p>", "</article>", 10_000),
}

# -- binary bodies labelled text/html --------------------------------------------------------------


def _png(rng: random.Random) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + rng.randbytes(200_000)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.html", "<html>" + "x" * 100_000 + "</html>")
    return buf.getvalue()


def binaries(seed: int = 11) -> dict[str, bytes]:
    rng = random.Random(seed)
    return {
        "png": _png(rng),
        "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(200_000),
        "gif": b"GIF89a" + rng.randbytes(100_000),
        "pdf": b"%PDF-1.7\n" + rng.randbytes(200_000) + b"\n%%EOF",
        "gzip": gzip.compress(_page(_SENTENCE * 2000).encode()),
        "zip": _zip(),
        "elf": b"\x7fELF\x02\x01\x01" + rng.randbytes(200_000),
        "random": rng.randbytes(500_000),
        "random-with-html-prefix": b"<html><body><p>" + rng.randbytes(300_000),
        "nul-bytes": b"\x00" * 100_000,
        "utf16-no-bom": _page("<p>" + _SENTENCE * 200 + "</p>").encode("utf-16-le"),
        "utf32": _page("<p>" + _SENTENCE * 200 + "</p>").encode("utf-32"),
        "mostly-controls": bytes(rng.randrange(0, 32) for _ in range(100_000)),
        "woff-font": b"wOFF" + rng.randbytes(100_000),
        "sqlite": b"SQLite format 3\x00" + rng.randbytes(100_000),
    }
