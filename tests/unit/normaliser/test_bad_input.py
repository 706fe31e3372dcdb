"""Bad pages end in a clear refusal or a flagged article: never a crash, never a hang."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from newswire.normaliser import wiring
from newswire.normaliser.extract import MAX_ELEMENTS, NotExtractable, decode_html
from newswire.normaliser.logic import extract
from newswire.normaliser.settings import NormaliserSettings
from newswire.runtime.errors import PermanentError
from newswire.runtime.stage import Context, Origin
from newswire.topics import PAGES
from tests.factories import fetched_page

URL = "https://news.example.org/world/2016/sep/08/a"
CTX = Context("normaliser", Origin("pages", 0, 0, None, None, {}, 1))


@pytest.mark.parametrize(
    "html",
    [
        "",
        "\x00\x00\x00",
        "<html><body><script>var x = 1;</script><style>p {}</style></body></html>",
        "<<<<>>>>" * 1000,
    ],
    ids=["empty", "nul", "no-text", "brackets"],
)
def test_no_article(html: str) -> None:
    assert extract(html, URL) is None


@pytest.mark.parametrize("seed", range(8))
def test_binary_data_is_no_article(seed: int) -> None:
    """Random bytes decoded as Latin-1 (an image or an archive served as text/html): the body
    candidates find "text" in them (readability did for 7 of 40 seeds), but none of it is."""
    html = random.Random(seed).randbytes(200_000).decode("latin-1")
    assert extract(html, URL) is None


@pytest.mark.timeout(120)
def test_ten_megabytes_of_nested_divs() -> None:
    depth = 10_000_000 // 11
    html = "<html><body>" + "<div>" * depth + "Deep text." + "</div>" * depth + "</body></html>"
    assert extract(html, URL) is None


@pytest.mark.timeout(120)
def test_huge_page_is_refused() -> None:
    html = "<html><body>" + "<div><p>Word word word word.</p></div>" * MAX_ELEMENTS + "</body></html>"
    with pytest.raises(NotExtractable, match="page too large"):
        extract(html, URL)


@pytest.mark.timeout(120)
def test_large_page_takes_the_fast_path() -> None:
    html = "<html><body><article>" + "".join(
        f"<p>Paragraph {i} of a very long page tells its own short story.</p>" for i in range(8000)
    ) + "</article></body></html>"
    ex = extract(html, URL)
    assert ex is not None and ex.body_source == "trafilatura-fast" and len(ex.paragraphs) > 1000


def test_broken_encodings() -> None:
    text = "Kerry and Lavrov met in Genève on Friday – “talks”."
    assert decode_html(f'<meta charset="utf-8"><p>{text}</p>'.encode()).endswith(f"{text}</p>")
    assert "Genève" in decode_html('<meta charset="iso-8859-1"><p>Genève</p>'.encode("latin-1"))
    # declared utf-8 but latin-1 bytes: decoded anyway, without an exception
    assert "Gen" in decode_html('<meta charset="utf-8"><p>Genève</p>'.encode("latin-1"))
    assert "Gen" in decode_html("<p>Genève ünd Zürich</p>".encode("cp1252"))


async def test_stage_dead_letters_with_a_reason(tmp_path: Path) -> None:
    stage = wiring.build(NormaliserSettings(data_dir=tmp_path, store="memory://"))  # type: ignore[call-arg]
    fn = stage._routes[PAGES.full_name(stage.prefix)].fn
    huge = "<html><body>" + "<p>x</p>" * (MAX_ELEMENTS + 10) + "</body></html>"
    with pytest.raises(PermanentError, match="page too large"):
        await fn(fetched_page().model_copy(update={"html": huge}), CTX)
    # binary garbage; seeded, since about one random 5 kB in 30 reads as a line of text
    garbage = random.Random(0).randbytes(5000).decode("latin-1")
    with pytest.raises(PermanentError, match="no article text"):
        await fn(fetched_page().model_copy(update={"html": garbage}), CTX)


def test_binary_lines_go_and_text_stays() -> None:
    from newswire.normaliser.cleanup import is_binary

    assert is_binary("ab\x01cd\x02ef\x03gh" * 3)
    # mojibake (UTF-8 read as Latin-1) carries C1 controls, not these: it is damaged text, kept
    assert not is_binary("Keep your screen at armâ\x80\x99s length")
    assert not is_binary("Слово за словом, Wörter und 漢字, a tab\there")
    assert not is_binary("One stray \x0c form feed in a long line of real text stays text.")
