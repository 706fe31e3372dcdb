"""The authors of a page: declared credits (JSON-LD, author meta tags), byline markup and
visible "By ..." lines, people told from outlets, desks, job titles and handles, in the major
news languages. Split from `metadata` (#19: one reason to change per module)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import regex
from lxml import etree
from lxml.html import HtmlElement
from newswire.contracts.articles import Provenance
from newswire.normaliser.markup import _MONTH, _compact, _names, clean
from newswire.normaliser.newsfields import WIRES
from newswire.normaliser.titles import _word_list
from newswire.text import fold_text

#: Words that make a credit a group or an outlet, never a person ("Podium Staff", "News Desk").
_NOT_PEOPLE = re.compile(
    r"\b(staff|editor(?:ial)?s?|team|desk|newsroom|reporters?|correspondents?|agenc(?:y|ies)|admin(?:istrator)?|"
    r"contributors?|media|news|inc|ltd|llc|group|company|online|web|digital|"
    # desks in other languages ("unserer Redaktion", "La rédaction", "Redacción")
    r"redaktion|r[ée]daction|redacci[óo]n|redazione|redactie|redaksjon(?:en)?|redaktionen|reda[cç][aã]o)\b",
    re.I,
)
#: Outlet words that are also people's surnames ("Anna Press", "Christopher Guest"): they make a
#: credit an outlet only when the whole credit is an outlet's name (`_is_outlet_name`).
_OUTLET_SURNAMES = re.compile(r"\b(press|wire|guest)\b", re.I)
_ROLES = (
    r"director|manager|expert|officer|founder|ceo|cto|president|head(?=\s+of\b)|senior|dietitian|"
    r"writer|author|contributor|specialist|consultant|analyst|attorney|lawyer|coordinator|executive|engineer|"
    r"developer|designer|marketer|strategist|reviewer"
)
#: Job titles and credentials. One counts only when no name follows it: "Md Shahnawaz Khan
#: Chandan" is a name (Md for Muhammad), "CEO of X", "Senior Writer" and a lone "MD" are not.
_JOB = re.compile(rf"\b({_ROLES}|sr|md|phd|rd|ms|msc|mba)\b\.?", re.I)
#: Job titles before a name label it ("Author Isaiah Shelton", "Senior Writer Jane Doe"): they
#: go and the name stays. Credentials are not taken off the front: there they are part of a
#: name ("Md Shahnawaz Khan Chandan").
_LEADING_ROLES = re.compile(rf"^(?:(?:{_ROLES})\b\.?\s*:?\s+)+(?=(?-i:[A-Z]))", re.I)
#: "By", "Written by:", "Posted by" before the names, also glued to them ("BySummer Swann") but
#: not the start of a name ("Byron").
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:(?:written|posted|reviewed|words|story|article|authored|text|recipe|reporting|interview|"
    r"compiled|edited|photos?)\s*)?by(?:\s*:\s*|\s+|\s*$|(?-i:(?=[A-Z][a-z])))"
    # the same in other languages: "Von", "Par", "Por", "Door", "Av", "Af", "Przez", "Di" before
    # a name, and labels with a colon ("Text:", "Autorin:", "Texto:", "Testo:", "Tekst:")
    r"|(?:von|par|por|door|av|af|przez|di)(?:\s+(?=\w)|\s*:?\s*$)"
    r"|(?:text|texto|testo|tekst|autor(?:in|a)?|auteur|autore|forfatter|författare)\s*:\s*)",
    re.I,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\||\band\b|&|、)\s*", re.I)  # 、: the ideographic comma
_AND_WORD = re.compile(r"\band\b|&", re.I)
#: "and" between names in other languages (German, Norwegian/Danish, Swedish, French, Spanish,
#: Italian/Portuguese, Polish/Czech, Finnish, Hungarian, Vietnamese); lower case only, so that an
#: initial ("E. Meyer") is not taken for one.
_AND_ELSEWHERE = re.compile(r"\s+(?:und|og|och|et|y|e|i|oraz|ja|és|và)\s+(?=\w)")
#: Credentials written after a name, each its own comma-separated part ("Jane Doe, MS, RD",
#: "Jo Roe, M.D. FACLM", "Rebecca Lake, CEPF®"): they stay with the name, as the byline reads.
_POST_NOMINALS = (
    r"MD|DO|PhD|MS|MSc|MA|BA|BS|BSc|MPH|MBA|MEd|EdD|PsyD|PharmD|JD|LLM|Esq|RD|RDN|LD|LDN|CDN|CDCES|CDE|"
    r"RN|BSN|MSN|NP|APRN|FNP|DNP|DPT|PT|OTR|LCSW|LPC|LMFT|CSCS|CPT|CHES|IBCLC|DVM|VMD|LVT|VTS|DDS|DMD|"
    r"CFP|CFA|CPA|CEPF|CFEI|CPP|PSP|PE|RA"
    # fellowships and board diplomas ("FAND", "FACLM", "DABOM", "DACVB")
    r"|F[A-Z]{2,5}|DA[A-Z]{2,4}"
)
_CREDENTIAL = re.compile(rf"(?:(?:{_POST_NOMINALS}|(?:[A-Z][a-z]?\.){{2,4}})®?\s*){{1,3}}")
#: Photo and illustration credits are not bylines ("Foto: Jane Doe", "Photo: ...", "Bild: ...").
_IMAGE_CREDIT = re.compile(
    r"^(?:fotos?|photos?|photograph|photography|bild(?:er)?|image|illustration|grafik|kuva|zdj[eę]cie|foto\s*/\s*\w+)\s*:",
    re.I,
)
_WIRE_NAMES = frozenset(fold_text(w).casefold() for w in WIRES)


def split_author_names(raw: str) -> list[str]:
    """People's names from a credit line ("By A, B and C"), without titles or outlets."""
    raw = _BYLINE_PREFIX.sub("", raw.strip())
    out: list[str] = []
    after_name = False  # the previous part was a name: a credential after it stays with it
    # a comma-separated job title that holds an "and" is no pair of names ("Jane Doe, Home and
    # Digital Security Expert"): it goes before the names are split
    segments = [seg for seg in re.split(r"\s*[,;|]\s*", raw) if not (_AND_WORD.search(seg) and _is_job_title(seg))]
    for part in _AUTHOR_SPLIT.split(_AND_ELSEWHERE.sub(", ", ", ".join(segments))):
        name = clean(part.strip(" -–—:·•"))
        if name and out and after_name and _CREDENTIAL.fullmatch(name) and fold_text(name).casefold() not in _WIRE_NAMES:
            out[-1] = f"{out[-1]}, {name}"
            continue
        after_name = False
        if name:
            name = _LEADING_ROLES.sub("", name)
        if not name or _IMAGE_CREDIT.match(name) or not is_person_name(name):
            continue
        if out and name.split()[0] == "The":  # "Jane Doe, The Daily Sun": the outlet after the names
            continue
        if name not in out:
            out.append(name)
            after_name = True
    return out


