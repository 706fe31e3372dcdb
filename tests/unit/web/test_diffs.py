"""The stored diff HTML, parsed and sanitised: the tracker's own output survives intact, anything
else it could not have emitted becomes visible text, never markup."""

from __future__ import annotations

import pytest

from newswire.tracker.diff import diff_versions
from newswire.web.diffs import (
    MAX_DIFF_CHARS,
    Gap,
    Paragraph,
    Segment,
    compact,
    parse_diff_html,
    plain_text,
    sanitise_diff_html,
    to_html,
)
from tests.unit.web.fake import only_allowed_markup

OLD = ["First paragraph stays.", "The minister said twelve people died.", "This one goes away.", "Last words."]
NEW = ["First paragraph stays.", "The minister said fourteen people died, police said.", "Last words.", "A new ending."]



def tracker_html(old: list[str], new: list[str]) -> str:
    return diff_versions("t", old, "t", new).html


def test_the_trackers_own_diff_round_trips_exactly() -> None:
    html = tracker_html(OLD, NEW)
    assert to_html(parse_diff_html(html)) == html
    hostile = tracker_html(["<b>bold</b> & \"quoted\" text"], ["<script>alert(1)</script> & \"quoted\" text"])
    assert sanitise_diff_html(hostile) == hostile
    assert "<script" not in hostile and only_allowed_markup(hostile)
    assert plain_text(parse_diff_html(hostile).paragraphs[0].new_segments) == "<script>alert(1)</script> & \"quoted\" text"


def test_paragraphs_kinds_segments_and_numbers() -> None:
    view = parse_diff_html(tracker_html(OLD, NEW))
    kinds = [p.kind for p in view.paragraphs]
    assert kinds == ["same", "changed", "removed", "same", "added"]
    changed = view.paragraphs[1]
    assert Segment("delete", "twelve") in changed.segments and Segment("insert", "fourteen") in changed.segments
    assert plain_text(changed.old_segments) == OLD[1]
    assert plain_text(changed.new_segments) == NEW[1]
    # numbered as a reader counts, in each version: the removed paragraph has no new number
    assert [(p.old_number, p.new_number) for p in view.paragraphs] == [(1, 1), (2, 2), (3, None), (4, 3), (None, 4)]
    assert [p.kind for p in view.changed] == ["changed", "removed", "added"]


def test_entities_are_text_and_stay_escaped() -> None:
    view = parse_diff_html('<p class="changed">a &lt;script&gt;alert(1)&lt;/script&gt; <ins>&amp;amp;</ins></p>')
    assert plain_text(view.paragraphs[0].segments) == "a <script>alert(1)</script> &amp;"
    html = to_html(view)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;amp;" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '"><img src=x onerror=alert(1)>',
        '<p class="changed" onclick="alert(1)" style="x">click</p>',
        '<p class="evil changed">text</p>',
        '<a href="javascript:alert(1)">link</a>',
        "<iframe src=//evil.example></iframe>",
        "<svg><script>alert(1)</script></svg>",
        "<!-- comment --><!DOCTYPE html><?php echo 1 ?>",
        "<![CDATA[<script>x</script>]]>",
        "<ins onmouseover=alert(1)>x</ins><del style=color:red>y</del>",
        "<p><ins>unclosed <del>nested",
        "</p></ins></del>stray closers",
        "<style>body{display:none}</style>",
        "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "<p class=\"changed\">a</p><<p>b</p>",
        "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
        "<br onload=alert(1)><span class=x>s</span>",
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "<p\nclass=changed\nonfocus=alert(1) autofocus>x</p>",
    ],
)
def test_anything_else_is_text_never_markup(hostile: str) -> None:
    html = sanitise_diff_html(hostile)
    assert only_allowed_markup(html), html
    for tag in ("<script", "<img", "<iframe", "<svg", "<a ", "<style", "<math", "<!--", "<span"):
        assert tag not in html.lower(), (tag, html)
    # the sanitised HTML is itself a fixed point
    assert sanitise_diff_html(html) == html


def test_disallowed_tags_are_shown_as_text() -> None:
    view = parse_diff_html('<p class="changed">x <img src=x onerror=alert(1)> <ins>y</ins></p>')
    assert plain_text(view.paragraphs[0].segments) == "x <img src=x onerror=alert(1)> y"
    assert "&lt;img src=x onerror=alert(1)&gt;" in to_html(view)


def test_marks_without_a_paragraph_make_a_changed_paragraph() -> None:
    view = parse_diff_html("<del>Fatah</del><ins>Fateh</ins>")  # the contract factory's diff
    (paragraph,) = view.paragraphs
    assert paragraph.kind == "changed"
    assert paragraph.segments == (Segment("delete", "Fatah"), Segment("insert", "Fateh"))


def test_innermost_mark_wins_and_breaks_are_kept() -> None:
    view = parse_diff_html("<p><del>a<ins>b</ins>c</del>d<br>e<span>f</span></p>")
    assert view.paragraphs[0].segments == (
        Segment("delete", "a"), Segment("insert", "b"), Segment("delete", "c"), Segment("equal", "d"),
        Segment("break"), Segment("equal", "ef"),
    )
    assert to_html(view) == '<p class="changed"><del>a</del><ins>b</ins><del>c</del>d<br>ef</p>'


def test_empty_and_whitespace_diffs_have_no_paragraphs() -> None:
    assert parse_diff_html("").paragraphs == ()
    assert parse_diff_html("\n\n  \n").paragraphs == ()
    assert parse_diff_html("<p></p>").paragraphs == ()


def test_a_huge_diff_is_cut_not_parsed_whole() -> None:
    view = parse_diff_html("<p>" + "word " * (MAX_DIFF_CHARS // 5 + 100) + "</p>")
    assert view.truncated
    assert len(plain_text(view.paragraphs[0].segments)) <= MAX_DIFF_CHARS


def test_compact_keeps_context_and_counts_the_gaps() -> None:
    same = Paragraph("same", (Segment("equal", "s"),))
    changed = Paragraph("changed", (Segment("insert", "c"),))
    paragraphs = [same] * 5 + [changed] + [same] * 4
    out = compact(paragraphs, context=1)
    assert [type(x).__name__ for x in out] == ["Gap", "Paragraph", "Paragraph", "Paragraph", "Gap"]
    assert out[0] == Gap(4) and out[-1] == Gap(3)
    assert compact([same, same], context=1) == [Gap(2)]
    assert compact([changed], context=3) == [changed]
