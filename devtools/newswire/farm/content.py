"""Deterministic, news-like synthetic text (pure: no I/O, no clock).

Everything is derived from a seeded :class:`random.Random`, so the same
``(seed, outlet, serial)`` always yields the same article.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass

__all__ = [
    "GeneratedArticle",
    "article_rng",
    "edit_paragraphs",
    "generate_article",
    "outlet_name",
    "outlet_slug",
    "person_name",
    "slugify",
]

FIRST_NAMES = (
    "Jane", "John", "Amara", "Luis", "Mei", "Olga", "Tariq", "Fiona", "Kwame", "Ingrid",
    "Rahul", "Sofia", "Daniel", "Aisha", "Pieter", "Hannah", "Marco", "Yuki", "Elena", "Samuel",
    "Nadia", "Owen", "Leila", "Viktor", "Grace", "Mateo", "Priya", "Thomas", "Zanele", "Lucas",
    "Maya", "Henrik", "Chloe", "Idris", "Rosa", "Kenji", "Alice", "Farid", "Beatriz", "George",
    "Noor", "Patrick", "Lena", "Emeka", "Clara", "Andrei", "Ruth", "Diego", "Sara", "Hamid",
    "José", "Zoë", "Søren", "Françoise", "Małgorzata", "Iñaki", "Renée", "Björn",
)
LAST_NAMES = (
    "Doe", "Okafor", "Moreno", "Chen", "Petrova", "Haddad", "Campbell", "Mensah", "Larsen",
    "Sharma", "Rossi", "Cohen", "Abdi", "de Vries", "Schmidt", "Bianchi", "Tanaka", "Ivanova",
    "Adeyemi", "Walsh", "Karimi", "Novak", "Brennan", "Alvarez", "Iyer", "Fischer", "Dlamini",
    "Martin", "Hughes", "Lindqvist", "Dubois", "Bello", "Santos", "Nakamura", "Keller", "Murphy",
    "Osei", "Costa", "Yilmaz", "Kowalski", "Reyes", "Andersen", "Farah", "Gallagher", "Mbeki",
    "Lopez", "Horvath", "Nguyen", "Ward", "Sato", "Müller", "Núñez", "Åberg", "Öztürk",
    "Dvořák", "O’Brien", "Gómez", "Lefèvre",
)
ROLES = (
    "Finance Minister", "Health Secretary", "Mayor", "chief executive", "spokesperson",
    "opposition leader", "Foreign Minister", "central bank governor", "police commissioner",
    "union leader", "professor of economics", "chief scientist", "energy regulator",
    "transport secretary", "senior analyst", "Prime Minister", "Interior Minister",
    "education secretary", "coach", "festival director",
)
PLACES = (
    "Northbridge", "Eastvale", "Port Amara", "Kingsford", "Lakeside", "Riverton", "Highmoor",
    "Westmarch", "Brightwater", "Stonehaven", "Marlow Bay", "Cedar Falls", "Ashford",
    "Silverton", "Old Harbour", "Greenfield", "Redcliff", "Fairhaven", "Windmere", "Elmstead",
    "Coldwater", "Mistral Point", "Saltmarsh", "Oakridge", "Thornbury", "Bellmont", "Dunmore",
    "Larkspur", "Falconridge", "Southwick", "Glenrock", "Harrowgate", "Maple Heights",
    "Ironbridge", "Sunhill", "Blackwood", "Ravenswood", "Clearwater", "Pinecrest", "Millbrook",
)
COUNTRIES = (
    "the Republic of Valdoria", "Estmark", "the Federation of Nordland", "Cassaria", "Orlenia",
    "the Kingdom of Belmar", "Tarvonia", "Meridia", "the Union of Sarkand", "Lusitra",
    "Brenland", "Quorvia", "the Coastal Republic", "Halvoria", "Drevnia",
)
ORGS = (
    "the Ministry of Finance", "the National Health Service", "the Port Authority",
    "the Central Bank", "the Transport Workers’ Union", "the Electoral Commission",
    "the Chamber of Commerce", "the Environmental Protection Agency", "the Supreme Court",
    "the National Statistics Office", "the Civil Aviation Authority", "the Teachers’ Federation",
    "the Competition Commission", "the Metropolitan Police", "the Energy Regulator",
    "the University of Northbridge", "the Red Crescent", "the World Food Programme",
    "the Housing Association", "the Football Federation", "the Tourism Board",
    "the Farmers’ Cooperative", "Helix Pharmaceuticals", "Orbital Telecom", "Granite Bank",
    "Nimbus Airlines", "Solace Energy", "Vantage Motors", "Quill Media Group", "Atlas Shipping",
)
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Politics": (
        "the coalition talks", "the electoral reform bill", "a no-confidence vote",
        "the regional autonomy referendum", "the budget stand-off", "the corruption inquiry",
        "the party leadership contest", "the new migration policy",
    ),
    "Business": (
        "the proposed merger", "rising fuel prices", "the pension fund shortfall",
        "the collapse in export orders", "the new minimum wage", "the bank's quarterly results",
        "the housing market slowdown", "the semiconductor shortage",
    ),
    "World": (
        "the border ceasefire", "the refugee crisis", "the trade embargo", "the peace talks",
        "the humanitarian corridor", "the disputed maritime boundary", "the sanctions package",
        "the prisoner exchange",
    ),
    "Science": (
        "the new vaccine trial", "the deep-sea survey", "the satellite launch",
        "the fusion reactor test", "the drought study", "the coral reef census",
        "the antibiotic resistance report", "the glacier monitoring programme",
    ),
    "Health": (
        "hospital waiting lists", "the measles outbreak", "the mental health strategy",
        "the shortage of nurses", "the cancer screening programme", "the air quality warning",
        "the new maternity unit", "the obesity campaign",
    ),
    "Technology": (
        "the data breach", "the broadband roll-out", "the artificial intelligence rules",
        "the smart meter programme", "the cyber attack on the council", "the driverless bus trial",
        "the new online safety law", "the chip factory plan",
    ),
    "Sport": (
        "the cup final", "the doping investigation", "the stadium redevelopment",
        "the transfer window", "the marathon route change", "the national team selection",
        "the Olympic bid", "the league's broadcasting deal",
    ),
    "Culture": (
        "the film festival", "the museum reopening", "the book prize shortlist",
        "the theatre funding cuts", "the music festival cancellation", "the restored cathedral",
        "the heritage railway", "the art theft",
    ),
}
ACTIONS = (
    "approve", "delay", "scrap", "review", "expand", "challenge", "defend", "postpone",
    "back", "reject", "fund", "investigate",
)
TITLE_TEMPLATES = (
    "{Org} moves to {action} {topic} in {place}",
    "{role_cap} {last} warns over {topic}",
    "{place} braces for disruption as {topic} deepens",
    "Talks on {topic} stall as {org} digs in",
    "{country_cap} to {action} {topic} after weeks of pressure",
    "What we know so far about {topic} in {place}",
    "{Org} faces questions over {topic}",
    "{last} vows to {action} {topic} as critics circle",
    "{place} residents divided over {topic}",
    "Pressure mounts on {org} to {action} {topic}",
    "{number} jobs at risk as {topic} hits {place}",
    "{role_cap} {last} defends handling of {topic}",
    "Inside {topic}: how {place} got here",
    "{Org} and {org2} clash over {topic}",
    "Court ruling on {topic} leaves {place} in limbo",
    "{country_cap} and {country2} agree framework on {topic}",
)
SENTENCES: tuple[str, ...] = (
    "{person}, the {role} of {place}, said on {day} that {topic} would be discussed again next week.",
    "Officials at {org} confirmed that {number} people had been affected so far.",
    "\"We are not going to rush this decision,\" {last} told reporters outside the building.",
    "The announcement comes after months of pressure from residents and local businesses in {place}.",
    "Critics argue that {topic} has been handled badly from the start.",
    "According to figures published by {org}, costs have risen by {percent} per cent since last year.",
    "{person} said the government would publish a full report before the end of the month.",
    "Several hundred people gathered in the centre of {place} on {day} evening to voice their concerns.",
    "The opposition called the plan \"too little, too late\" and demanded an independent review.",
    "Analysts at {org} expect the measures to take at least {small} years to have a visible effect.",
    "In a statement, {org} said it was \"closely monitoring the situation\" and would respond in due course.",
    "Talks between {country} and {country2} are expected to resume in {place} later this month.",
    "{last}, who has held the post since {year}, has faced repeated calls to step down.",
    "A spokesperson for {org} declined to comment on the details of {topic}.",
    "Local councillors said they had not been consulted before the decision was made.",
    "The latest survey suggests that {percent} per cent of voters support the proposal.",
    "Emergency services in {place} were placed on alert as a precaution.",
    "\"This is a turning point for the whole region,\" said {person}, speaking at a press conference on {day}.",
    "The plan would cost an estimated €{number} million, to be funded partly by {org}.",
    "Previous attempts to resolve {topic} collapsed in {year} amid disagreements over funding.",
    "{org} has promised to publish its own assessment within {small} weeks.",
    "Residents of {place} say the changes have already made daily life more difficult.",
    "The committee heard evidence from {number} witnesses over three days of hearings.",
    "{person} warned that further delays could put thousands of jobs at risk.",
    "Supporters of the plan say it will bring long-overdue investment to {place}.",
    "The figures, released on {day}, were slightly better than economists had forecast.",
    "A final decision is expected after the summer recess, officials said.",
    "It is not the first time {org} has been criticised over its handling of {topic}.",
    "Observers from {country} described the atmosphere at the talks as constructive but tense.",
    "The {role} of {org2} said the organisation stood ready to help.",
    "More than {number} people have signed a petition calling for the scheme to be halted.",
    "{last} said there was \"no question\" of the project being abandoned.",
    "Independent experts have cast doubt on the accuracy of the official estimates.",
    "Shares in {company} fell {small} per cent in early trading after the news broke.",
    "Police said {small} people had been detained and were being questioned.",
    "Weather forecasters warned that conditions in {place} could worsen over the weekend.",
    "The minister is due to appear before a parliamentary committee on {day}.",
    "Campaigners have vowed to take the case to {court} if necessary.",
    "The agreement still needs to be ratified by lawmakers in {country}.",
    "{person} described the outcome as \"a fair compromise for everyone involved\".",
)
UPDATE_SENTENCES: tuple[str, ...] = (
    "Update: {org} later said the figure had been revised to {number}.",
    "This article was amended on {day} to correct the name of the {role} of {place}.",
    "{person} later clarified that no final decision had been taken.",
    "A spokesperson for {org} has since confirmed that talks will continue on {day}.",
    "Correction: an earlier version of this article misstated the cost of the plan as {number} million.",
)


def _curly(templates: tuple[str, ...]) -> tuple[str, ...]:
    """Typographic quotes, as newsrooms publish them: "a" -> “a”."""
    out = []
    for t in templates:
        parts = t.split('"')
        quoted = "".join(p + ("“" if i % 2 == 0 else "”") for i, p in enumerate(parts[:-1]))
        out.append(quoted + parts[-1])
    return tuple(out)


SENTENCES = _curly(SENTENCES)
UPDATE_SENTENCES = _curly(UPDATE_SENTENCES)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
COMPANIES = (
    "Helix Pharmaceuticals", "Orbital Telecom", "Granite Bank", "Nimbus Airlines",
    "Solace Energy", "Vantage Motors", "Quill Media Group", "Atlas Shipping",
)
COURTS = ("the Supreme Court", "the Constitutional Court", "the High Court", "the Court of Appeal")
OUTLET_SUFFIXES = (
    "Courier", "Gazette", "Herald", "Tribune", "Chronicle", "Post", "Observer", "Daily News",
    "Ledger", "Sentinel", "Times", "Dispatch", "Bulletin", "Record", "Examiner", "Journal",
    "Standard", "Mail", "Echo", "Express",
)

MIN_PARAGRAPHS, MAX_PARAGRAPHS = 6, 20
MIN_WORDS, MAX_WORDS = 25, 70


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated article: title, body paragraphs and metadata."""

    title: str
    paragraphs: tuple[str, ...]
    author: str
    category: str