#: Meta tags that declare an article's credit.
_AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "citation_author")


def _citation_name(key: str, value: str) -> str:
    """A `citation_author` tag holds one author, conventionally "Last, First" (the Highwire tags
    scholarly pages declare): read as "First Last", not as two names."""
    if key == "citation_author" and value.count(",") == 1:
        last, first = (x.strip() for x in value.split(","))
        if first and last and not _CREDENTIAL.fullmatch(first):
            return f"{first} {last}"
    return value


#: An avatar's initials printed before the name they abbreviate ("CM Craig McCarthy").
_INITIALS = re.compile(r"([A-Z]{2,3})\s+(.+)")


def _without_avatar_initials(name: str) -> str:
    """A byline name less a leading token of two or three capitals that are the initials of the
    words after it: the avatar circle's text read together with the name."""
    match = _INITIALS.fullmatch(name)
    if match is None:
        return name
    rest = match.group(2)
    words = rest.split()
    if len(words) == len(match.group(1)) and "".join(w[0] for w in words) == match.group(1):
        return rest
    return name


def declared_credits(ld_author: Any, meta: dict[str, str], by_id: dict[str, dict[str, Any]]) -> list[str]:
    """The credits a page declares (JSON-LD author of any type, else its author meta tags), as
    written: organisations and handles included, "By" and URLs left out."""
    raw = _names(ld_author, people_only=False, by_id=by_id)
    if not raw:
        raw = [meta[k] for k in _AUTHOR_META if k in meta][:1]
    out: list[str] = []
    for credit in raw:
        for part in _AUTHOR_SPLIT.split(_BYLINE_PREFIX.sub("", credit.strip())):
            name = clean(part.strip(" -–—:·•"))
            if name and _is_credit(name) and name not in out:
                out.append(name)
    return out


