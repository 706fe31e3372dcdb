"""Removing what extractors let through on news pages: consent banners, newsletter prompts,
share bars, "read more" lines, reading times ("5 min read"), image credits (also an agency's
"Photographer/Agency" line) and captions ending in one, byline dates on a line of their own, a
trailing block of links to other articles, widget residue at the ends of the body, text written
twice on one line, a long line the body repeats (a placeholder for each embed, a teaser shown
twice), a video's card (its teaser and "date | running time" stamp), embedded social posts,
captions (a credit in several languages, an agency's at the end, "Pictured ..."), teasers closed
by their "more" link, author notes ending the story and the headline repeated as the first line.
Rules are about the *form* of a line, never about a site or a page template."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from statistics import median

from newswire.normaliser.furniture import drop_embedded_posts, drop_trailing_bios
from newswire.normaliser.markup import MONTH_NAME
from newswire.normaliser.vocabulary import Furniture, furniture_for
from newswire.text import fold_text

_BOILERPLATE = re.compile(
    r"""^(?:
        .{0,80}\b(?:we\ use\ cookies|use\ of\ cookies|cookie\ (?:policy|settings|preferences)|accept\ (?:all\ )?cookies)\b.*
      | \|.{0,300}\bcookies?\b.{0,300}  # a row of a consent plugin's table of cookies ("| Cookie | Duration |")
      | (?:sign\ up|subscribe)\b.{0,60}\b(?:newsletter|inbox|updates|email|mailing\ list)s?\b.{0,80}
      | join\b.{0,40}\b(?:newsletter|mailing\ list)s?\b.{0,80}
      | .{0,40}\bnewsletter\b.{0,40}\b(?:sign\ up|subscribe|inbox)\b.{0,20}
      | (?:share|share\ this(?:\ article|\ story|\ post)?|share\ on\ \w+|tweet|email|print|whatsapp|facebook|twitter|linkedin|pinterest|copy\ link)(?:\s*[:|,/]\s*\w+){0,6}
      | (?:read|see|click)\ (?:more|also|next)\b.{0,80}
      | more\s*:\s*\S.{0,100}  # a link to another story ("MORE: Map shows ...")
      | (?:related|recommended|more)\ (?:stories|articles|posts|news|reading|from\ \w+)\b.{0,30}
      | (?:advertisement|sponsored|skip\ (?:to\ )?(?:main\ )?content|back\ to\ (?:top|blog|news)|table\ of\ contents|contents)\s*:?
      | (?:photo|image|picture|video|credit|source\ image|file\ photo)s?\s*(?:credit)?\s*:\s*.{0,80}
      | .{0,60}\(\s*(?:photo|image)\s*:.{0,60}\)
      | pictured\b[^.!?]{0,40}[,:].{0,300}  # a caption ("Pictured: ...", "Pictured from left, are ...")
      | (?:getty\ images|shutterstock|reuters/|ap\ photo|afp\ via).{0,60}
      | all\ rights\ reserved\b.{0,60}
      | .{0,60}©.{0,60}\ all\ rights\ reserved\.?
      | follow\ us\ on\b.{0,60}
      | (?:[\w-]+\s+)?(?:aufklappen|zuklappen|ausklappen|einklappen|expand|collapse|show\ (?:more|less)|(?:mehr|weniger)\ anzeigen)
        (?:\s*[/|]?\s*(?:[\w-]+\s+)?(?:aufklappen|zuklappen|ausklappen|einklappen|expand|collapse|show\ (?:more|less)|(?:mehr|weniger)\ anzeigen))?  # a box's toggle
      | (?:\d+\s+)?comments?|(?:join|leave|add|post)\ (?:the|a|our|your)\ (?:conversation|comment\w*|discussion)\b.{0,80}
      | last\ (?:updated|modified)\s*:?.{0,40}
      | \W*\d+\s*(?:-\s*)?(?:min(?:ute)?s?|m)\.?\s+read(?:ing)?(?:\s+time)?\W*
      | (?:estimated\s+)?read(?:ing)?\s+time\s*:?\s*\d+\s*(?:min(?:ute)?s?|m)\.?
    )$""",
    re.I | re.X,
)
#: A byline date on a line of its own ("July 29, 2025", "Published on: 14 February 2025",
#: "3 January, 2025"), or its label alone, the date on the next line ("PUBLISHED").
_DATE_LINE = re.compile(
    rf"^(?:(?:posted|published|updated)(?:\s+on)?\s*:?\s*)?"
    rf"(?:{MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_NAME},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})$"
    r"|^(?:posted|published|updated)(?:\s+on)?\s*:?$",
    re.I,
)
#: A caption: a line ending in a photo credit of at most five words ("... sensor DSLR. Photo by:
#: Jane Doe", "... in 2004 (Picture credit: Getty)"); the article's text does not end in one.
_CAPTION_CREDIT = re.compile(
    r"(?:\b(?:photo|image|picture|foto|фото|bild|zdjęcie|kuva)s?\s*(?:credit|by|courtesy(?:\s+of)?|source)?\s*:|\bcredits?\s*:"
    r"|\b(?:photo|image)\s+(?:by|courtesy\s+of))\s*(?:[^\s.!?:]+\s*){1,5}\.?\)?\s*$",
    re.I,
)
#: A photo credit alone on a line, in the agencies' "Photographer/Agency" form ("STR/AFP via Getty
#: Images", "Noel Celis/Getty Images", "Keystone/The White House via AP/Adam Schultz"): the
#: caption's credit, in any language, never a sentence of the article.
_AGENCY_CREDIT = re.compile(
    r"^(?!(?:\S+\s+){10})(?:(?=.*\b(?:getty\s+images|afp|ap|reuters|dpa|picture[\s-]alliance|keystone|imago|epa"
    r"|shutterstock|xinhua|anadolu|alamy)\b)(?:[^/.!?]{1,40}/){1,4}[^/.!?]{1,40}$|.*\bvia\s+getty\s+images\W*$)",
    re.I,
)


def _agency_credit(line: str) -> bool:
    """Whether a line is an agency's photo credit (`_AGENCY_CREDIT`); the regular expression only
    runs on short lines with a slash or "via" in them (it is a scan of every line otherwise)."""
    return len(line) <= 160 and ("/" in line or " via " in line) and bool(_AGENCY_CREDIT.search(line.strip()))


#: The last sentence of a line: what follows its last full stop (or the whole line).
_LAST_SENTENCE = re.compile(r"(?:^|[.!?»«\"”]\s+)([^.!?]{3,160})$")
#: A caption ending in a credit is at most this many words.
CAPTION_WORDS = 60


def _credited_caption(line: str) -> bool:
    """Whether a line is a caption that ends in an agency's photo credit ("Biden met his advisers
    on Saturday. Keystone/The White House via AP/Adam Schultz"): an article's sentence never
    ends in "Photographer/Agency"."""
    if ("/" not in line and " via " not in line) or len(line.split()) > CAPTION_WORDS:
        return False
    tail = _LAST_SENTENCE.search(line.rstrip())
    return tail is not None and tail.start(1) > 0 and _agency_credit(tail.group(1))


#: The heading of a block of links to other articles ("Read This Next", "You might also like:",
#: "Most popular", "Trending now"); the "most read" and "further links" headings also in the
#: other languages of `vocabulary.py` ("Meistgelesen", "Weiterführende Links", "Les plus lus",
#: "Lo más leído", "I più letti", "Meest gelezen", "Mest lest", "Najczęściej czytane"): like
#: "Most read", a list of other stories under them ends the article. Not "Mehr zum Thema" or "À
#: lire aussi": those head inline boxes after which the article resumes (read-more furniture).
_RELATED_HEADING = re.compile(
    r"^\W*(?:read\s+this\s+next|you\s+(?:may|might)\s+also\s+(?:like|enjoy)|up\s+next"
    r"|(?:most\s+)?popular|most\s+read|trending(?:\s+now)?"
    r"|related\s+(?:content|posts?|articles?|stories|reads|reading)"
    r"|recommended\s+(?:for\s+you|reading|articles|posts|stories)"
    r"|weiterführende\s+links|meistgelesen(?:e(?:\s+artikel)?)?|am\s+meisten\s+gelesen"
    r"|les\s+plus\s+lus|lo\s+más\s+leído|más\s+leíd[oa]s|i\s+più\s+letti|mais\s+lidas|meest\s+gelezen"
    r"|mest\s+(?:lest|läst|læste)|najczęściej\s+czytane)\W*$",
    re.I,
)
#: The related block ends the article only after this many words of it, and when the lines
#: under its heading are short (headlines, dates, teasers: a median of at most this many words).
RELATED_AFTER_WORDS, RELATED_MAX_MEDIAN = 50, 12
_WORDY = re.compile(r"[^\W_]")
#: C0 control characters (tab, line feed and carriage return aside) and DEL: no text in any
#: script or encoding has them, not even text decoded with the wrong charset (UTF-8 read as
#: Latin-1 gives C1 controls, \x80-\x9f, never these). Binary data served as a page, decoded as
#: text, has them at about one character in nine: such a line is not text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BINARY_CONTROLS, BINARY_SHARE = 3, 0.02
#: One lowercase word alone on a line. Inside a body it is often real text (a list's or a
#: diagram's labels, "eggs", "dairy"; a line of code, "return"), so it only goes at the body's
#: ends: a story opens with its first sentence and closes with its last, and a lone lowercase
#: word before or after them is a widget's residue ("block"), which would also hide a dateline.
_RESIDUE = re.compile(r"^[a-z][a-z_-]{0,20}$")


def _alternation(words: list[str]) -> str:
    """One alternation of `words`, longest first, spaces as whitespace runs (the forms are
    compiled verbose)."""
    return "|".join(w.replace(" ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=64)
def _furniture_forms(furniture: tuple[Furniture, ...]) -> re.Pattern[str]:
    """The whole-line forms of the labels of `furniture`'s languages: a share bar, a "read more"
    line (label alone, or before a colon or arrow), an advertisement's label, a reading time and a
    publication or update date behind its label ("Veröffentlicht am 13. Mai 2026 um 15:44")."""
    share = _alternation([w for f in furniture for w in f.share])
    more = _alternation([w for f in furniture for w in f.read_more])
    advert = _alternation([w for f in furniture for w in f.advert])
    stamp = _alternation([w for f in furniture for w in (*f.published, *f.updated)])
    reading = _alternation([w for f in furniture for w in f.reading_time])
    months = _alternation([w for f in furniture for w in f.months] + [MONTH_NAME])
    date = rf"(?:\d{{1,2}}\.\s*(?:\d{{1,2}}\.|(?:{months}))\s*\d{{2,4}}|\d{{1,2}}\.?\s+(?:{months})\.?,?\s+\d{{4}}|(?:{months})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"
    time = r"(?:\s*(?:,|um|à|a\s+las|alle|às|kl\.?|at|-)?\s*\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|h))?(?:\s*(?:am|pm))?(?:\s*[A-Z]{2,4})?)?"
    return re.compile(
        rf"""^\W*(?:
            (?:{share})(?:\s*[:|,/]\s*\w+){{0,6}}
          | (?:{more})\s*(?:[:»>›].{{0,100}})?
          | (?:{advert})(?:\s*\d+)?\s*:?
          | (?:{reading})
          | (?:{stamp})\s*:?\s*{date}{time}(?:\s*[|,]?\s*(?:{stamp})\s*:?\s*{date}{time})?
        )\W*$""",
        re.I | re.X,
    )


#: A prompt to follow the outlet on a messaging channel or platform ("Folgst du schon ... auf
#: Whatsapp?", "Follow our coverage on Telegram"); at most CHANNEL_WORDS words.
_CHANNEL_PROMPT = re.compile(
    r"\b(?:follow|folge|folgen|folgst|abonniere|abonnieren|suivez|abonnez|siga|segui|síguenos|volg)\b.{0,80}"
    r"\b(?:whatsapp|telegram|google\s+news|instagram|tiktok|youtube)\b",
    re.IGNORECASE,
)
_CHANNELS = ("whatsapp", "telegram", "google news", "instagram", "tiktok", "youtube")
CHANNEL_WORDS = 50


def _channel_prompt(line: str) -> bool:
    """Whether a line asks the reader to follow the outlet on a channel (`_CHANNEL_PROMPT`, within
    its first 60 characters); the expression only runs on lines naming a channel."""
    folded = line.casefold()
    if not any(c in folded for c in _CHANNELS):
        return False
    found = _CHANNEL_PROMPT.search(line)
    return found is not None and found.start() <= 60


#: A teaser is at most this many words before its "more" link.
TEASER_WORDS = 60


@lru_cache(maxsize=64)
def _teaser_tail(furniture: tuple[Furniture, ...]) -> re.Pattern[str]:
    """A teaser of another article: sentences closed by the link's bare "more" or a "read more"
    label ("... sei überfordert. mehr", "... in the capital. Read more"). The article's own
    sentences end in punctuation, not in a link's label."""
    more = _alternation([w for f in furniture for w in (*f.more, *f.read_more)])
    return re.compile(rf"[.!?»«\"”“)]\s+(?:{more})\s*(?:[»›>…]|\.\.\.)?$", re.IGNORECASE)


