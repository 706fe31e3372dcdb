"""Named entities: spaCy NER, canonicalisation within an article, and the alias table that
canonicalises names across articles.

Within an article (stateless, per partition): a surname or first name alone resolves to the full
person name mentioned in the same article ("Lavrov" -> "Sergey Lavrov"), and "X, formerly (known
as) Y" / "X, also known as Y" links two names of one entity. Across articles (the alias table,
state of the single clustering partition): spelling and transliteration variants of one name
resolve to the first canonical form seen ("Sergei Lavrov" -> "Sergey Lavrov"), matched with
rapidfuzz on folded (anyascii, lower-case) names. Two people who share a surname are never merged:
a person variant must match on the surname *and* closely on the given names.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from anyascii import anyascii
from rapidfuzz import fuzz

from newswire.contracts import Entity
from newswire.contracts.articles import EntityType
from newswire.enricher.ner_decode import NerDecoder
from newswire.enricher.ner_ops import BlasOps, use_ops

#: spaCy (OntoNotes) labels we keep, and the contract's type for each. NORP (nationalities and
#: groups) is kept as "other": the small models often put places there ("Aleppo").
LABELS: dict[str, EntityType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "EVENT": "event",
    "NORP": "other",
    "PRODUCT": "other",
    "WORK_OF_ART": "other",
    "LAW": "other",
}
#: Labels the pruned NER still recognises though the enricher drops their mentions: the two
#: commonest of the dropped ones. Where sm tags "Saturday" or "two" as DATE or CARDINAL, a NER
#: without these labels takes its best remaining action there, sometimes a kept type ("Saturday"
#: as PERSON); keeping them costs 8 actions and brings entity-set agreement with sm from 0.992
#: to 0.999 (`bench/ner_pruned.py`, services/enricher/README.md).
ABSORBING_LABELS = ("DATE", "CARDINAL")
#: The labels the pruned NER has (`load_pipeline(..., "kept")`).
PRUNED_LABELS = (*LABELS, *ABSORBING_LABELS)
#: Pipes NER does not need (the small English pipeline's tagger, parser, lemmatiser).
UNNEEDED_PIPES = ("parser", "tagger", "attribute_ruler", "lemmatizer", "senter", "morphologizer")
_LINK = re.compile(
    r"^\s*[,(\u2013\u2014-]?\s*(?:(?:which\s+was|previously|formerly|also|once|better)\s+)?"
    r"(?:(?:known|called|named)\s+as\s+|known\s+|called\s+|formerly\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
_LINK_WORD = re.compile(r"formerly|previously|known|called|aka", re.IGNORECASE)
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"(?:'s|\u2019s|'|\u2019)$")


@dataclass(frozen=True)
class Mention:
    """One entity mention found by the NER model."""

    text: str
    label: str
    start: int


#: `NEWSWIRE_NER_LABELS`: "kept" prunes the NER to PRUNED_LABELS (see `prune_ner_labels`),
#: "all" runs the model as it ships.
NerLabels = Literal["kept", "all"]


def load_pipeline(model: str, labels: NerLabels = "kept") -> Any:
    """The spaCy pipeline `model`, loaded once per process with the pipes NER does not need
    disabled and, with `labels="kept"`, its NER pruned to the labels we keep (spaCy is imported
    here so that processes without NER never pay for it)."""
    return _cached_pipeline(model, labels)  # one cache key however the caller spells the arguments


@lru_cache(maxsize=8)
def _cached_pipeline(model: str, labels: NerLabels) -> Any:
    return build_pipeline(model, labels)


def build_pipeline(model: str, labels: NerLabels = "kept") -> Any:
    """`load_pipeline` without the cache: a fresh copy on each call."""
    import spacy

    nlp = spacy.load(model)
    disabled = [name for name in nlp.pipe_names if name in UNNEEDED_PIPES]
    for name in disabled:
        nlp.disable_pipe(name)
    # A shared embedding layer whose only listeners were just disabled computes vectors nobody
    # reads: in the small English pipeline NER has its own, and skipping the shared one saves
    # about a quarter of NER's time with identical entities.
    for name in nlp.pipe_names:
        listeners = getattr(nlp.get_pipe(name), "listening_components", None)
        if listeners is not None and not set(listeners) & set(nlp.pipe_names):
            nlp.disable_pipe(name)
    if labels == "kept" and "ner" in nlp.pipe_names:
        prune_ner_labels(nlp.get_pipe("ner"), PRUNED_LABELS)
    use_ops(nlp, BlasOps())  # numpy's BLAS for the matrix products: x0.87 NER CPU (ner_ops.py)
    return nlp


def prune_ner_labels(ner: Any, keep: Collection[str]) -> bool:
    """Cut a transition-based NER (spaCy `EntityRecognizer`) down to the labels in `keep`, in
    place and without training; False (and `ner` unchanged) unless it has every label of `keep`.

    Each step, sm's NER scores one action per (BILUO move, label), 74 for its 18 labels, and the
    output layer and the validity checks grow with them, though the enricher throws 8 labels away
    (DATE, CARDINAL, MONEY, ...). The pruned NER's transition system has only the kept labels'
    actions (and the unlabelled "O" and "U-"), and its output layer sm's rows for exactly those
    actions, matched by name; tok2vec and the hidden (precomputable) layer are sm's. So at each
    step it takes sm's best-scoring *valid kept* action: where sm began a MONEY it now takes the
    best of the rest, usually O. Only the ensuing states can differ from sm's. (The enricher keeps
    two dropped labels as well, `ABSORBING_LABELS`, so that their spans are not taken for kept types.)
    """
    from thinc.api import Linear

    moves = ner.moves
    labels = set(ner.labels) - {""}
    if not set(keep) <= labels or labels <= set(keep):
        return False
    before = [moves.get_class_name(i) for i in range(moves.n_moves)]
    # `initialize_actions` rebuilds the moves in spaCy's own order (by move, then label
    # frequency), as a freshly initialised NER would have them; the empty label is the "U-" action.
    moves.initialize_actions({
        move: Counter({label: freq for label, freq in freqs.items() if label in keep or label == ""})
        for move, freqs in moves.labels.items()
    })
    rows = [before.index(moves.get_class_name(i)) for i in range(moves.n_moves)]
    # The "upper" layer is a plain Linear (W: actions x hidden) that spaCy's parser reads by
    # reference; its nO cannot be changed once it has weights, and spaCy's own `resize_output`
    # only grows it by appending rows, so a new Linear with the selected rows replaces it.
    model = ner.model
    upper = model.get_ref("upper")
    pruned = Linear(nO=len(rows), nI=upper.get_dim("nI"))
    pruned.set_param("W", upper.get_param("W")[rows])
    pruned.set_param("b", upper.get_param("b")[rows])
    model.replace_node(upper, pruned)
    # classes never trained get their scores masked; sm has none, but keep the map right
    unseen = model.attrs["unseen_classes"]
    model.attrs["unseen_classes"] = {rows.index(i) for i in unseen if i in rows}
    return True


def ner_mentions(nlp: Any, text: str) -> list[Mention]:
    """Entity mentions of `text` (only the labels in LABELS): spaCy's own, decoded by
    `NerDecoder` where it reproduces the pipeline (about half of NER's CPU), else by spaCy; in a
    spaCy memory zone once the pipeline's vocabulary has grown by its budget (`VocabGuard`)."""
    guard = vocab_guard(nlp)
    if guard is None:
        return _mentions(nlp, text)
    with guard.lock:
        if guard.full():
            with nlp.memory_zone():  # the words first seen in `text` are forgotten after it
                return _mentions(nlp, text)
        return _mentions(nlp, text)


#: Strings a pipeline's vocabulary may gain for good, beyond the model's own, before NER runs in
#: a memory zone (`VocabGuard`): ~320 bytes each with their lexemes, so 100,000 ~ 32 MB.
VOCAB_STRINGS = 100_000


class VocabGuard:
    """Bounds what a pipeline's vocabulary keeps. spaCy adds every string it meets to the
    vocabulary (a lexeme and a string-store entry) and never lets go of one, so a stage that runs
    for weeks grows by every new name, number and typo of the news: ~25 MB per 1,000 articles
    with 40 new words each, measured (`services/enricher/README.md`). The first `budget` new
    strings are kept (the commonest words come early, and a known word costs the tokenizer
    less); after that each text is read in `nlp.memory_zone()`, which frees what the text added
    (spaCy >= 3.8). The mentions are the same either way: they are copied out as Python strings.
    `lock`: a zone must not overlap another call on the same pipeline."""

    def __init__(self, nlp: Any, budget: int = VOCAB_STRINGS) -> None:
        self.strings = nlp.vocab.strings
        self.limit = len(self.strings) + budget
        self.lock = threading.Lock()

    def full(self) -> bool:
        """Whether the vocabulary has gained its budget of strings."""
        return len(self.strings) >= self.limit


_GUARDS: weakref.WeakKeyDictionary[Any, VocabGuard] = weakref.WeakKeyDictionary()


def vocab_guard(nlp: Any, budget: int | None = None) -> VocabGuard | None:
    """The pipeline's `VocabGuard`, made on first use (`budget`: VOCAB_STRINGS unless given; a
    budget given later replaces the guard); None for a stand-in for spaCy that has no memory
    zones or cannot be weakly referenced."""
    if not hasattr(nlp, "memory_zone") or not hasattr(getattr(nlp, "vocab", None), "strings"):
        return None
    with _DECODERS_LOCK:
        try:
            guard = _GUARDS.get(nlp)
            if guard is None or budget is not None:
                guard = _GUARDS[nlp] = VocabGuard(nlp, VOCAB_STRINGS if budget is None else budget)
        except TypeError:
            return None
        return guard


def _mentions(nlp: Any, text: str) -> list[Mention]:
    decoder = ner_decoder(nlp)
    if decoder is not None:
        doc = nlp.make_doc(text)
        entities = decoder.decode(doc)
        if entities is not None:
            return [
                Mention(doc[e.start : e.end].text, e.label, doc[e.start].idx)
                for e in entities if e.label in LABELS
            ]
    return doc_mentions(nlp(text))


_DECODERS: weakref.WeakKeyDictionary[Any, NerDecoder | None] = weakref.WeakKeyDictionary()
_DECODERS_LOCK = threading.Lock()


def ner_decoder(nlp: Any) -> NerDecoder | None:
    """The vectorised decoder of `nlp`'s NER, built once per pipeline (from the NER as it is
    then: `build_pipeline` prunes before anything decodes), or None (spaCy decodes) when it does
    not reproduce that pipeline."""
    with _DECODERS_LOCK:
        try:
            known = nlp in _DECODERS
        except TypeError:  # not weakly referable (a stand-in for spaCy): nothing to cache
            return NerDecoder.build(nlp)
        if not known:
            _DECODERS[nlp] = NerDecoder.build(nlp)
        return _DECODERS[nlp]


def doc_mentions(doc: Any) -> list[Mention]:
    """Entity mentions of a spaCy doc (for batches through `nlp.pipe`)."""
    return [Mention(e.text, e.label_, e.start_char) for e in doc.ents if e.label_ in LABELS]


def clean_name(surface: str) -> str:
    """A mention as a name: whitespace folded, leading article and possessive dropped."""
    name = " ".join(surface.split())
    name = _TRAILING.sub("", _LEADING.sub("", name)).strip(" \"'.,;:()[]")
    return name


def fold(name: str) -> str:
    """The comparison key of a name: ASCII transliteration, lower case, hyphens as spaces."""
    return " ".join(anyascii(name).lower().replace("-", " ").replace(".", "").split())


@dataclass
class _Group:
    name: str
    type: EntityType
    first_offset: int
    mentions: int = 0
    surfaces: list[str] = field(default_factory=list)
    types: Counter[EntityType] = field(default_factory=Counter)
    linked_to: str | None = None
    split_into: tuple[str, ...] = ()


def article_entities(
    mentions: Sequence[Mention], text: str, title_chars: int, lead_chars: int, limit: int = 30
) -> tuple[Entity, ...]:
    """Group the mentions of one article into entities (within-article canonicalisation).

    `text` is what NER ran on: the title, a blank line, then the body; mentions before
    `title_chars` are in the title, before `lead_chars` in the lead, which raises salience.
    """
    groups: dict[str, _Group] = {}
    order: list[str] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        name = clean_name(mention.text)
        if len(name) < 2 or not any(c.isalpha() for c in name):
            continue
        kind = LABELS[mention.label]
        key = fold(name)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(name, kind, mention.start)
            order.append(key)
        group.mentions += 1
        group.types[kind] += 1
        if name not in group.surfaces:
            group.surfaces.append(name)
        group.first_offset = min(group.first_offset, mention.start)
    for group in groups.values():
        group.type = group.types.most_common(1)[0][0]
    _resolve_short_person_names(groups, order)
    _link_aliases(groups, mentions, text)
    merged = _collapse(groups, order)
    entities = []
    for group in merged:
        in_title = group.first_offset < title_chars
        in_lead = group.first_offset < lead_chars
        salience = min(1.0, 0.5 * in_title + 0.25 * in_lead + 0.05 * group.mentions)
        entities.append(
            Entity(
                name=group.name,
                type=group.type,
                mentions=group.mentions,
                first_offset=max(0, group.first_offset - title_chars),
                salience=round(salience, 3),
                surface_forms=tuple(group.surfaces[:10]),
            )
        )
    entities.sort(key=lambda e: (-e.salience, -e.mentions, e.first_offset))
    return tuple(entities[:limit])


def _resolve_short_person_names(groups: dict[str, _Group], order: list[str]) -> None:
    """A one-word person name that is the last (or first) word of exactly one multi-word person
    name of the article is that person."""
    full = [k for k in order if groups[k].type == "person" and len(k.split()) > 1]
    for key in order:
        group = groups[key]
        if "-" in group.name:
            # "Kerry-Lavrov talks": a compound of two people's surnames names both of them.
            parts = [[f for f in full if f != key and f.split()[-1] == part] for part in key.split()]
            if len(parts) > 1 and all(len(p) == 1 for p in parts):
                group.split_into = tuple(p[0] for p in parts)
    full = [k for k in full if not groups[k].split_into]
    for key in order:
        group = groups[key]
        if group.split_into:
            continue
        if len(key.split()) != 1 or group.type not in ("person", "organisation", "place", "other"):
            continue
        matches = [f for f in full if f.split()[-1] == key] or [
            f for f in full if f.split()[0] == key
        ]
        if len(matches) == 1:
            group.linked_to = matches[0]


def _link_aliases(groups: dict[str, _Group], mentions: Sequence[Mention], text: str) -> None:
    """"A, formerly B" / "A (also known as B)": B is another name of A."""
    ordered = sorted(mentions, key=lambda m: m.start)
    for first, second in zip(ordered, ordered[1:], strict=False):
        between = text[first.start + len(first.text) : second.start]
        if len(between) > 40 or not _LINK_WORD.search(between) or not _LINK.match(between):
            continue
        a, b = fold(clean_name(first.text)), fold(clean_name(second.text))
        if a in groups and b in groups and a != b and groups[b].linked_to is None:
            groups[b].linked_to = a


def _collapse(groups: dict[str, _Group], order: list[str]) -> list[_Group]:
    def root(key: str) -> str:
        seen = set()
        while groups[key].linked_to is not None and key not in seen:
            seen.add(key)
            key = groups[key].linked_to or key
        return key

    result: dict[str, _Group] = {}
    for key in order:
        group = groups[key]
        if group.split_into:
            continue
        target = root(key)
        if target not in result:
            base = groups[target]
            result[target] = _Group(base.name, base.type, base.first_offset)
        merged = result[target]
        merged.mentions += group.mentions
        merged.first_offset = min(merged.first_offset, group.first_offset)
        merged.surfaces.extend(s for s in group.surfaces if s not in merged.surfaces)
    for key in order:
        for target in groups[key].split_into:
            if root(target) in result:
                result[root(target)].mentions += groups[key].mentions
    return list(result.values())


class AliasTable:
    """Canonical names across articles; grows as the stream flows, within bounds.

    `canonical(name, type)` returns the canonical name of a variant, registering new names. The
    table is the state of the single clustering partition and is rebuilt from the enriched
    articles of the window (`learn`), whose entities carry canonical names and surface forms.
    A name not seen (as a name or a surface form) for `window_s` before the latest article's
    time is forgotten (`advance`), and beyond `max_names` the least recently seen go first: the
    table's memory is bounded (~600 bytes a name with the time it was last seen). Unbounded, it
    grew by ~6 names, ~2 KB, per article on the GVA dev texts, for as long as the stage ran.
    Names registered without a time (`when=None`) are kept for good.
    """

    def __init__(
        self, person_threshold: float = 80.0, other_threshold: float = 92.0, window_s: float | None = None,
        max_names: int | None = None,
    ) -> None:
        self.person_threshold = person_threshold
        self.other_threshold = other_threshold
        self.window_s = window_s
        self.max_names = max_names
        self.aliases: dict[tuple[EntityType, str], str] = {}
        self._by_last: dict[tuple[EntityType, str], list[str]] = {}
        #: When each name was last seen (epoch seconds), least recently seen first.
        self._seen: OrderedDict[tuple[EntityType, str], float] = OrderedDict()
        self._now = float("-inf")

    def __len__(self) -> int:
        return len(self.aliases)

    def canonical(
        self, name: str, kind: EntityType, surfaces: Iterable[str] = (), when: float | None = None
    ) -> str:
        """The canonical form of `name` (an entity of type `kind`), learning it if new; `when`
        (epoch seconds): the article's time, which keeps its names in the window."""
        key = fold(name)
        known = self.aliases.get((kind, key))
        if known is None:
            known = self._fuzzy(key, kind) or name
            self.aliases[(kind, key)] = known
            self._by_last.setdefault((kind, _last_word(key)), []).append(key)
        self._touch((kind, key), when)
        for surface in surfaces:
            self._alias(surface, kind, known, when)
        return known

    def learn(self, canonical: str, kind: EntityType, surfaces: Iterable[str], when: float | None = None) -> None:
        """Rebuild: an entity as a past enriched article (of time `when`) published it."""
        self._alias(canonical, kind, canonical, when)
        for surface in surfaces:
            self._alias(surface, kind, canonical, when)

    def advance(self, now: float) -> None:
        """Forget the names not seen within `window_s` before `now` (or before the latest `now`
        given: article times may come out of order)."""
        self._now = max(self._now, now)
        if self.window_s is None:
            return
        horizon = self._now - self.window_s
        while self._seen:
            key, seen = next(iter(self._seen.items()))
            if seen >= horizon:
                break
            del self._seen[key]
            self._forget(key)

    def _touch(self, key: tuple[EntityType, str], when: float | None) -> None:
        if when is None or key not in self.aliases:
            return
        self._seen[key] = max(when, self._seen.get(key, when))
        self._seen.move_to_end(key)
        while self.max_names is not None and len(self._seen) > self.max_names:
            self._forget(self._seen.popitem(last=False)[0])

    def _forget(self, key: tuple[EntityType, str]) -> None:
        if self.aliases.pop(key, None) is None:
            return
        kind, name = key
        names = self._by_last.get((kind, _last_word(name)))
        if names is not None:
            names.remove(name)
            if not names:
                del self._by_last[(kind, _last_word(name))]

    def _alias(self, surface: str, kind: EntityType, canonical: str, when: float | None = None) -> None:
        key = fold(surface)
        if not key:
            return
        if (kind, key) in self.aliases:
            self._touch((kind, key), when)
            return
        # A one-word surface of a person ("Lavrov") stays article-local: it could be anyone.
        if kind == "person" and len(key.split()) == 1 and fold(canonical) != key:
            return
        self.aliases[(kind, key)] = canonical
        self._by_last.setdefault((kind, _last_word(key)), []).append(key)
        self._touch((kind, key), when)

    def _fuzzy(self, key: str, kind: EntityType) -> str | None:
        if not key:
            return None
        words = key.split()
        if kind == "person":
            if len(words) < 2:
                return None
            best: tuple[float, str] | None = None
            for other in self._by_last.get((kind, words[-1]), ()):
                other_words = other.split()
                if len(other_words) < 2:
                    continue
                # Same surname; the given names must be spelling variants, not different people.
                given = fuzz.ratio(" ".join(words[:-1]), " ".join(other_words[:-1]))
                if given >= self.person_threshold and (best is None or given > best[0]):
                    best = (given, self.aliases[(kind, other)])
            return best[1] if best else None
        for other_key, canonical in self._candidates(kind, words):
            if fuzz.ratio(key, other_key) >= self.other_threshold:
                return canonical
        return None

    def _candidates(self, kind: EntityType, words: list[str]) -> Iterable[tuple[str, str]]:
        """Known names of `kind` sharing a word with `words` (bounded, to keep matching cheap)."""
        seen: set[str] = set()
        for word in words:
            for other in self._by_last.get((kind, word), ())[:200]:
                if other not in seen:
                    seen.add(other)
                    yield other, self.aliases[(kind, other)]


def _last_word(key: str) -> str:
    """A folded name's last word (its surname, for a person): the alias table's index key."""
    return key.split()[-1] if key else key


# -- NER once per distinct text: per-paragraph mentions, reused across versions and copies ----

#: Words of context on each side that a paragraph's mentions depend on. spaCy's NER in the
#: pipelines we ship (`spacy.TransitionBasedParser.v2`, state type "ner", over a
#: `MaxoutWindowEncoder` of depth 4, window 1) decides each token from the encodings of the
#: token, the one before it and the first token of an open entity, and each encoding sees 4
#: tokens on either side: about 5 tokens of context. A word is at least one token, so 24 words
#: leave a wide margin. Tokenisation splits on whitespace first, so it is local too.
CONTEXT_WORDS = 24
_SEPARATOR = re.compile(r"\n\n+")
_WORDS = re.compile(r"\S+")


class MentionCache:
    """Bounded LRU of NER mentions per paragraph-in-context.

    The key of a paragraph is a hash of its exact text together with the `CONTEXT_WORDS` words
    on either side of it (and whether that context reaches the start or the end of the text) and
    the pipeline: whatever else surrounds it, a full NER pass over a text containing that window
    finds exactly these mentions in the paragraph (see CONTEXT_WORDS), as long as no entity runs
    into it from outside (`cached_mentions` checks that at the edges of what it NERs, and a
    paragraph an entity crosses into or out of is not stored). So a new version of an
    article runs NER only around the paragraphs that changed, and a syndicated copy (same
    paragraphs, another title or footer) only around what differs. Thread-safe (the enricher
    runs NER in worker threads). `max_paragraphs=0` disables it.
    """

    def __init__(self, max_paragraphs: int = 300_000) -> None:
        self.max_paragraphs = max_paragraphs
        # values packed into one string per paragraph ("" for none): ~210 bytes an entry
        self._items: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.ner_chars = 0  # characters NER ran on (full passes and windows)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: bytes) -> tuple[Mention, ...] | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        return _unpack(found)

    def put(self, key: bytes, mentions: tuple[Mention, ...]) -> None:
        if self.max_paragraphs <= 0 or any(_PACKING & set(m.text) for m in mentions):
            return
        packed = _pack(mentions)
        with self._lock:
            self._items[key] = packed
            self._items.move_to_end(key)
            while len(self._items) > self.max_paragraphs:
                self._items.popitem(last=False)


_PACKING = frozenset("\x1e\x1f")


def _pack(mentions: Sequence[Mention]) -> str:
    return "\x1e".join(f"{m.start}\x1f{m.label}\x1f{m.text}" for m in mentions)


def _unpack(packed: str) -> tuple[Mention, ...]:
    if not packed:
        return ()
    out = []
    for item in packed.split("\x1e"):
        start, label, text = item.split("\x1f", 2)
        out.append(Mention(text, label, int(start)))
    return tuple(out)


@dataclass(frozen=True)
class _Unit:
    """A paragraph of the NER input (with its trailing separator) and its context window."""

    start: int
    end: int
    key: bytes


def _pipeline_key(nlp: Any) -> str:
    meta = getattr(nlp, "meta", None)
    if isinstance(meta, dict) and meta.get("name"):
        return f"{meta.get('lang')}_{meta['name']}-{meta.get('version')}"
    return f"{type(nlp).__name__}@{id(nlp)}"


def _units(text: str, pipeline: str) -> list[_Unit]:
    bounds = [0, *(m.end() for m in _SEPARATOR.finditer(text))]
    if bounds[-1] == len(text) and len(bounds) > 1:
        bounds.pop()
    bounds.append(len(text))
    words = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    starts = [w[0] for w in words]
    units = []
    for start, end in itertools.pairwise(bounds):
        lo, hi = _window(words, starts, start, end, len(text))
        digest = hashlib.blake2b(digest_size=16)
        digest.update(f"{pipeline}\x00{lo == 0}\x00{hi == len(text)}\x00{start - lo}\x00{end - lo}\x00".encode())
        digest.update(text[lo:hi].encode("utf-8", "surrogatepass"))
        units.append(_Unit(start, end, digest.digest()))
    return units


def _window(words: list[tuple[int, int]], starts: list[int], start: int, end: int, length: int) -> tuple[int, int]:
    """[start, end) widened by CONTEXT_WORDS whole words on each side (or to the text's ends)."""
    first = bisect.bisect_left(starts, start)  # the first word at or after `start`
    lo = words[first - CONTEXT_WORDS][0] if first >= CONTEXT_WORDS else 0
    after = bisect.bisect_left(starts, end)  # the first word at or after `end`
    last = after + CONTEXT_WORDS - 1
    hi = words[last][1] if last < len(words) else length
    return min(lo, start), max(hi, end)


def cached_mentions(nlp: Any, text: str, cache: MentionCache | None) -> list[Mention]:
    """The mentions `ner_mentions(nlp, text)` finds, running NER only around the paragraphs
    whose context window is not in `cache` (and storing what it finds there). A text with no
    known paragraph gets one full pass, exactly as without the cache."""
    if cache is None or cache.max_paragraphs <= 0:
        return ner_mentions(nlp, text)
    units = _units(text, _pipeline_key(nlp))
    known = [cache.get(unit.key) for unit in units]
    if all(k is None for k in known):
        return _full_pass(nlp, text, units, cache)
    words = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    starts = [w[0] for w in words]
    found: list[Mention] = []
    i = 0
    while i < len(units):
        cached = known[i]
        if cached is not None:
            found.extend(Mention(m.text, m.label, m.start + units[i].start) for m in cached)
            i += 1
            continue
        j = i
        while j + 1 < len(units) and known[j + 1] is None:
            j += 1
        run_start, run_end = units[i].start, units[j].end
        lo, hi = _window(words, starts, run_start, run_end, len(text))
        cache.ner_chars += hi - lo
        window = [Mention(m.text, m.label, m.start + lo) for m in ner_mentions(nlp, text[lo:hi])]
        if any(_crosses(m, run_start) or _crosses(m, run_end) for m in window):
            # An entity across the edge of what changed: the locality argument does not hold.
            return _full_pass(nlp, text, units, cache)
        inside = [m for m in window if run_start <= m.start < run_end]
        _store(inside, units[i : j + 1], cache)
        found.extend(inside)
        i = j + 1
    return found


def _crosses(mention: Mention, boundary: int) -> bool:
    return mention.start < boundary < mention.start + len(mention.text)


def _full_pass(nlp: Any, text: str, units: list[_Unit], cache: MentionCache) -> list[Mention]:
    cache.ner_chars += len(text)
    mentions = ner_mentions(nlp, text)
    _store(mentions, units, cache)
    return mentions


def _store(mentions: Sequence[Mention], units: Sequence[_Unit], cache: MentionCache) -> None:
    """Each unit's mentions, relative to its start; a unit an entity crosses into or out of is
    not stored (its mentions are not its own)."""
    per: list[list[Mention]] = [[] for _ in units]
    broken: set[int] = set()
    starts = [u.start for u in units]
    for mention in mentions:
        k = bisect.bisect_right(starts, mention.start) - 1
        if k < 0:
            continue
        per[k].append(Mention(mention.text, mention.label, mention.start - units[k].start))
        end = mention.start + len(mention.text)
        if end > units[k].end:
            broken.update(range(k, bisect.bisect_left(starts, end)))
    for k, unit in enumerate(units):
        if k not in broken:
            cache.put(unit.key, tuple(per[k]))