#: Credits a CMS fills in by itself: its default accounts, not anyone's byline.
_CMS_ACCOUNTS = re.compile(r"(?:site[ _-]?)?(?:admin\w*|administrator|webmaster|root|user\d*|default|wordpress|guest)", re.I)


#: The most words of a credit declared beside a person that is kept as written.
_SHORT_CREDIT_WORDS = 3


def _short_credit(raw: str) -> list[str]:
    """A credit of at most `_SHORT_CREDIT_WORDS` words, as written ("AP", "Gear Team"), or none."""
    name = clean(_BYLINE_PREFIX.sub("", raw.strip()))
    return [name] if name and len(name.split()) <= _SHORT_CREDIT_WORDS and _is_credit(name) else []


def _is_credit(name: str) -> bool:
    """Whether a declared credit reads as a byline: not a URL, a CMS account ("admin") or a
    generated handle (a single token mixing letters and digits: "jdoe4x7kq2")."""
    if len(name) > 60 or "://" in name or name.casefold().startswith("www.") or _CMS_ACCOUNTS.fullmatch(name):
        return False
    generated = " " not in name and any(c.isdigit() for c in name) and any(c.isalpha() for c in name)
    return not generated and any(c.isalpha() for c in name)  # a number is an id, no credit


def _is_job_title(name: str) -> bool:
    """Whether a credit holds a job title or credential that no name follows ("Senior Director
    of Operations", "Rachel Doe Writer", "MS"): a capitalised word after it that is not itself
    one starts a name ("Md Shahnawaz Khan Chandan")."""
    for match in _JOB.finditer(name):
        following = name[match.end():].split()
        nxt = following[0] if following else ""
        if not (nxt[:1].isupper() and not _JOB.match(nxt) and not nxt.isupper()):
            return True
    return False


def _is_outlet_name(name: str) -> bool:
    """Whether a credit with an outlet word that is also a surname ("Press") is an outlet's name
    as a whole: a news agency ("Associated Press", "The Canadian Press"), or a name that opens
    with the outlet word or with "The"/"Our", or holds an acronym ("ABC Press"); "Anna Press"
    is a person."""
    words = name.split()
    folded = fold_text(name).casefold()
    if folded in _WIRE_NAMES or folded.removeprefix("the ") in _WIRE_NAMES:
        return True
    if _OUTLET_SURNAMES.fullmatch(words[0]) or words[0].casefold() in ("the", "our"):
        return True
    return any(len(w) >= 2 and w.isupper() for w in words)


def _caseless(char: str) -> bool:
    """A letter of a script without case (Chinese, Japanese, Devanagari, ...)."""
    return char.isalpha() and not char.isupper() and not char.islower()


def is_person_name(name: str) -> bool:
    """Plausibly a person's name: 1-5 words, letters, not an URL, handle, desk or job title."""
    if _is_job_title(name) or (name.isupper() and len(name) <= 6):
        return False
    if "://" in name or "@" in name or "/" in name or any(ch.isdigit() for ch in name):
        return False
    words = name.split()
    # a capital letter somewhere, unless the name is in a script without case ("大渡 美咲")
    if not 1 <= len(words) <= 5 or len(name) > 60 or not any(w[0].isupper() or _caseless(w[0]) for w in words):
        return False
    if re.search(r"[a-z]\.[a-z]", name) or "_" in name:  # handles such as "jane.doe"
        return False
    # a lead-in that ends in a lowercase word ("Insights from", "Reporting by"): a name's
    # particles ("van", "de") stand inside it, never last
    if len(words) >= 2 and words[0][0].isupper() and words[-1].isalpha() and words[-1].islower():
        return False
    if _OUTLET_SURNAMES.search(name) and _is_outlet_name(name):
        return False
    return not _NOT_PEOPLE.search(name)


# -- bylines in the page's markup -------------------------------------------------------------------

