"""Keyphrases with YAKE (unsupervised, language-aware through its stop-word lists).

YAKE runs as yake-rust, the Rust port of the reference implementation (`yake` on PyPI): about a
fifth of its CPU on a news lead (0.62-0.79 against 3.40-3.91 ms on the dev texts,
`bench/keyphrases.py`), and it releases the GIL. Its keyphrases are the reference's but at the
cut-off: the same first keyphrase on 97.5-99.6% of the dev leads and a top-ten set F1 of 0.97-0.99
with the reference's, the rest ties ordered by the last bits of a float or a different tenth
phrase (see the enricher's README).
"""

from __future__ import annotations

from functools import lru_cache

from yake_rust import Yake

from newswire.contracts import Keyphrase

#: Languages YAKE ships stop words for (others fall back to its English list).
_YAKE_LANGUAGES = frozenset(
    "ar bg br cz da de el en es et fa fi fr hi hr hu hy id it ja lt lv nl no pl pt ro ru sk sl sv "
    "tr uk zh".split()
)


@lru_cache(maxsize=32)
def _extractor(language: str) -> Yake:
    return Yake(language=language, ngrams=3, deduplication_threshold=0.8)


@lru_cache(maxsize=4096)
def _extract(language: str, top: int, body: str) -> tuple[tuple[str, float], ...]:
    """YAKE on `body`, remembered: a revision with the same lead, or a syndicated copy with the
    same title and lead, gets the same keyphrases without running YAKE again."""
    return tuple((str(kw), float(score)) for kw, score in _extractor(language).get_n_best(body, n=top))


def keyphrases(
    title: str | None, text: str, language: str | None, top: int = 10, max_words: int = 50
) -> tuple[Keyphrase, ...]:
    """The best `top` keyphrases of the title and the lead (`max_words` words). A news lead states
    what the article is about, and YAKE's cost grows with the text, so the lead keeps the
    per-article stage within its budget (see bench/enricher.py). YAKE scores are "lower is
    better" and unbounded; we publish 1 - 0.9 * score / worst score, so higher is better, 0..1."""
    lead = " ".join(text.split()[:max_words])
    body = f"{title}.\n{lead}" if title else lead
    if len(body.split()) < 3:
        return ()
    lang = language if language in _YAKE_LANGUAGES else "en"
    found = _extract(lang, top, body)
    if not found:
        return ()
    worst = max(score for _kw, score in found)
    return tuple(
        Keyphrase(text=kw, score=round(max(0.0, 1.0 - 0.9 * score / worst) if worst > 0 else 1.0, 4)) for kw, score in found
    )