#: A subscription wall's prompt: the article (or a feature) is for subscribers only ("THIS CONTENT
#: IS RESERVED FOR SUBSCRIBERS", "This article is exclusive to subscribers", "Esta funcionalidad es
#: sólo para suscriptores", "Nur für Abonnenten"); a short line of at most WALL_WORDS words.
_WALL_PROMPT = re.compile(
    r"\b(?:only|exclusive|reserved|available)\b.{0,30}\b(?:subscribers|members)\b"
    r"|\bsubscribers?[\s-]+only\b|\b(?:nur|exklusiv)\s+f(?:ü|ue)r\s+abonnent\w*|\bs[oó]lo\s+para\s+suscriptores"
    r"|\bréservée?s?\s+aux\s+abonnés|\briservat[oa]\s+agli\s+abbonati|\bexclusivo\s+para\s+assinantes",
    re.IGNORECASE,
)
WALL_WORDS = 12


#: A copyright notice ("Copyright © 2023 NPR. All rights reserved. …", "Copyright: Project
#: Syndicate, 2025", "© 2024 Jane Doe. Originally published in …", a lone "Copyright"): the page's
#: or the syndicator's rights line, not the story. "Copyright" must open the line and be followed
#: by ©, (c), a colon or a year ("Copyright license", "Copyright law in …" are text).
_COPYRIGHT = re.compile(r"^[\s|]*(?:copyright\s*(?:©|\(c\)|:|\d{4}\b)|©|\(c\)\s*\d{4}\b)|^\s*copyright\s*$", re.I)
#: A copyright notice is at most this many words.
COPYRIGHT_WORDS = 50


