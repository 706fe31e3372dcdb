"""Keyphrases with YAKE (unsupervised, language-aware through its stop-word lists).

YAKE runs as yake-rust, the Rust port of the reference implementation (`yake` on PyPI): about a
fifth of its CPU on a news lead (0.61-0.68 against 3.17-3.28 ms on the dev texts,
`bench/keyphrases.py`), and it releases the GIL. Its keyphrases are the reference's but at the
cut-off: the same first keyphrase on 97.5-99.4% of the dev leads and a top-ten set F1 of 0.97-0.99
with the reference's, the rest near-ties in another order or a different tenth phrase (see the
enricher's README). `ranked` makes the order the same in every process.
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


#: Candidates read past `top`, so that a near-tie at the cut-off is settled by `ranked`.
_SPARE = 5


@lru_cache(maxsize=32)
def _extractor(language: str) -> Yake:
    return Yake(language=language, ngrams=3, deduplication_threshold=0.8)


@lru_cache(maxsize=4096)
def _extract(language: str, top: int, body: str) -> tuple[tuple[str, float], ...]:
    """YAKE on `body`, remembered: a revision with the same lead, or a syndicated copy with the
    same title and lead, gets the same keyphrases without running YAKE again."""
    found = _extractor(language).get_n_best(body, n=top + _SPARE)
    return ranked([(str(kw), float(score)) for kw, score in found], top, body)


def ranked(found: list[tuple[str, float]], top: int, body: str) -> tuple[tuple[str, float], ...]:
    """The best `top` of YAKE's (keyphrase, score) pairs of `body`, lowest score first, the same
    in every process: yake-rust sums over hash maps seeded per process, so a text's scores differ
    in their last bits (relative 1e-15) from one process to the next and near-equal keyphrases
    swap places (64 of the 2,974 GVA dev leads in two runs). Scores are kept to 10 significant
    digits, and equal ones go in the order they first occur in the text, as the reference
    implementation has them (then by their text)."""
    rounded = [(kw, float(f"{score:.10g}")) for kw, score in found]

    def order(pair: tuple[str, float]) -> tuple[float, int, str]:
        at = body.find(pair[0])
        return pair[1], at if at >= 0 else len(body), pair[0]

    return tuple(sorted(rounded, key=order)[:top])


def yake_language(language: str | None) -> str:
    """The stop-word list YAKE reads an article with: its language's, else English."""
    return language if language is not None and language in _YAKE_LANGUAGES else "en"


def yake_text(title: str | None, text: str, max_words: int = 50) -> str:
    """What YAKE reads of an article: its title and the first `max_words` words of its body."""
    lead = " ".join(text.split()[:max_words])
    return f"{title}.\n{lead}" if title else lead


def keyphrases(
    title: str | None, text: str, language: str | None, top: int = 10, max_words: int = 50
) -> tuple[Keyphrase, ...]:
    """The best `top` keyphrases of the title and the lead (`max_words` words). A news lead states
    what the article is about, and YAKE's cost grows with the text, so the lead keeps the
    per-article stage within its budget (see bench/enricher.py). YAKE scores are "lower is
    better" and unbounded; we publish 1 - 0.9 * score / worst score, so higher is better, 0..1."""
    body = yake_text(title, text, max_words)
    if len(body.split()) < 3:
        return ()
    found = _extract(yake_language(language), top, body)
    if not found:
        return ()
    worst = max(score for _kw, score in found)
    return tuple(
        Keyphrase(text=kw, score=round(max(0.0, 1.0 - 0.9 * score / worst) if worst > 0 else 1.0, 4)) for kw, score in found
    )
