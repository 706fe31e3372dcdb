"""Keyphrases with YAKE (unsupervised, language-aware through its stop-word lists)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yake

from newswire.contracts import Keyphrase

#: Languages YAKE ships stop words for (others fall back to its language-independent list).
_YAKE_LANGUAGES = frozenset(
    "ar bg br cz da de el en es et fa fi fr hi hr hu hy id it ja lt lv nl no pl pt ro ru sk sl sv "
    "tr uk zh".split()
)


@lru_cache(maxsize=32)
def _extractor(language: str, top: int) -> Any:
    return yake.KeywordExtractor(lan=language, n=3, dedupLim=0.8, top=top)


@lru_cache(maxsize=4096)
def _extract(language: str, top: int, body: str) -> tuple[tuple[str, float], ...]:
    """YAKE on `body`, remembered: a revision with the same lead, or a syndicated copy with the
    same title and lead, gets the same keyphrases without running YAKE again."""
    return tuple((str(kw), float(score)) for kw, score in _extractor(language, top).extract_keywords(body))


def keyphrases(
    title: str | None, text: str, language: str | None, top: int = 10, max_words: int = 50
) -> tuple[Keyphrase, ...]:
    """The best `top` keyphrases of the title and the lead (`max_words` words). YAKE costs about
    0.1 ms per word in pure Python, and a news lead states what the article is about, so the
    lead keeps the per-article stage within its budget (see bench/enricher.py). YAKE scores are "lower is
    better" and unbounded; we publish 1 - 0.9 * score / worst score, so higher is better, 0..1."""
    lead = " ".join(text.split()[:max_words])
    body = f"{title}.\n{lead}" if title else lead
    if len(body.split()) < 3:
        return ()
    lang = language if language in _YAKE_LANGUAGES else "en"
    found = _extract(lang or "en", top, body)
    if not found:
        return ()
    worst = max(score for _kw, score in found)
    return tuple(
        Keyphrase(text=kw, score=round(max(0.0, 1.0 - 0.9 * score / worst) if worst > 0 else 1.0, 4)) for kw, score in found
    )
