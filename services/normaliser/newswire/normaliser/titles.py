"""The headline of a page: the visible `<h1>` against the declared titles (og:title, JSON-LD
headline, twitter:title, `<title>`), site names, kickers, sections and damaged headings. Split
from `metadata` (#19: one reason to change per module); `metadata.read_metadata` calls it."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from courlan import extract_domain
from lxml.html import HtmlElement
from newswire.contracts.articles import Provenance
from newswire.normaliser.markup import _WORD_RUN, MONTH_NAME, _compact, _types, clean
from newswire.text import fold_text
from rapidfuzz import fuzz

#: What separates a headline from the site's name or a section in a declared title. CJK titles
#: use full-width marks without spaces ("見出し｜日刊サイト", "見出し：新聞Web").
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " : ", " // ", " « ", " » ", "｜", "：")


def strip_site(title: str, site_names: list[str]) -> str:
    """`title` without a leading or trailing segment that names the site (or its host)."""
    sites = {c for c in (_compact(s) for s in site_names) if len(c) >= 3}
    if not sites:
        return title

    def is_site(segment: str) -> bool:
        c = _compact(segment)
        return bool(c) and len(segment.split()) <= 6 and any(c == s or (len(c) >= 4 and (c in s or s in c)) for s in sites)

    changed = True
    while changed:
        changed = False
        for sep in TITLE_SEPARATORS:
            head, found, tail = title.rpartition(sep)
            if found and head.strip() and is_site(tail):
                title, changed = head.strip(), True
                break
            head, found, tail = title.partition(sep)
            if found and tail.strip() and is_site(head):
                title, changed = tail.strip(), True
                break
    # a host name needs no separator ("example.com Vibe Coding"): it cannot be a headline word
    hosts = {n.casefold().removeprefix("www.") for n in site_names if "." in n and " " not in n}
    words = title.split()
    if len(words) >= 3 and words[0].casefold().removeprefix("www.") in hosts:
        title = " ".join(words[1:])
    elif len(words) >= 3 and words[-1].casefold().removeprefix("www.") in hosts:
        title = " ".join(words[:-1])
    return title


def _title_variants(title: str) -> list[str]:
    """A title and its forms with trailing/leading segments cut at separators."""
    out = [title]
    for sep in TITLE_SEPARATORS:
        if sep in title:
            parts = title.split(sep)
            for i in range(1, len(parts)):
                out.append(sep.join(parts[:i]).strip())
                out.append(sep.join(parts[i:]).strip())
    return [o for o in out if o]


#: Words that introduce a printed date as an update, not the publication.
_UPDATED_CUE = re.compile(r"\b(?:updated|modified|reviewed|revised)\b\s*(?:on|at)?\s*[:\-\u2013|]?\s*$", re.I)


#: Elements that break a heading's text into separate words (text_content() glues them).
_BREAKING_TAGS = frozenset({"br", "div", "p", "li", "small", "sup", "sub"})


def heading_text(el: HtmlElement) -> str | None:
    """A heading's text with a space where a line break or block element separates words
    ("WEEKEND<br>CODING" is two words), whitespace folded."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        gap = " " if node is not el and node.tag in _BREAKING_TAGS else ""
        parts.extend((gap, node.text or ""))
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
            parts.append(child.tail or "")  # a comment's tail is text too
        parts.append(gap)

    walk(el)
    return clean("".join(parts))


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD_RUN.findall(fold_text(text).casefold()) if len(w) >= 4}


def _word_list(text: str) -> list[str]:
    return [str(w) for w in _WORD_RUN.findall(fold_text(text).casefold())]


def agreement(a: str, b: str) -> float:
    """How far two titles say the same thing (0-100): rapidfuzz's token-set ratio over folded
    words, so that one title containing the other ("Headline" in "Headline: a subtitle")
    agrees fully and a reworded one partly."""
    return float(fuzz.token_set_ratio(" ".join(_word_list(a)), " ".join(_word_list(b))))


def site_names(sitename: str | None, url: str) -> list[str]:
    """Names that may stand for the site in titles and headings: the declared site name, the
    registered domain's label ("cornell" for gardening.cals.cornell.edu, via courlan, which
    knows the public suffixes) and the host."""
    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        domain = (extract_domain(url) or host) if host else ""
    except ValueError:  # an unparsable URL ("http://[::1/x") names no site
        host = domain = ""
    return [n for n in dict.fromkeys((sitename, domain.split(".")[0] if domain else None, host or None)) if n]
