"""The boring-change filter and correction notes."""

from __future__ import annotations

from newswire.contracts import ParagraphChange
from newswire.tracker.diff import diff_paragraphs
from newswire.tracker.kinds import corrections_appended, is_boilerplate, is_correction, signature

BODY = ["The talks resumed on Monday.", "Both sides agreed to a ceasefire."]


def test_boilerplate_lines() -> None:
    for line in ("Read more: Five things to know", "Advertisement", "Updated 10.32 BST, 8 Sep 2016",
                 "Published: 3 September 2016 12:00", "Related: Syria ceasefire explained", ""):
        assert is_boilerplate(line), line
    for line in ("Updated figures showed 300 people were killed in the attack on Monday.",
                 "Read the statement in full, he told reporters on Monday evening after the meeting "
                 "in Geneva had ended without an agreement on the ceasefire terms or aid convoys."):
        assert not is_boilerplate(line), line


def test_signature_ignores_noise_only() -> None:
    base = signature("Talks", ["Updated 5 minutes ago", *BODY, "1,204 shares"], ["Jane Doe"])
    assert base == signature("Talks", ["updated 2 hours ago", *BODY, "3.4k shares"], ["jane doe"])
    assert base == signature("Talks", [*BODY, "Read more: other story"], ["Jane Doe"])
    assert base != signature("Talks", [BODY[0], "Both sides rejected a ceasefire."], ["Jane Doe"])
    assert base != signature("Talks!", BODY, ["Jane Doe"])
    assert base != signature("Talks", BODY, ["Jane Doe", "John Roe"])


def test_correction_notes() -> None:
    for note in ("Correction: an earlier version misnamed the group.",
                 "This article was amended on 9 September 2016 to correct the name of the group.",
                 "An earlier version of this story incorrectly said the talks had failed.",
                 "Updated at 3pm to include comments from police.",
                 "Editor's note (Sept. 9): the headline has been changed."):
        assert is_correction(note), note
    for text in ("The minister updated his plan to include farmers.", "Police corrected the figures."):
        assert not is_correction(text), text
    old = [*BODY]
    new = [*BODY, "Correction: the talks resumed on Monday, not Sunday."]
    changes = diff_paragraphs(old, new)
    assert corrections_appended(old, new, changes) == (new[-1],)
    assert corrections_appended(new, [*new, "More talks are planned."], diff_paragraphs(new, [*new, "More talks are planned."])) == ()
    edited = [BODY[0], BODY[1] + " This article was amended to correct the date."]
    assert corrections_appended(BODY, edited, diff_paragraphs(BODY, edited)) == (edited[1],)
    assert isinstance(diff_paragraphs(old, new)[0], ParagraphChange)