#: Elements that mark a byline: rel=author, itemprop=author, a class naming the byline or author;
#: never the names of people who left comments. The elements of `fingerprint._BYLINE`'s XPath,
#: found from the matching attributes up (their parents, in document order as its `//*[...]`
#: gives them): testing every element's attributes costs 1.0 ms a page, this 0.6 (#25).
_BYLINE_MARKUP = etree.XPath(
    '(//@rel[. = "author"] | //@itemprop[. = "author"] | //@class[contains(., "byline") or contains(., "author")])'
    '/parent::*[not(self::meta or self::script or self::style or self::body)]'
    '[not(ancestor-or-self::*[contains(@class, "comment") or contains(@id, "comment")])]'
)
_NAME_PROP = etree.XPath('.//*[@itemprop="name"]')
#: Links to an author's page ("/author/jane-doe", "/authors/", "/autoren/", "/auteur/").
_AUTHOR_LINKS = etree.XPath(
    '//a[contains(@href, "/author/") or contains(@href, "/authors/") or contains(@href, "/autor/") or '
    'contains(@href, "/autoren/") or contains(@href, "/auteur/") or contains(@href, "/autore/")]'
    '[not(ancestor::*[contains(@class, "comment") or contains(@id, "comment")])]'
)
#: A short text that opens with a byline cue ("By", "Written by", "Posted by", "Article by") or
#: is an "Author" label.
_CUE = re.compile(
    r"\s*(?:(?:written|posted|article)\s+)?by(?:\s|:|$)|\s*author\s*:?\s*$"
    # Chinese and Japanese credit labels: "(责编：A、B)", "作者：", "记者：", "文：", "記者："
    r"|\s*[（(]?(?:责编|责任编辑|作者|记者|文|記者|筆者)\s*[：:]",
    re.I,
)
_CJK_CREDIT = re.compile(r"^\s*[（(]?(?:责编|责任编辑|作者|记者|文|記者|筆者)\s*[：:]\s*(.*?)[）)]?\s*$")
_IN_COMMENTS = etree.XPath('ancestor-or-self::*[contains(@class, "comment") or contains(@id, "comment")]')


def _cue_texts(tree: HtmlElement) -> Iterator[tuple[HtmlElement, bool, str]]:
    """Short texts of the page that open with a byline cue, in document order, outside scripts
    and comments: the element that holds each, whether it is that element's tail, the text.
    (A loop over the elements: an XPath that folds case for every text node costs 3x more.)"""
    body = tree.find("body")
    match = _CUE.match
    for el in (body if body is not None else tree).iter(etree.Element):
        text = el.text
        short = text and len(text) < 200 and len(text.strip()) < 90
        if short and el.tag not in ("script", "style") and match(text) and not _IN_COMMENTS(el):
            yield el, False, text
        text = el.tail
        if text and len(text) < 200 and match(text) and len(text.strip()) < 90:
            holder = el.getparent()
            if holder is None or not _IN_COMMENTS(holder):
                yield el, True, text


#: The text after an element's own text, and after its tail (which is the first following text).
_TEXT_AFTER_TEXT = etree.XPath("(.//*/text() | following::text())[normalize-space()][1]")
_TEXT_AFTER_TAIL = etree.XPath("following::text()[normalize-space()][2]")
#: Where a byline's names end: a separator before the date or reading time, "on <date>", a date,
#: a number ("0 comments", "4 mins read").
_BYLINE_END = re.compile(
    rf"\s+(?:[·•|—–]|-\s)|\s+on\s+(?=\d|{_MONTH.replace('?P<mon>', '?:')}|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)"
    rf"|,?\s*\b{_MONTH.replace('?P<mon>', '?:')}\s+\d|\d"
    r"|(?:^|\s+)(?:at|(?:last\s+)?(?:updated|published|modified|posted)|ver[öo]ffentlicht|aktualisiert|publi[ée]|"
    r"mis\s+[àa]\s+jour|publicado|actualizado|pubblicato|aggiornato|publisert|oppdatert|publicerad|uppdaterad)\b"
    r"|\s*\.?\s+(?:(?:medically\s+)?reviewed|edited|fact[- ]?checked)\s+by\b",
    re.I,
)
#: "Published August 7, 2023 by Nicole Burke": the names follow a "by" after a date.
#: "This post was written by Jane Doe": so do they after "written by" inside a sentence.
_LATE_BY = re.compile(r"^(?:[^A-Za-z]*\S.*?\d.*?\bby|.*?\b(?:written|posted|authored)\s+by)\b\s*:?\s*", re.I)
#: Groups that sign as such ("Podium Staff", "The Meetingnotes Team", "The Currency editors").
_GROUP_CREDIT = re.compile(r"\b(?:team|staff|editors)$|^team\s", re.I)


