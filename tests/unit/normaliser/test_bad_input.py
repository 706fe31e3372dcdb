"""Bad pages end in a clear refusal or a flagged article: never a crash, never a hang."""

from __future__ import annotations

import os
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
        os.urandom(200_000).decode("latin-1"),
        "<<<<>>>>" * 1000,
    ],
    ids=["empty", "nul", "no-text", "binary", "brackets"],
)
def test_no_article(html: str) -> None:
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
