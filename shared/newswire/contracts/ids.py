"""Deterministic ids, so that every write downstream is idempotent.

article_id = hash(canonical URL), revision_id = article_id + version, feed_id = hash(normalised
feed URL). The hash is 128-bit BLAKE2b: collision-free in practice at news scale, short in URLs.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def normalise_url(url: str) -> str:
    """Normalise a URL for identity: scheme/host case, default ports, tracking parameters
    (utm_*, fbclid, gclid, ...) and fragments removed, query parameters sorted.

    courlan does the heavy lifting (its non-strict mode strips tracking parameters but keeps
    meaningful ones such as `?id=123`); we only add what ids need (no fragment) on top.
    """
    cleaned = normalize_url(url.strip(), strict=False)
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def article_id(canonical_url: str) -> str:
    """The article id: a stable hash of the article's canonical URL (normalised first)."""
    return _digest(normalise_url(canonical_url))


def feed_id(feed_url: str) -> str:
    """The feed id: a stable hash of the normalised feed URL."""
    return _digest(normalise_url(feed_url))


def revision_id(article: str, version: int) -> str:
    """The id of an article's version `version` (>= 1): article id plus version number."""
    if version < 1:
        raise ValueError(f"version must be >= 1, got {version}")
    return f"{article}-v{version}"


def story_id(first_article_id: str) -> str:
    """A story's id, fixed by the article that started it, so that it is stable across restarts."""
    return f"s-{_digest('story:' + first_article_id)[:24]}"


def dead_letter_id(stage: str, topic: str, partition: int, offset: int) -> str:
    """One id per failed message and stage, so a re-delivered failure is stored once."""
    return _digest(f"{stage}|{topic}|{partition}|{offset}")


def host_of(url: str) -> str:
    """The lower-case host of a URL (the key of fetch requests: per-host politeness)."""
    host = urlsplit(url).hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    return host.lower()