#: A first and last name (a middle initial allowed) at the start of a byline's text.
_NAME_BEFORE_TITLE = regex.compile(r"\p{Lu}[\p{Ll}'’-]+(?:\s\p{Lu}\.)?\s\p{Lu}[\p{Ll}'’-]+(?:-\p{Lu}[\p{Ll}'’-]+)?(?=\s)")


def _is_title_tail(rest: str) -> bool:
    """Whether the words after a name are a job title (1-4 capitalised words ending in a role:
    "Tech Reporter", "Content Marketing Coordinator"); a group's name ("The X Team") is none."""
    words = rest.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and bool(
        _JOB.fullmatch(words[-1]) or words[-1].casefold() in ("reporter", "correspondent", "editor")
    )


def _byline_names(text: str) -> tuple[list[str], str | None]:
    """People's names in a byline's text, and the credit it gives when it names a group."""
    text = " ".join(text.split())
    if cjk := _CJK_CREDIT.match(text):
        text = cjk[1]
    text = _LATE_BY.sub("", text)
    text = _BYLINE_PREFIX.sub("", text)
    end = _BYLINE_END.search(text)
    text = (text[: end.start()] if end else text).rstrip(" .")
    # a name opens with a capital (or a letter of a script without case): not "clicking Subscribe"
    names = [n for n in split_author_names(text) if n[:1].isupper() or _caseless(n[:1])]
    if not names and (lead := _NAME_BEFORE_TITLE.match(text)) and _is_title_tail(text[lead.end():]):
        # a name with the job title run on after it ("Harry Roe Tech Reporter")
        names = split_author_names(lead[0])
    names = [_without_avatar_initials(n) for n in names]
    credit = clean(text.strip(" ,;:-"))
    group = credit if credit and not names and _GROUP_CREDIT.search(credit) and len(credit.split()) <= 4 else None
    return names, group


class _Byline:
    """Names read from byline texts, and the first group credit seen among them."""

    def __init__(self) -> None:
        self.group: str | None = None

    def read(self, text: str) -> list[str]:
        names, credit = _byline_names(text)
        if credit and self.group is None:
            self.group = credit
        return names


def byline_authors(tree: HtmlElement, *, weak: bool = False) -> tuple[list[str], str | None]:
    """The article's authors from the page's visible byline, when no structured data names them:
    byline markup (an itemprop=name inside it first; each of its parts when the whole does not
    read as names); with `weak`, links to author pages, else a short text that opens with "By"
    or "Written by" (or a lone "By" / "Author" label and the text after it). Also the group
    credit the byline gives when it names no person ("The Upwork Team")."""
    byline = _Byline()
    read = byline.read
    if weak:
        return _linked_or_cued(tree, byline), byline.group

    for el in _BYLINE_MARKUP(tree)[:6]:
        props = _NAME_PROP(el)
        texts = [" ".join(p.itertext()) for p in props] if props else [" ".join(el.itertext())]
        found: list[str] = []
        for text in texts:
            if 2 < len(" ".join(text.split())) <= 120:
                found += [n for n in read(text) if n not in found]
        whole = " ".join(" ".join(el.itertext()).split())
        while len(el) == 1 and not (el.text or "").strip():  # wrappers around the names
            el = el[0]
        if not found and not props and len(el) > 1 and len(whole) <= 80:
            # names in separate children without separators ("<span>A B</span><span>C D</span>"):
            # only when every child reads as names (or is the job title under a name)
            parts = [t for t in (" ".join(" ".join(c.itertext()).split()) for c in el[:6]) if t and not _is_job_title(t)]
            named = [read(t) for t in parts]
            if parts and all(named):
                found = list(dict.fromkeys(n for names in named for n in names))
        if found:
            return found, None
    return [], byline.group


