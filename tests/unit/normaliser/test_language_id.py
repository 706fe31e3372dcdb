"""`language.classify` gives py3langid's answer (the same computation, its byte walk vectorised)."""

from __future__ import annotations

import random

import py3langid
import pytest
from newswire.normaliser import language
from py3langid.langid import _get_identifier

TEXTS = [
    "",
    "a",
    "abcdef",
    "abcdefg",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "The government announced on Tuesday that the new budget would cut spending on defence.",
    "Die Bundesregierung hat am Dienstag angekündigt, dass der neue Haushalt Ausgaben kürzt.",
    "Le gouvernement a annoncé mardi que le nouveau budget réduirait les dépenses de défense.",
    "El Gobierno anunció el martes que el nuevo presupuesto recortaría el gasto en defensa.",
    "Regeringen meddelade på tisdagen att den nya budgeten skulle minska försvarsutgifterna.",
    "Правительство объявило во вторник, что новый бюджет сократит расходы на оборону.",
    "政府は火曜日、新しい予算で防衛費を削減すると発表した。",
    "政府周二宣布，新预算将削减国防开支。",
    "정부는 화요일 새 예산이 국방비를 삭감할 것이라고 발표했다.",
    "الحكومة أعلنت يوم الثلاثاء أن الميزانية الجديدة ستخفض الإنفاق الدفاعي",
    "Ελληνικά κείμενα με τόνους και διαλυτικά: ϊΐ",
    "e\u0301te\u0301 \ufb01nance \u212b",  # NFC changes it before the walk
    "12:30 — 3.5% | https://example.org/a?b=c #tag @user",
    "\ud800 lone surrogate",
]


def _random_texts(n: int) -> list[str]:
    rnd = random.Random(25)
    alphabet = [chr(c) for c in (*range(0x20, 0x250), *range(0x370, 0x500), *range(0x3040, 0x3100), *range(0x4E00, 0x4E80))]
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 400))) for _ in range(n)]


def test_the_dfa_forgets_all_but_its_window() -> None:
    """The proof, on the installed model: a new py3langid release is listed in PROVEN only when
    it passes (until then `classify` hands every text to py3langid)."""
    from importlib.metadata import version

    assert version("py3langid") in language.PROVEN
    assert language.window_holds(_get_identifier())


@pytest.mark.parametrize("text", TEXTS + [t * 40 for t in TEXTS[4:12]])
def test_classify_is_py3langid(text: str) -> None:
    assert language.classify(text) == py3langid.classify(text)[0]


def test_classify_is_py3langid_on_random_text() -> None:
    for text in _random_texts(200):
        assert language.classify(text) == py3langid.classify(text)[0], text