_HEADING_DATE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}|{MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{MONTH_NAME}\s+\d{{4}})\b",
    re.I,
)
_HEADING_EXTRA = re.compile(
    r"^\W*(?:posted|published|updated|by)\b|\b[a-z0-9-]+\.(?:com|org|net|io|co|uk|de|edu|gov|news)\b", re.I
)
_HEADING_LABEL = re.compile(r"^\W*[\w.]+(?:\s[\w.]+)?\s?:\s*$")


def trim_heading(heading: str, declared: list[str]) -> str:
    """The declared title that `heading` contains when the heading's extra words around it are
    a kicker or byline, not headline ("Blog: X", "Dec 18 2025 X", "X Posted on July 1, 2024
    by Y", "X (example.com) 87"); else the heading unchanged."""
    tokens = heading.split()
    token_words = [_word_list(t) for t in tokens]
    owner = [i for i, ws in enumerate(token_words) for _ in ws]  # word index -> token index
    flat = [w for ws in token_words for w in ws]
    for title in declared:
        want = _word_list(title)
        if len(want) < 3 or len(want) >= len(flat):
            continue
        start = next((i for i in range(len(flat) - len(want) + 1) if flat[i: i + len(want)] == want), None)
        if start is None:
            continue
        before = " ".join(tokens[: owner[start]])
        after = " ".join(tokens[owner[start + len(want) - 1] + 1:])
        if not (before or after):
            continue
        junk_before = not before or bool(_HEADING_DATE.search(before) or _HEADING_EXTRA.search(before) or _HEADING_LABEL.match(before))
        junk_after = not after or bool(_HEADING_DATE.search(after) or _HEADING_EXTRA.search(after))
        if junk_before and junk_after:
            return title
    return heading


#: A visible <h1> is taken when it agrees this much (see `agreement`) with one of the titles the
#: page declares; below it, the <h1> is a section heading, a slogan or navigation.
H1_AGREEMENT = 60
#: An <h1> with fewer words than this share of the declared title it agrees with is a fragment
#: of it (a section heading, a name the headline mentions: "Hooli" under "How we broke into
#: Acme, Globex, Hooli and hundreds of companies through one bug"), not the headline.
H1_MIN_COVER = 1 / 4
#: An <h1> after one that is not the headline (it disagrees with every declared title) is taken
#: only when it agrees this much: a page that sets other text in an <h1> sets its section
#: headings in <h1>s too ("So many models!" sharing one word with the declared title).
H1_AFTER_OTHER_AGREEMENT = 80


def damaged_heading(h1: str, title: str) -> bool:
    """Whether `h1` is `title` with its text damaged in the markup: inline children glued
    without a space ("AlternativesTop" where the title has "Alternatives: Top"), or apostrophes
    lost to "?" ("Beginner? Guide" for "Beginner's Guide")."""
    words, h1_words = _word_list(title), _word_list(h1)
    if words == h1_words:
        return False
    glued = {a + b for a, b in pairwise(words)} - set(words)
    if any(w in glued for w in h1_words):
        return True
    if "?" not in h1.rstrip("? "):
        return False
    # each "?" inside the heading stands for up to three lost characters
    parts = " ".join(h1.casefold().split()).split("?")
    return _matches_with_gaps(parts, " ".join(title.casefold().split()), 3)


def _matches_with_gaps(parts: list[str], text: str, gap: int) -> bool:
    """Whether `text` is `parts` in order with 0 to `gap` characters between each two and nothing
    before or after them: what the regex `part0.{0,gap}part1...` fullmatches, but in linear time
    (by hand, as the positions reachable after each part: the regex backtracks exponentially in
    the number of parts, and a heading of a hundred '?' held the normaliser for minutes)."""
    if not text.startswith(parts[0]):
        return False
    ends = {len(parts[0])}
    for part in parts[1:]:
        ends = {
            start + len(part)
            for end in ends
            for start in range(end, min(end + gap, len(text)) + 1)
            if text.startswith(part, start)
        }
        if not ends:
            return False
    return len(text) in ends