def _linked_names(tree: HtmlElement, byline: _Byline) -> list[str]:
    """Names in the first links to author pages: the first link's and those of links beside it
    (in the same element or in its siblings: a byline's list of authors)."""
    links = [a for a in _AUTHOR_LINKS(tree)[:8] if a.text_content().strip()][:6]  # not an avatar's
    found: list[str] = []
    if links:
        first = links[0].getparent()
        for link in links:
            if link.getparent() is first or (first is not None and link.getparent() in first.itersiblings()):
                text = " ".join(" ".join(link.itertext()).split())
                if len(text) <= 60:
                    found += [n for n in byline.read(text) if n not in found]
    return found


def _linked_or_cued(tree: HtmlElement, byline: _Byline) -> list[str]:
    """Names in links to author pages, else in a short text that opens with a byline cue."""
    read = byline.read
    if found := _linked_names(tree, byline):
        return found
    for _, (el, tail, text) in zip(range(6), _cue_texts(tree)):
        if _BYLINE_PREFIX.sub("", text.strip()).strip(" :").casefold() in ("", "author"):
            following = (_TEXT_AFTER_TAIL if tail else _TEXT_AFTER_TEXT)(el)
            text = str(following[0]) if following else ""
        if found := read(text):
            return found
    return []


# -- the whole page --------------------------------------------------------------------------------


def read_authors(
    article: dict[str, Any], meta: dict[str, str], tree: HtmlElement, sites: list[str], by_id: dict[str, dict[str, Any]]
) -> tuple[list[str], Provenance]:
    """The article's authors: the people named by structured data, else by author meta tags, else
    by byline markup, less the outlet's own name; else the credit the page declares (an agency,
    a desk, the outlet itself), as its byline would read, unless that credit is the outlet alone
    and links to author pages name someone (`_linked_names`: the writer behind a CMS default)."""
    # the outlet's own name is no person; compared in any script (an empty key matches nothing)
    site_c = {_compact(s) for s in sites} - {""}
    structured = _names(article.get("author"), people_only=True, by_id=by_id)
    per_entry = [split_author_names(raw) for raw in structured]
    authors = [n for names in per_entry for n in names]
    # a short credit declared as an author of its own beside a person ("AP", "Gear Team") is
    # one, as written (a byline's "Jane Doe, AP" or "Staff" alone stay read as before)
    if authors and len(structured) > 1:
        authors = [n for raw, names in zip(structured, per_entry, strict=True) for n in names or _short_credit(raw)]
    prov: Provenance = "json-ld"
    if not authors:
        for key in _AUTHOR_META:
            if key in meta:
                authors, prov = split_author_names(_citation_name(key, meta[key])), "meta"
                # "Outlet, City, Country": the outlet credits itself and gives its address (one
                # word a part; "Jane Doe, Outlet" still names Jane Doe)
                parts = [x.strip() for x in _AUTHOR_SPLIT.split(meta[key]) if x.strip()]
                own = [x for x in parts if _compact(x) in site_c]
                if own and len(parts) > len(own) and all(len(x.split()) == 1 for x in parts if x not in own):
                    authors = []
                if authors:
                    break
    group: str | None = None
    if not authors:
        authors, group = byline_authors(tree)
        prov = "heuristic"
    authors = [a for a in authors if _compact(a) not in site_c]
    if authors:
        return authors, prov
    declared_in_ld = bool(_names(article.get("author"), people_only=False, by_id=by_id))
    declared = declared_credits(article.get("author"), meta, by_id)
    if declared and all(_compact(d) in site_c for d in declared):  # the outlet credits itself
        linked = [a for a in _linked_names(tree, _Byline()) if _compact(a) not in site_c]
        if linked:
            return linked, "heuristic"
    if declared:
        return declared, "json-ld" if declared_in_ld else "meta"
    # no credit declared at all: links to author pages, a "By ..." line, a group's credit
    authors, weak_group = byline_authors(tree, weak=True)
    # nor is a credit that holds every word of the outlet's name ("By Ovolo Collective Hotels"
    # on "Ovolo Hotels"); only names of two words or more count, a one-word name may be a person's
    site_words = [set(_word_list(s)) for s in sites if len(_word_list(s)) >= 2]
    authors = [
        a for a in authors
        if _compact(a) not in site_c and not any(w <= set(_word_list(a)) for w in site_words)
    ]
    if authors:
        return authors, "heuristic"
    group = group or weak_group
    return ([group], "heuristic") if group else ([], "meta")