def article_rng(seed: int, outlet: int, serial: int, purpose: str = "article") -> random.Random:
    """A deterministic RNG for one article (string seeds hash stably across runs)."""
    return random.Random(f"newswire-farm:{seed}:{outlet}:{serial}:{purpose}")


def outlet_name(index: int) -> str:
    """A stable, unique, plausible outlet name for outlet ``index``."""
    place = PLACES[index % len(PLACES)]
    suffix = OUTLET_SUFFIXES[(index // len(PLACES)) % len(OUTLET_SUFFIXES)]
    cycle = index // (len(PLACES) * len(OUTLET_SUFFIXES))
    name = f"The {place} {suffix}"
    return name if cycle == 0 else f"{name} {cycle + 1}"


def outlet_slug(index: int) -> str:
    """A URL/guid-safe short name for outlet ``index``."""
    return slugify(outlet_name(index).removeprefix("The "))


def person_name(rng: random.Random) -> str:
    """A random full name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def slugify(text: str, max_words: int = 10) -> str:
    """Lower-case ASCII slug of at most ``max_words`` words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:max_words]) or "article"


def _pick(rng: random.Random, seq: tuple[str, ...] | list[str]) -> str:
    """Like ``rng.choice`` but cheaper (one ``random()`` call)."""
    return seq[int(rng.random() * len(seq))]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Cast:
    """The people, places and organisations one article talks about."""

    def __init__(self, rng: random.Random, category: str) -> None:
        self.rng = rng
        self.topic = rng.choice(CATEGORIES[category])
        self.people = [person_name(rng) for _ in range(3)]
        self.roles = rng.sample(ROLES, 3)
        self.place = rng.choice(PLACES)
        self.orgs = rng.sample(ORGS, 2)
        self.countries = rng.sample(COUNTRIES, 2)
        self.used: set[str] = set()

    def slots(self) -> _Slots:
        """Fresh slot values, drawn only when a template uses them; the main cast recurs."""
        return _Slots(self)