def _choose_title(
    h1s: list[str],
    metas: list[tuple[Provenance, str]],
    names: list[str],
    sections: set[str] | None = None,
    news_headline: str | None = None,
) -> tuple[str | None, Provenance]:
    """The headline: the first visible <h1> that agrees with a title the page declares (og:title,
    JSON-LD headline, twitter:title, <title>; site name stripped), or a later one that agrees
    fully when the first agrees only in part; not a heading that is the site's name (a logo: the
    name, part of it, or at most three words containing it), a segment of the declared titles, a
    label ending in a colon, a fragment of the declared title (under a quarter of its words) or
    damaged text of it (or set in capitals: the declared form is taken then). A kicker or byline
    glued to the <h1> is trimmed, and a kicker set before it with a dash when a declared title
    gives the headline without it. The <h1> yields to `news_headline` (a news article's declared
    headline that its og:title confirms, see `confirmed_news_headline`) when it says the same
    story otherwise. An <h1> after one passed over as not the headline must agree at least
    `H1_AFTER_OTHER_AGREEMENT`. Else the declared headline (`declared_headline`)."""
    sections = sections or set()
    sites = {c for c in (_compact(s) for s in names) if len(c) >= 4}
    tails = {
        _compact(v) for _, t in metas for sep in TITLE_SEPARATORS if sep in t for v in t.split(sep)[1:]
    }
    declared = [d for d in (strip_site(t, names) for _, t in metas) if d]
    declared_keys = {_compact(d) for d in declared}
    meta_words = set().union(*(_content_words(t) for _, t in metas)) if metas else set()
    best: tuple[float, str] | None = None
    others = 0  # <h1>s passed over as not the headline (not logos, segments or labels)
    repaired: tuple[float, str] | None = None  # the declared title a damaged <h1> stands for
    for h1 in h1s:
        c = _compact(h1)
        # a segment after a separator in a declared title names a section, or is the headline
        # after a kicker ("Kicker | Headline"): the latter only when another title says it alone
        if not c or (c in tails and c not in declared_keys) or any(c == s or c in s for s in sites):
            continue
        if any(s in c for s in sites) and len(h1.split()) <= 3:  # "Acme Blog": the site's logo
            continue
        if h1.rstrip().endswith(":"):  # "Jane Doe's Folding and Cutting:" labels what follows
            continue
        if not metas:
            best = (100.0, h1)
            break
        if not _content_words(h1) & meta_words:
            others += 1
            continue
        n_words = len(_word_list(h1))
        agreeing = [
            (a, d) for d in declared
            if (a := agreement(h1, d)) >= H1_AGREEMENT and n_words >= H1_MIN_COVER * len(_word_list(d))
        ]
        if others and agreeing and max(a for a, _ in agreeing) < H1_AFTER_OTHER_AGREEMENT:
            agreeing = []
        if not agreeing:
            others += 1
            continue
        if any(damaged_heading(h1, d) for _, d in agreeing):
            if repaired is None:
                repaired = max(agreeing)
            continue
        # an all-capitals <h1> is the headline set in capitals by the markup (a style written
        # into the text): the declared title it agrees with is the headline as written
        cased = [(a, d) for a, d in agreeing if not all_capitals(d)]
        if all_capitals(h1) and cased:
            if repaired is None:
                repaired = max(cased)
            continue
        agrees = max(a for a, _ in agreeing)
        if best is None or (agrees == 100 and best[0] < 100):
            best = (agrees, h1)
    if best is not None:
        h1 = best[1]
        # a pipe in a visible headline separates a kicker or tagline ("Headline | Top 19 Picks")
        head = h1.split(" | ")[0].strip()
        title = drop_kicker(trim_heading(head if len(head.split()) >= 3 else h1, declared), declared)
        if news_headline is not None:
            confirmed = strip_section(strip_site(news_headline, names), sections)
            if _word_list(confirmed) != _word_list(title) and agreement(confirmed, title) >= H1_AGREEMENT:
                return confirmed, "json-ld"
        return title, "html"
    if repaired is not None:
        return repaired[1], next((p for p, t in metas if strip_site(t, names) == repaired[1]), metas[0][0])
    if metas:
        return declared_headline(metas, names, sections)
    return None, "html"


def cut_short(title: str) -> bool:
    """Whether a title was cut at a length cap: it ends in an ellipsis or leaves a bracket or
    quote open ("... Solutions (Including")."""
    t = title.rstrip()
    pairs = (("(", ")"), ("[", "]"), ("\u201c", "\u201d"), ("\u00ab", "\u00bb"))
    return t.endswith(("...", "\u2026")) or any(t.count(o) > t.count(c) for o, c in pairs)