def is_boilerplate(line: str, language: str | None = None) -> bool:
    """Whether a line is boilerplate by form (banner, prompt, share bar, credit, byline date), in
    English or the page's `language` (every language's labels when it is not known)."""
    words = len(line.split())
    # a credit has its colon, or "by" / "courtesy of" after the photo
    folded = line.casefold()
    if words <= 60 and (":" in line or " by " in folded or "courtesy" in folded) and _CAPTION_CREDIT.search(line):
        return True
    if _BOILERPLATE.match(line) or _DATE_LINE.match(line.strip()) or _agency_credit(line) or _credited_caption(line):
        return True
    if words <= COPYRIGHT_WORDS and _COPYRIGHT.match(line):
        return True
    end = line.rstrip()[-1:]
    if words <= WALL_WORDS and end != "." and _WALL_PROMPT.search(line):
        return True
    if words <= CHANNEL_WORDS and _channel_prompt(line):
        return True
    furniture = furniture_for(language)
    # a teaser's link ends the line in a letter (or an arrow), a sentence in punctuation
    if words <= TEASER_WORDS and (end.isalpha() or end in "»›>…"):
        if _teaser_tail(furniture).search(line.rstrip()) or _furniture_match(line, furniture):
            return True
    elif _furniture_match(line, furniture):
        return True
    return words <= META_LINE_WORDS and _meta_line(line, furniture)