class _Slots(dict[str, str]):
    """Lazily filled template slots for one sentence (``str.format_map`` calls ``__missing__``)."""

    def __init__(self, cast: _Cast) -> None:
        super().__init__()
        self.cast = cast
        self._person: int | None = None
        self._org: int | None = None

    def _who(self) -> int:
        if self._person is None:
            self._person = int(self.cast.rng.random() * len(self.cast.people))
        return self._person

    def _which_org(self) -> int:
        if self._org is None:
            self._org = int(self.cast.rng.random() * len(self.cast.orgs))
        return self._org

    def __missing__(self, key: str) -> str:
        c, rng = self.cast, self.cast.rng
        value: str
        if key == "person":
            value = c.people[self._who()]
        elif key == "last":
            value = c.people[self._who()].split(" ", 1)[1]
        elif key in ("role", "role_cap"):
            value = c.roles[self._who()]
            value = _cap(value) if key == "role_cap" else value
        elif key in ("org", "Org"):
            value = c.orgs[self._which_org()]
            value = _cap(value) if key == "Org" else value
        elif key == "org2":
            value = c.orgs[1 - self._which_org()]
        elif key == "place":
            value = c.place if rng.random() < 0.7 else _pick(rng, PLACES)
        elif key == "country":
            value = c.countries[0]
        elif key == "country_cap":
            value = _cap(c.countries[0])
        elif key == "country2":
            value = c.countries[1]
        elif key == "topic":
            value = c.topic
        elif key == "action":
            value = _pick(rng, ACTIONS)
        elif key == "day":
            value = _pick(rng, DAYS)
        elif key == "number":
            big = rng.random() < 0.5
            value = f"{int(rng.random() * 949) + 2:,}" if big else str(int(rng.random() * 88) + 12)
        elif key == "small":
            value = str(int(rng.random() * 8) + 2)
        elif key == "percent":
            value = str(int(rng.random() * 76) + 3)
        elif key == "year":
            value = str(int(rng.random() * 26) + 1998)
        elif key == "company":
            value = _pick(rng, COMPANIES)
        elif key == "court":
            value = _pick(rng, COURTS)
        else:
            raise KeyError(key)
        self[key] = value
        return value