def declared_headline(
    metas: list[tuple[Provenance, str]], names: list[str], sections: set[str]
) -> tuple[str, Provenance]:
    """The headline the page declares, for a page whose visible headings give none: the JSON-LD
    headline (schema.org's field for the headline as published; og:title and twitter:title are
    often reworded for sharing), else og:title, twitter:title, `<title>`, each with the site and
    section names stripped. One cut at a length cap yields to the declared title it begins; one
    with a segment at a separator that another declared title leaves out ("Headline | Desk of
    the Outlet" beside "Headline": another name of the outlet, a desk, a byline) yields to that;
    and what follows a pipe goes, as from a visible headline ("Headline | Top 19 Picks")."""
    titles = [(p, strip_section(strip_site(t, names), sections)) for p, t in metas]
    titles.sort(key=lambda pt: pt[0] != "json-ld")  # stable: the others keep their order
    prov, first = titles[0]
    words = _word_list(first)
    whole = [(p, t) for p, t in titles[1:] if len(w := _word_list(t)) > len(words) and w[: len(words)] == words]
    if whole and cut_short(first):
        prov, first = whole[0]
    cuts = {tuple(_word_list(v)) for v in _title_variants(first)[1:]} - {tuple(_word_list(first))}
    shorter = [(p, t) for p, t in titles if tuple(_word_list(t)) in cuts]
    if shorter:
        prov, first = max(shorter, key=lambda pt: len(_word_list(pt[1])))
    head = first.split(" | ")[0].strip()  # the headline keeps at least three words
    return (head if len(head.split()) >= 3 else first), prov


def confirmed_news_headline(
    article: dict[str, Any], og_title: str | None, names: list[str], sections: set[str]
) -> str | None:
    """A news article's declared headline (JSON-LD `headline` of a `NewsArticle`) when its
    og:title says the same words (site and section names stripped from both): two declarations
    of the headline for other systems agreeing, which a differing <h1> (a display variant of the
    headline) yields to; else None."""
    if not og_title or not any("NewsArticle" in t for t in _types(article)):
        return None
    headline = clean(article.get("headline"))
    if headline is None:
        return None
    key = _word_list(strip_section(strip_site(headline, names), sections))
    return headline if key and key == _word_list(strip_section(strip_site(og_title, names), sections)) else None


def all_capitals(text: str) -> bool:
    """Whether a text's cased letters (at least four) are all capitals ("TIPS FOR ONLINE
    SUCCESS"); text in a script without case is not."""
    cased = [c for c in text if c.isupper() or c.islower()]
    return len(cased) >= 4 and all(c.isupper() for c in cased)


#: Dashes that set a kicker (a topic line, German "Dachzeile") before a headline in an <h1>.
_KICKER_SEPARATORS = (" - ", " – ", " — ")
#: The most words a kicker before a headline has ("Minderheit in Syrien - ...").
KICKER_MAX_WORDS = 6


def drop_kicker(heading: str, declared: list[str]) -> str:
    """The headline of a heading that sets a kicker before it with a dash ("Topic - Headline")
    when a declared title gives the headline without that kicker: alone ("Headline"), or behind
    a kicker of its own ("Other topic: Headline"). A declared title that has the whole heading
    keeps it (the dash is then the headline's own)."""
    words = _word_list(heading)
    keys = [_word_list(d) for d in declared]
    if not keys or any(k == words for k in keys):
        return heading
    for sep in _KICKER_SEPARATORS:
        kicker, found, rest = heading.partition(sep)
        head, tail = _word_list(kicker), _word_list(rest)
        if not found or len(tail) < 3 or not 1 <= len(head) <= KICKER_MAX_WORDS:
            continue
        for key in keys:
            if key == tail:
                return rest.strip()
            # the declared title's own kicker, another one than the heading's (not its end: then
            # the heading only has a longer kicker, "Before: Kicker - Headline")
            own = key[: len(key) - len(tail)]
            if own and key[len(own):] == tail and own[-1] != head[-1]:
                return rest.strip()
    return heading


def section_names(url: str, section: str | None) -> set[str]:
    """The compacted names of the page's section: its URL path's directories ("district" of
    /district/343604; not the last segment, the page's own slug, which may spell the headline)
    and the declared section (article:section, JSON-LD articleSection)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    names = {_compact(s) for s in path.split("/")[:-1]}
    if section:
        names.add(_compact(section))
    return {n for n in names if n and not n.isdigit()}


def strip_section(title: str, sections: set[str]) -> str:
    """`title` without a trailing segment of at most three words that names the page's section
    ("Headline | District" on /district/343604), as a site's name is stripped; the headline
    keeps at least three words."""
    for sep in TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and len(tail.split()) <= 3 and _compact(tail) in sections and len(head.split()) >= 3:
            return head.strip()
    return title
