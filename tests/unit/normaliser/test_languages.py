"""Page furniture, bylines and titles in languages other than English (issue #25): labels driven
by the page's language, headlines in scripts without spaces or with combining marks."""

from __future__ import annotations

import pytest

from newswire.normaliser.cleanup import clean_lines, is_boilerplate
from newswire.normaliser.evaluation import same_title
from newswire.normaliser.logic import extract
from newswire.normaliser.vocabulary import ENGLISH, LANGUAGES, furniture_for
from tests.unit.normaliser.pages import metadata_of as _meta
from tests.unit.normaliser.pages import rule_page as _page


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("Teilen", "de"),
        ("- 3 Minuten Lesezeit", "de"),
        ("- Veröffentlicht am 13. Mai 2026 um 15:44", "de"),
        ("Stand: 24.04.2024, 15:10 Uhr", "de"),
        ("Lesen Sie auch: Die Bahn streikt erneut", "de"),
        ("Mehr zum Thema", "de"),
        ("Anzeige", "de"),
        ("Publié le 12/03/2024 à 10h30", "fr"),
        ("Mis à jour le 3 mars 2024", "fr"),
        ("À lire aussi : la réforme des retraites", "fr"),
        ("Lee también: El Gobierno aprueba el presupuesto", "es"),
        ("Leggi anche: il governo approva la manovra", "it"),
        ("Leia também: governo aprova orçamento", "pt"),
        ("Lees ook: kabinet valt", "nl"),
        ("Les også: Regjeringen går av", "no"),
        ("Läs också: Regeringen avgår", "sv"),
        ("Advertisement 2", "en"),
        ("5 min read", "de"),  # English widget labels on a page in any language
    ],
)
def test_furniture_lines_are_boilerplate(line: str, language: str) -> None:
    assert is_boilerplate(line, language)


@pytest.mark.parametrize(
    ("line", "language"),
    [
        ("Der Minister sagte, mehr dazu werde man später erfahren.", "de"),
        ("Teilen Sie uns Ihre Meinung mit, sagte der Bürgermeister.", "de"),
        ("Veröffentlicht wurde der Bericht am Montag.", "de"),
        ("Les enquêteurs ont partagé leurs conclusions mardi.", "fr"),
        ("Share prices fell by 3% on Monday.", "en"),
    ],
)
def test_prose_is_not_boilerplate(line: str, language: str) -> None:
    assert not is_boilerplate(line, language)


def test_labels_follow_the_language() -> None:
    """A page's own language and English are looked for; another language's labels are not."""
    assert furniture_for("de-AT") == (ENGLISH, LANGUAGES["de"])
    assert furniture_for("nb") == (ENGLISH, LANGUAGES["no"])
    assert furniture_for("ja") == (ENGLISH,)
    assert len(furniture_for(None)) == len(LANGUAGES)
    assert is_boilerplate("Läs också: Regeringen avgår", None)
    assert not is_boilerplate("Läs också: Regeringen avgår", "de")


def test_byline_before_the_story_goes_and_the_dateline_is_lifted() -> None:
    """"Von Jonas Weber" on its own line above "BERLIN (dpa) – ..." no longer hides the
    dateline; a sentence opening with "Von" stays."""
    body = "".join(
        f"<p>{p}</p>"
        for p in (
            "Von Jonas Weber",
            "BERLIN (dpa) – Die Bundesregierung hat am Dienstag einen neuen Haushaltsentwurf vorgelegt, "
            "der deutlich höhere Ausgaben für Verteidigung vorsieht.",
            "Von Berlin aus reiste der Minister anschließend nach Brüssel weiter, wo er Gespräche führte. " * 3,
            "Teilen",
        )
    )
    html = f'<html lang="de"><head><title>Haushalt vorgelegt</title></head><body><article>{body}</article></body></html>'
    ex = extract(html, "https://news.example.de/politik/haushalt")
    assert ex is not None
    assert ex.dateline is not None and ex.dateline.place == "BERLIN"
    assert ex.wire_source == "dpa"
    assert ex.paragraphs[0].startswith("Die Bundesregierung")
    assert ex.paragraphs[-1].startswith("Von Berlin aus")


def test_headline_with_a_glued_kicker_leaves_the_body() -> None:
    title = "Pendler sparen 60 Prozent bei Bus und Bahn"
    lines = (f"49-Euro-Ticket : {title}", "Das Ticket gilt ab Mai in ganz Deutschland für alle Nahverkehrszüge.")
    assert clean_lines(lines, title, "de") == lines[1:]
    # a first sentence that merely ends with the headline's words is not a kicker and headline
    long_lead = f"In einer Studie, die am Montag in Berlin vorgestellt wurde, heißt es: {title}"
    assert clean_lines((long_lead, lines[1]), title, "de")[0] == long_lead


def test_full_width_separators_and_cjk_site_names() -> None:
    head = (
        '<meta property="og:site_name" content="日刊ゲンダイDIGITAL">'
        '<meta property="og:title" content="協賛企業が撤退へ｜日刊ゲンダイDIGITAL">'
    )
    assert _meta(_page(head, "<h1>協賛企業が撤退へ</h1>")).title == "協賛企業が撤退へ"
    head = '<meta property="og:site_name" content="中日新聞Web"><title>南海トラフ、一時調査：中日新聞Web</title>'
    assert _meta(_page(head, "")).title == "南海トラフ、一時調査"


def test_soft_hyphens_leave_titles() -> None:
    head = "<title>Verfassungsbeschwerde eingelegt</title>"
    found = _meta(_page(head, "<h1>Ver\u00adfas\u00adsungs\u00adbe\u00adschwerde eingelegt</h1>"))
    assert found.title == "Verfassungsbeschwerde eingelegt"


def test_headline_after_a_kicker_segment() -> None:
    """An <h1> that is the segment after a kicker in og:title ("Kicker | Headline") is the
    headline when another declared title says it alone; a section name after a bar is not."""
    headline = "Beleidigen und beschuldigen: Streit ums Material"
    head = (
        f'<meta property="og:title" content="Skispringen | {headline}">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{headline}"}}</script>'
    )
    assert _meta(_page(head, f"<h1>{headline}</h1>")).title == headline
    head = '<meta property="og:title" content="Solar panels explained | Energy">'
    assert _meta(_page(head, "<h1>Energy</h1>")).title != "Energy"


def test_headline_with_combining_marks() -> None:
    """Devanagari vowel signs are part of words: the <h1> agrees with the declared titles (with
    the standard library's \\w its words fell apart into pieces too short to compare, and the
    og:title with its section suffix was taken)."""
    clean = "समस्तीपुर पुलिस ने 2 बदमाशों को पकड़ा: दो दिनों के अंदर चोरी कांड का खुलासा"
    glued = clean.replace("पकड़ा: दो", "पकड़ा:दो")
    head = (
        f'<meta property="og:title" content="{clean} - Samastipur News">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{clean}"}}</script>'
    )
    title = _meta(_page(head, f"<h1>{glued}</h1>")).title
    assert title is not None and "Samastipur" not in title
    assert same_title(title, clean)