#: A byline's meta line is at most this many words ("Published Aug 28, 2024 • Last updated 1 hour
#: ago • 4 minute read").
META_LINE_WORDS = 25
_META_SEPARATOR = re.compile(r"\s+[•·|]\s+")


def _meta_line(line: str, furniture: tuple[Furniture, ...]) -> bool:
    """Whether a line is a byline's meta line: two or more parts joined by "•", "·" or "|", each
    of them furniture alone (a byline date, a publication or update stamp, a reading time, a
    comment count). Not a table row ("| 2024-01-01 | ..."), whose cells are data."""
    if line.lstrip().startswith("|"):
        return False
    parts = _META_SEPARATOR.split(line.strip())
    return len(parts) >= 2 and all(
        _DATE_LINE.match(p) or _BOILERPLATE.match(p) or _furniture_match(p, furniture) for p in parts
    )


def _furniture_match(line: str, furniture: tuple[Furniture, ...]) -> bool:
    """Whether a line of at most 200 characters is one of `furniture`'s whole-line forms."""
    return len(line) <= 200 and bool(_furniture_forms(furniture).match(line.strip()))


def promote_headline(lines: tuple[str, ...], title: str | None) -> tuple[str | None, tuple[str, ...]]:
    """When the page has no title, or its title is boilerplate by form, the body's first line is
    the headline if it looks like one (short, no closing punctuation, prose after it). A title is
    held to the whole-line forms only (a banner, a share bar): a caption credit's form ends many
    a real headline ("Docker Hardened Images: Security Validated by X")."""
    if title is not None and not _BOILERPLATE.match(title):
        return title, lines
    if len(lines) >= 2 and len(lines[0].split()) <= 25 and not lines[0].rstrip().endswith((".", "!", "?", ":", '"', "”")):
        if len(lines[1].split()) > len(lines[0].split()):
            return lines[0], lines[1:]
    return (None if title is not None else title), lines


