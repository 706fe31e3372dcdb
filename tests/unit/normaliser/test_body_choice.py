"""The body: trafilatura's recall mode taken when it is the same text grown; captions and
byline dates removed by form."""

from __future__ import annotations

from typing import Any

import pytest

from newswire.normaliser import extract as ex
from newswire.normaliser.cleanup import clean_lines
from newswire.normaliser.extract import extract_body, parse_html

ARTICLE = tuple(f"Paragraph {i} of the article says something about solar panels and roofs." for i in range(8))
LIST = tuple(f"Step {i}: check the wiring of panel number {i} before the inspection." for i in range(6))
OTHER = tuple(f"Footer block {i} lists offices, careers, partners and a newsletter form." for i in range(30))


def _page(n_words: int) -> str:
    return "<html><body>" + "<p>word</p>" * n_words + "</body></html>"


def _fake_trafilatura(balanced: tuple[str, ...], recall: tuple[str, ...]) -> Any:
    def run(tree: Any, url: str, **opts: bool) -> tuple[str, ...]:
        return recall if opts.get("favor_recall") else balanced
    return run


@pytest.mark.parametrize(
    ("recall", "page_words", "source"),
    [
        (ARTICLE + LIST, 160, "trafilatura-recall"),  # same text, grown: a list the balanced run dropped
        (ARTICLE[:4] + OTHER, 500, "trafilatura"),  # another block of the page, not the article grown
        (ARTICLE + LIST, 110, "trafilatura"),  # the page has little more text than was kept: not tried
        (ARTICLE + ARTICLE + ARTICLE + ARTICLE, 500, "trafilatura"),  # four times as long: the page, not the text
    ],
)
def test_recall_mode_taken_only_when_it_grows_the_same_text(
    monkeypatch: pytest.MonkeyPatch, recall: tuple[str, ...], page_words: int, source: str
) -> None:
    monkeypatch.setattr(ex, "_trafilatura", _fake_trafilatura(ARTICLE, recall))
    monkeypatch.setattr(ex, "_readability", lambda tree: ())
    tree = parse_html(_page(10))
    assert tree is not None
    choice = extract_body(tree, "https://example.com/a", page_words)
    assert choice.source == source
    assert choice.lines == (recall if source == "trafilatura-recall" else ARTICLE)


def test_readability_still_wins_before_recall_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, bool]] = []

    def run(tree: Any, url: str, **opts: bool) -> tuple[str, ...]:
        calls.append(opts)
        return ARTICLE[:3]

    monkeypatch.setattr(ex, "_trafilatura", run)
    monkeypatch.setattr(ex, "_readability", lambda tree: ARTICLE)
    tree = parse_html(_page(10))
    assert tree is not None
    choice = extract_body(tree, "https://example.com/a", 400)
    assert choice.source == "readability" and choice.lines == ARTICLE
    assert calls == [{}]  # no recall run after readability was taken


@pytest.mark.parametrize(
    "line",
    [
        "The tent should be chosen for the length and climate of the trip. Credit: Clark Tatum",
        "A portrait of the mayor in 2004 (Picture credit: City Archive)",
        "Photo courtesy of Harbour Press",
        "July 29, 2025",
        "Published on: 14 February 2025",
        "Updated on November 18, 2025",
    ],
)
def test_captions_and_byline_dates_are_dropped(line: str) -> None:
    lines = ("The council approved the budget on Tuesday after a long debate.", line, "It takes effect in May.")
    assert clean_lines(lines, None) == (lines[0], lines[2])


@pytest.mark.parametrize(
    "line",
    [
        "On July 29, 2025 the council approved the budget.",
        "Apply for credit: it is easy and you can do it online in a few minutes today.",
        "May 2025",
    ],
)
def test_prose_with_dates_or_credit_stays(line: str) -> None:
    assert clean_lines((line,), None) == (line,)


PROSE = (
    "The council approved the new budget on Tuesday evening after a debate that lasted six hours.",
    "Members argued over the cost of the bridge repairs and the schedule for the road works in spring.",
    "The mayor said the plan would keep local taxes flat for a third year running despite inflation.",
)


def test_trailing_related_block_is_cut() -> None:
    lines = PROSE + ("Read This Next", "Introducing", "City Walks", "A tour of the old town.", "December 2025")
    assert clean_lines(lines, None) == PROSE
    assert clean_lines(PROSE + ("You might also like:",), None) == PROSE


def test_related_heading_before_prose_or_at_the_start_stays() -> None:
    # an inline box's heading with the article's prose resuming under it is not the end
    # (the prose goes on in new sentences: a long line written twice is kept once)
    inline = PROSE[:2] + ("Recommended for you",) + PROSE[2:] + tuple(f"Later, {p[0].lower()}{p[1:]}" for p in PROSE)
    assert clean_lines(inline, None) == inline
    # nor before the article has begun
    early = ("Up next", "Weather", "Sport") + PROSE
    assert clean_lines(early, None) == early


@pytest.mark.parametrize("line", ["13 MIN READ", "- 2 min read", "Read time: 14 min", "6 minute read"])
def test_reading_times_are_dropped(line: str) -> None:
    assert clean_lines(PROSE[:1] + (line,) + PROSE[1:], None) == PROSE


def test_comment_inside_a_paragraph_keeps_the_text_after_it() -> None:
    after = "Opposition members said the bridge repairs should have come first and promised a vote on it next month."
    page = (
        "<html><head><title>Budget</title></head><body><nav><a href='/'>Home</a></nav><article><h1>Budget</h1>"
        f"<p>{PROSE[0]} <!-- ad slot -->{after}</p><p>{PROSE[1]} {PROSE[2]}</p><p>{PROSE[2]} {PROSE[0]}</p>"
        "</article></body></html>"
    )
    tree = parse_html(page)
    assert tree is not None
    text = " ".join(extract_body(tree, "https://example.com/budget").lines)
    assert PROSE[0] in text and after in text
