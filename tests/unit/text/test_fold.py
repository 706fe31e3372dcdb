"""`newswire.text.fold_text`: the form of a text that only real edits change."""

from __future__ import annotations

import random
import unicodedata

from newswire.text import _INVISIBLE, _QUOTES, content_hash, fold_text

#: The fold as it was written first (one `str.translate`), the reference for the replace loop.
_TABLE = str.maketrans(_QUOTES)


def reference(text: str) -> str:
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_TABLE)
    return " ".join(folded.split())


def test_quotes_invisible_characters_and_whitespace() -> None:
    assert fold_text(" a\u00a0 b\t\u201cc\u201d \u2018d\u2019 ") == "a b \"c\" 'd'"
    assert fold_text("\u00abNein\u00bb, sagte sie.\u00ad\u200b") == '"Nein", sagte sie.'
    assert fold_text("it\u2032s `x` \u201eja\u201f") == "it's 'x' \"ja\""
    assert fold_text("\ufb01ne\u2003caf\u00e9") == "fine caf\u00e9"  # NFKC: the ligature, the em space


def test_the_same_as_one_translate_on_random_text() -> None:
    """Every quote, in every mix with other characters, folds as the translate table did."""
    rng = random.Random(25)
    alphabet = [*_QUOTES, "a", "Z", " ", "\n", "\u00e9", "\u200b", "\u00ad", "'", '"', "\u2014", "\u00a0"]
    for _ in range(2_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        assert fold_text(text) == reference(text), repr(text)


def test_content_hash_ignores_quote_styles() -> None:
    assert content_hash("A \u201ctitle\u201d", ["It\u2019s here."]) == content_hash('A "title"', ["It's here."])