def _doubled(line: str) -> str | None:
    """The half of a line that is one text written twice, else None: extractors glue the copies
    of a text a page renders twice (a teaser's headline for two layouts, a link's title and
    text). A table row ("| a | b | | a | b |") is left alone: its cells repeat by design."""
    if line.lstrip().startswith("|"):
        return None
    n = len(line)
    for cut in (n // 2, (n + 1) // 2):
        head, tail = line[:cut].strip(), line[cut:].strip()
        if len(head) >= 20 and head == tail:
            return head
    return None


#: A byline on a line of its own before the story ("Von Jonas Weber", "By Jane Doe and John Roe",
#: "Par Marie Dupont", "Von: Bill MCCARTHY, Marisha GOLDHAMER"): one to four capitalised names.
_NAME = r"(?-i:[A-ZÀ-ÞŁŚŻ][\w'’.-]*)(?:\s+(?:(?-i:[A-ZÀ-ÞŁŚŻ][\w'’.-]*)|van|von|de|der|den|da|di|du|la|le|del|y)){0,4}"
_BYLINE_LINE = re.compile(
    rf"^\W*(?:(?:written|posted|reviewed)\s+by|by|von|par|por|door|av|af|di|przez|de)\s*:?\s+{_NAME}"
    rf"(?:\s*(?:,|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bog\b|\ben\b|\boch\b)\s*{_NAME}){{0,3}}\s*$",
    re.I,
)
#: A byline is looked for among the body's first lines (after a kicker, a standfirst).
BYLINE_WITHIN = 3
#: A line of at least this many words that the body holds more than once is kept once (a teaser,
#: a pull quote or a subscription box rendered twice): an article says a sentence once ...
REPEAT_MIN_WORDS = 8
#: ... and one held this many times or more goes altogether: it is a template's placeholder (an
#: embed blocked by the consent settings, "This advertisement has not loaded yet ..." between
#: the paragraphs), not the article's text.
PLACEHOLDER_REPEATS = 4


def drop_repeats(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Lines of REPEAT_MIN_WORDS words or more kept once when the body repeats them, and left
    out when it holds them PLACEHOLDER_REPEATS times or more; short lines (a list's or a table's
    labels: "Pros", "Price: $20") may repeat by design and stay."""
    counts = Counter(lines)
    if not counts or max(counts.values()) < 2:
        return lines
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        n = counts[line]
        if n >= 2 and len(line.split()) >= REPEAT_MIN_WORDS:
            if n >= PLACEHOLDER_REPEATS or line in seen:
                continue
            seen.add(line)
        out.append(line)
    return tuple(out)


#: A video's date and running time ending a line ("... beschlossen. 18.04.2024 | 0:21 min",
#: "05.09.2024 | 2:03 min"): a teaser for a video, whose text the player's card shows above it.
_VIDEO_STAMP = re.compile(
    r"(?:\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2})\s*\|\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:min|h)?\W*$"
)
#: A video card's text above its stamp is at most this many words (a teaser, not the article's prose).
VIDEO_TEASER_WORDS = 40


def drop_video_teasers(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Lines ending in a video's date and running time, and the teaser above a stamp that stands
    alone on its line: a video card, not the article."""
    if not any("|" in line and _VIDEO_STAMP.search(line) for line in lines):
        return lines
    out: list[str] = []
    for line in lines:
        if "|" in line and _VIDEO_STAMP.search(line):
            if _VIDEO_STAMP.match(line.strip()) and out and len(out[-1].split()) <= VIDEO_TEASER_WORDS:
                out.pop()
            continue
        out.append(line)
    return tuple(out)


#: A kicker glued before the headline in the body's first line is at most this many words.
KICKER_WORDS = 6


def _is_headline_line(folded: str, folded_title: str) -> bool:
    """Whether a first line is the headline: the title itself, or a kicker of a few words and the
    title ("49-Euro-Ticket : Pendler sparen ...", the kicker's element glued to it)."""
    if folded == folded_title:
        return True
    if len(folded_title.split()) < 4 or not folded.endswith(folded_title):
        return False
    return len(folded[: -len(folded_title)].split()) <= KICKER_WORDS


def clean_lines(lines: tuple[str, ...], title: str | None, language: str | None = None) -> tuple[str, ...]:
    """Lines with boilerplate (in English and the page's `language`) removed, doubled lines
    halved, repeated long lines kept once (or left out, `drop_repeats`), video cards, residue at
    the ends, a leading headline and a byline before the story dropped."""
    folded_title = fold_text(title).casefold() if title else None
    out: list[str] = []
    for line in drop_repeats(drop_video_teasers(drop_embedded_posts(lines))):
        line = _doubled(line) or line
        if (
            is_boilerplate(line, language) or not _WORDY.search(line) or (not out and _RESIDUE.match(line))
            or is_binary(line)
        ):
            continue
        if len(out) < BYLINE_WITHIN and _BYLINE_LINE.match(line.strip()):
            continue
        if folded_title and not out:
            folded = fold_text(line).casefold()
            if _is_headline_line(folded, folded_title):
                continue
            if folded.startswith(folded_title + " "):
                line = line[len(folded_title) + 1:].strip() if fold_text(line[: len(folded_title)]).casefold() == folded_title else line
        out.append(line)
    kept = drop_trailing_bios(cut_related_block(tuple(out)))
    while kept and _RESIDUE.match(kept[-1]):
        kept = kept[:-1]
    return kept


def is_binary(line: str) -> bool:
    """Whether a line is bytes that are not text (control characters: at least three, and 2% of
    the line): a binary file served as a page yields such lines, which are no article."""
    controls = len(_CONTROL.findall(line))
    return controls >= BINARY_CONTROLS and controls >= BINARY_SHARE * len(line)


def cut_related_block(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The lines before a block of links to other articles: its heading ("Read This Next") and
    everything after it go when the article has begun and the lines under the heading are short
    (headlines and teasers, not the article's prose resuming after an inline box)."""
    seen = 0
    for i, line in enumerate(lines):
        if seen >= RELATED_AFTER_WORDS and _RELATED_HEADING.match(line):
            after = [len(x.split()) for x in lines[i + 1: i + 11]]
            if not after or median(after) <= RELATED_MAX_MEDIAN:
                return lines[:i]
        seen += len(line.split())
    return lines
