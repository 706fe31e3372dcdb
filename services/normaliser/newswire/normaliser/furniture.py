"""Page furniture told by a block's shape rather than one line's: an embedded social post (its
text and the "— Name (@handle) Date" signature under it) and the author's notes that end a story
("Jane Doe is a senior researcher at ..."). `cleanup` runs these over the body's lines; like its
rules they are about the form of the lines, never a site."""

from __future__ import annotations

import re

from newswire.normaliser.markup import MONTH_NAME

#: An embedded post's signature ("— Jane Doe (@jdoe) August 5, 2024"): the quoted post ends there.
_POST_STAMP = re.compile(
    rf"^[—–-]\s*[^()]{{1,80}}\(@\w{{1,30}}\)\s+{MONTH_NAME}\s+\d{{1,2}},\s+\d{{4}}\W*$", re.IGNORECASE
)
#: The post's text ends in its link ("... pic.twitter.com/7IJYBkhgep", "https://t.co/Wcgr...").
_POST_LINK = re.compile(r"(?:pic\.twitter\.com|t\.co)/\w+\W*$")


def drop_embedded_posts(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Embedded social posts: the signature line ("— Name (@handle) Date") and the post's text
    above it when that ends in the post's link. Quoted posts are the page's embeds, not the
    article's prose (which quotes them in its own words when it needs to)."""
    if not any("(@" in line for line in lines):
        return lines
    out: list[str] = []
    for line in lines:
        if "(@" in line and _POST_STAMP.match(line.strip()):
            if out and _POST_LINK.search(out[-1]):
                out.pop()
            continue
        out.append(line)
    return tuple(out)


#: An author's note at the end of a story: a name of two to four capitalised words, then "is a"
#: or its like ("Jane Doe is a senior researcher at ...", "Manuela Conrad ist ZDF-Reporterin für
#: ...", "Steph Bazzle covers politics ..."), in one paragraph of at most BIO_WORDS words.
_BIO_LINE = re.compile(
    r"^(?!(?:The|A|An|Der|Die|Das|Le|La|Les|El|Il)\s)(?:[A-ZÀ-Þ][\w'’-]+|[A-Z]\.)"
    r"(?:\s+(?:[A-ZÀ-Þ][\w'’-]+|[A-Z]\.|van|von|de|der|da|di|la|le)){1,3}\s+"
    r"(?:is|was|ist|war|est|es|è|é|er|är|jest|covers|writes|reports)\s+\w",
)
BIO_WORDS = 60
#: Author's notes are looked for only after this many lines of the story.
BIO_AFTER_LINES = 3


def drop_trailing_bios(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The story without the author's notes that end it (`_BIO_LINE`): a page's box about its
    writer, not the article's text."""
    end = len(lines)
    while end > BIO_AFTER_LINES:
        last = lines[end - 1]
        if len(last.split()) > BIO_WORDS or not _BIO_LINE.match(last.strip()):
            break
        end -= 1
    return lines[:end]
