"""Per-article enrichment: pure functions, no I/O.

The minimal pass: language (py3langid on the body, falling back to the normaliser's guess),
word count and reading time. Entities, keyphrases, duplicates and stories come with the enricher
issue; until then the article says so in `notes` rather than carrying placeholders.
"""

from __future__ import annotations

import re
from datetime import datetime

import py3langid

from newswire.contracts import ArticleVersion, EnrichedArticle

_WORD = re.compile(r"\w+", re.UNICODE)
PENDING = ("entities: not yet enabled", "keyphrases: not yet enabled", "stories: not yet enabled")


def detect_language(text: str, fallback: str | None) -> str | None:
    """ISO 639-1 code of `text`, or `fallback` when the text is too short to tell."""
    if len(_WORD.findall(text)) < 5:
        return fallback
    code, _score = py3langid.classify(text)
    return str(code)


def word_count(text: str) -> int:
    """Words in the text (Unicode word characters)."""
    return len(_WORD.findall(text))


def enrich(version: ArticleVersion, now: datetime, words_per_minute: int) -> EnrichedArticle:
    """The enriched form of one article version."""
    article = version.article
    words = word_count(article.text)
    return EnrichedArticle(
        article_id=version.article_id,
        version=version.version,
        revision_id=version.revision_id,
        first_seen=version.first_seen,
        last_changed=version.observed_at,
        article=article,
        language=detect_language(article.text, article.language),
        word_count=words,
        reading_time_s=round(words * 60 / words_per_minute),
        notes=PENDING,
        enriched_at=now,
    )
