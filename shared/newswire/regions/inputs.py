"""What the region test reads and how it hashes it, on any parser's tree: the page's bound, the
locator steps, the verdict inputs (headline, byline, site name and canonical URL, as metadata is
read from them) and the digest. The normaliser's lxml test (`newswire.normaliser.fingerprint`) and
the lexbor test (`lexbor`) both take them from here, so the two agree by construction.

Pure: the standard library only."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

__all__ = [
    "MAX_HTML_CHARS", "NOT_BYLINE", "NO_TEXT", "REGION_BREAK", "STEP_MAX", "VERDICT_META", "bounded",
    "byline_marked", "declared_input", "digest_parts", "follow",
]

#: Pages are cut to this many characters before parsing (a bound on parse time and memory).
MAX_HTML_CHARS = 3_000_000
#: Elements whose text is never article text (the extractors drop them): left out of the digest.
NO_TEXT = frozenset({"script", "style"})
#: The step between two regions' locators in `PageFingerprint.region`.
REGION_BREAK = "+"
#: Longest step and id kept in a locator (a longer one is cut the same way on both sides).
STEP_MAX = 300
#: Meta tags the headline, byline, site name and canonical URL are read from (metadata.py).
VERDICT_META = frozenset({
    "og:title", "twitter:title", "og:site_name", "og:url", "author", "article:author",
    "parsely-author", "sailthru.author", "dc.creator", "citation_author",
})
#: Tags never taken for a byline element.
NOT_BYLINE = frozenset({"meta", "script", "style", "body"})
_LDJSON_CASE = str.maketrans("LDJSON", "ldjson")
_CANONICAL_CASE = str.maketrans("CANONICAL", "canonical")
N = TypeVar("N")


def bounded(html: str) -> str:
    """What of a page any parser here reads: its first MAX_HTML_CHARS characters, NUL bytes removed."""
    text = html[:MAX_HTML_CHARS]
    return text.replace("\x00", "") if "\x00" in text else text


def digest_parts(parts: list[str]) -> str:
    """BLAKE2b of the parts, each followed by \x1f: fed as one string (the same bytes, so the same
    digest as part by part, for a third of the CPU)."""
    text = "\x1f".join(parts) + "\x1f" if parts else ""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def declared_input(tag: str, get: Callable[[str], str | None], text: Callable[[], str | None]) -> str | None:
    """The verdict input a `<meta>`, `<script>` or `<link>` is, on any parser's tree (`get`: its
    attributes, `text`: its text): 'meta:key=content' for a `VERDICT_META` tag, 'ld:…' for JSON-LD,
    'canonical:…' for rel=canonical; None for anything else."""
    if tag == "meta":
        content = get("content")
        key = (get("property") or get("name") or get("itemprop") or "").strip().casefold()
        return f"meta:{key}={content}" if content is not None and key in VERDICT_META else None
    if tag == "script":
        return "ld:" + (text() or "") if "ld+json" in (get("type") or "").translate(_LDJSON_CASE) else None
    if tag == "link":
        rel, href = get("rel"), get("href")
        if rel is not None and href is not None and rel.translate(_CANONICAL_CASE) == "canonical":
            return "canonical:" + href
    return None


def byline_marked(rel: str | None, itemprop: str | None, cls: str | None) -> bool:
    """Marked as the author's or a byline (metadata.py reads authors from such markup)."""
    return rel == "author" or itemprop == "author" or (cls is not None and ("byline" in cls or "author" in cls))


def follow(
    node: N, steps: Sequence[str], children: Callable[[N], Iterable[N]], signature: Callable[[N], str]
) -> N | None:
    """Where a locator's 'signature:n' steps lead from `node` in any parser's tree (`children`: a
    node's child elements; `signature`: its tag and classes, 'tag.class1.class2' cut to
    STEP_MAX), or None."""
    for step in steps:
        sig, _, index = step.rpartition(":")
        if not sig or not index.isdigit():
            return None
        n = int(index)
        nxt = None
        for child in children(node):
            if signature(child) == sig:
                if n == 0:
                    nxt = child
                    break
                n -= 1
        if nxt is None:
            return None
        node = nxt
    return node