def _sentence(cast: _Cast, templates: tuple[str, ...]) -> str:
    """One sentence, preferring a template this article has not used yet."""
    template = _pick(cast.rng, templates)
    for _ in range(4):
        if template not in cast.used:
            break
        template = _pick(cast.rng, templates)
    cast.used.add(template)
    return _cap(template.format_map(cast.slots()))


def _paragraph(cast: _Cast) -> str:
    """Sentences until the paragraph holds 25-70 words."""
    target = cast.rng.randint(MIN_WORDS, MAX_WORDS)
    sentences: list[str] = []
    words = 0
    while words < MIN_WORDS or (words < target - 8 and len(sentences) < 6):
        s = _sentence(cast, SENTENCES)
        n = len(s.split())
        if words + n > MAX_WORDS:
            if words >= MIN_WORDS:
                break
            continue
        if s in sentences:
            continue
        sentences.append(s)
        words += n
    return " ".join(sentences)


def generate_article(
    seed: int, outlet: int, serial: int, taken: Container[str] = ()
) -> GeneratedArticle:
    """Generate article ``serial`` of ``outlet`` (pure and deterministic).

    The title is re-rolled (with its cast) until it is not in ``taken``; the body is generated
    once, for the final cast.
    """
    variant = 0
    while True:
        rng = article_rng(seed, outlet, serial, "article" if variant == 0 else f"article-{variant}")
        category = _pick(rng, tuple(CATEGORIES))
        cast = _Cast(rng, category)
        title = _cap(_pick(rng, TITLE_TEMPLATES).format_map(cast.slots()))
        if title not in taken:
            break
        variant += 1
    n = rng.randint(MIN_PARAGRAPHS, MAX_PARAGRAPHS)
    paragraphs: list[str] = []
    while len(paragraphs) < n:
        p = _paragraph(cast)
        if p not in paragraphs:
            paragraphs.append(p)
    author = person_name(rng)
    return GeneratedArticle(
        title=title, paragraphs=tuple(paragraphs), author=author, category=category
    )


def _words(text: str) -> int:
    return len(text.split())


def edit_paragraphs(paragraphs: tuple[str, ...], rng: random.Random) -> tuple[tuple[str, ...], int]:
    """Change exactly one paragraph (an update sentence replaces its tail); return it and its index.

    The edited paragraph stays within 25-70 words.
    """
    index = rng.randrange(len(paragraphs))
    old = paragraphs[index]
    cast = _Cast(rng, rng.choice(tuple(CATEGORIES)))
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", old)
    new = old
    while new == old:
        addition = _sentence(cast, UPDATE_SENTENCES)
        kept = list(sentences)
        while kept and _words(" ".join([*kept, addition])) > MAX_WORDS:
            kept.pop()
        new = " ".join([*kept, addition])
        while _words(new) < MIN_WORDS:
            new = f"{new} {_sentence(cast, SENTENCES)}"
        if _words(new) > MAX_WORDS:
            new = old  # padding overshot: try another update sentence
    changed = list(paragraphs)
    changed[index] = new
    return tuple(changed), index
