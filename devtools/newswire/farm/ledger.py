"""The accounting ledger: every item the farm published, accounted for at the end of a run.

Each published article ends as exactly one outcome: an article in Elasticsearch (``indexed``), a
known near-duplicate (``duplicate``: indexed with ``duplicate_of``), a flagged page (``flagged``:
paywall, bot wall, not an article, too short), a dead letter with its reason (``dead_letter``), a
fetch that failed for good with its failure class (``fetch_failed``, from the pages topic), an item
the farm makes unreachable on purpose (``unreachable_by_design``: a dead host, robots.txt
disallowing everything, ... with the reason), or ``unaccounted`` (a loss). On top of that: no
article indexed twice (two documents with one canonical URL), no revision indexed twice (one
article and version), and every edit the farm applied seen as exactly one revision (no edit
missed, no version invented, e.g. by a tracker that lost its state).

The accounting (:func:`account`) is pure: it takes :class:`LedgerInputs` and returns a
:class:`LedgerResult`. The I/O that collects the inputs (the farm's ``/_farm/articles``,
Elasticsearch, the dead-letter and pages topics) is at the bottom (:func:`collect`,
:func:`run_ledger`), importing its clients lazily so that the accounting stays light.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson

from newswire.contracts.ids import article_id, normalise_url

if TYPE_CHECKING:
    from rich.console import RenderableType

    from newswire.config import KafkaSettings
    from newswire.contracts import DeadLetter, FetchedPage
    from newswire.farm.model import ArticleRecord

__all__ = [
    "BLOCKING_FAULTS",
    "IndexedArticle",
    "IndexedRevision",
    "ItemAccount",
    "LedgerInputs",
    "LedgerResult",
    "Letter",
    "FailedFetch",
    "Outcome",
    "PublishedItem",
    "account",
    "collect",
    "failed_fetch_of",
    "items_from_farm",
    "letter_of",
    "render",
    "run_ledger",
]


class Outcome(StrEnum):
    """How one published item ended."""

    INDEXED = "indexed"
    DUPLICATE = "duplicate"
    FLAGGED = "flagged"
    DEAD_LETTER = "dead_letter"
    FETCH_FAILED = "fetch_failed"
    UNREACHABLE = "unreachable_by_design"
    UNACCOUNTED = "unaccounted"


#: Outlet faults (``OutletBehaviour.faults``) that can keep an article out of Elasticsearch on
#: purpose. Charset faults, AMP pages, walls and paywalls are absent: their articles must still end
#: indexed, flagged or as a dead letter, never missing.
BLOCKING_FAULTS: frozenset[str] = frozenset({
    "dead", "redirect_loop", "always_error", "feed_truncated", "feed_html", "huge_page",
    "page_slowloris", "page_no_answer", "page_endless_chunked", "page_lying_length",
    "page_lying_length_stall", "page_gzip_bomb", "page_brotli_bomb", "page_binary_as_html",
    "page_octet_stream", "page_pdf", "page_js_shell", "robots_disallow_all", "robots_server_error",
    "robots_no_answer",
})  # fmt: skip

_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
_URL_BYTES = re.compile(rb"https?://[^\s\"'<>\\]+")


# -- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedItem:
    """What the farm published: one article, its URLs, live version count and outlet faults."""

    url: str
    """The canonical URL (what the page declares)."""
    link: str
    """The URL the feed lists (tracking parameters, maybe a redirecting path)."""
    outlet: str
    host: str
    versions: int = 1
    faults: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    """When the live version went live (ISO 8601; the farm gives whole seconds)."""
    source: str = ""
    """Where its text comes from: 'generated', 'seed:<name>' or 'revision:<name>'."""

    @classmethod
    def from_record(cls, record: ArticleRecord) -> PublishedItem:
        """From the farm's in-process ground truth (``Farm.articles()``)."""
        return cls(
            url=record.url, link=record.link, outlet=record.outlet_name, host=record.host,
            versions=record.versions, faults=tuple(record.faults), published=record.published,
            modified=record.modified, source=record.source,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishedItem:
        """From one entry of the farm's ``/_farm/articles``."""
        return cls(
            url=str(data["url"]), link=str(data.get("link") or data["url"]),
            outlet=str(data.get("outlet_name", "")), host=str(data.get("host", "")),
            versions=int(data.get("versions", 1)), faults=tuple(data.get("faults", ())),
            published=data.get("published"), modified=data.get("modified"),
            source=str(data.get("source") or ""),
        )

    @property
    def ids(self) -> frozenset[str]:
        """Article ids this item may travel under (its canonical URL, or its feed link)."""
        return frozenset({article_id(self.url), article_id(self.link)})

    @property
    def urls(self) -> frozenset[str]:
        """Its URLs, normalised."""
        return frozenset({normalise_url(self.url), normalise_url(self.link)})

    @property
    def blocking_faults(self) -> tuple[str, ...]:
        """The outlet's faults that may keep it out on purpose."""
        return tuple(f for f in self.faults if f in BLOCKING_FAULTS)


@dataclass(frozen=True)
class IndexedArticle:
    """An article document in Elasticsearch (only what the ledger needs)."""

    id: str
    canonical_url: str
    version: int = 1
    duplicate_of: str | None = None
    flags: tuple[str, ...] = ()
    index: str = ""
    first_seen: str | None = None
    """When the system first saw the article (ISO 8601)."""

    @classmethod
    def from_hit(cls, hit: Mapping[str, Any]) -> IndexedArticle:
        """From a search hit of the articles alias."""
        src = hit.get("_source") or {}
        flags = src.get("flags") or {}
        return cls(
            id=str(hit["_id"]), canonical_url=str(src.get("canonical_url", "")),
            version=int(src.get("version") or 1), duplicate_of=src.get("duplicate_of"),
            flags=tuple(sorted(k for k, v in flags.items() if v)), index=str(hit.get("_index", "")),
            first_seen=src.get("first_seen"),
        )


@dataclass(frozen=True)
class IndexedRevision:
    """A revision document in Elasticsearch."""

    id: str
    article_id: str
    version: int
    index: str = ""

    @classmethod
    def from_hit(cls, hit: Mapping[str, Any]) -> IndexedRevision:
        """From a search hit of the revisions alias."""
        src = hit.get("_source") or {}
        return cls(
            id=str(hit["_id"]), article_id=str(src.get("article_id", "")),
            version=int(src.get("version") or 0), index=str(hit.get("_index", "")),
        )


@dataclass(frozen=True)
class Letter:
    """A dead letter, with the URLs and article ids found in its original key and bytes."""

    dead_letter_id: str
    stage: str
    source_topic: str
    reason: str
    urls: frozenset[str] = frozenset()
    article_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FailedFetch:
    """A fetch that failed for good (a ``failed`` FetchedPage on the pages topic)."""

    article_id: str
    urls: frozenset[str]
    failure: str
    detail: str | None = None

    @property
    def reason(self) -> str:
        """``failure: detail``."""
        return f"{self.failure}: {self.detail}" if self.detail else self.failure


@dataclass(frozen=True)
class LedgerInputs:
    """Everything the accounting looks at."""

    items: Sequence[PublishedItem]
    articles: Sequence[IndexedArticle] = ()
    revisions: Sequence[IndexedRevision] = ()
    dead_letters: Sequence[Letter] = ()
    failed_fetches: Sequence[FailedFetch] = ()
    unreachable_outlets: Mapping[str, str] = field(default_factory=dict)
    """Outlets (host -> reason) that publish nothing reachable, e.g. dead hosts."""


# -- result ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAccount:
    """One item's outcome and why."""

    url: str
    outcome: Outcome
    reason: str = ""
    article_id: str | None = None


@dataclass(frozen=True)
class RevisionProblem:
    """An edit not seen as exactly one revision, or a version the farm never published."""

    url: str
    article_id: str
    kind: str
    """``missing`` (an applied edit with no revision) or ``spurious`` (a version the farm never
    published: a re-emitted article)."""
    versions: tuple[int, ...]


@dataclass(frozen=True)
class LedgerResult:
    """The ledger of one run: outcome counts, the problems, and every item's account."""

    accounts: tuple[ItemAccount, ...]
    duplicated_articles: Mapping[str, tuple[str, ...]]
    """Canonical URL -> the ids of its documents, where there is more than one."""
    duplicated_revisions: Mapping[tuple[str, int], int]
    """(article id, version) -> how many revision documents, where more than one."""
    revision_problems: tuple[RevisionProblem, ...]
    expected_edits: int
    """Edits that went live after the system first saw their article (each must be a revision)."""
    seen_revisions: int
    """Revision documents of the published items."""
    unmatched_dead_letters: tuple[Letter, ...]
    """Dead letters of no published item (poison messages, feed-level failures)."""
    unexpected_articles: tuple[IndexedArticle, ...]
    """Documents of no published item (other feeds, test data): reported, not a failure."""
    unreachable_outlets: Mapping[str, str]

    @property
    def counts(self) -> dict[Outcome, int]:
        """Items per outcome (every outcome present, zeros included)."""
        c = Counter(a.outcome for a in self.accounts)
        return {o: c.get(o, 0) for o in Outcome}

    @property
    def unaccounted(self) -> tuple[ItemAccount, ...]:
        """The lost items."""
        return tuple(a for a in self.accounts if a.outcome == Outcome.UNACCOUNTED)

    @property
    def total(self) -> int:
        """Items accounted (and not)."""
        return len(self.accounts)

    @property
    def balanced(self) -> bool:
        """Nothing unaccounted, nothing indexed twice, every edit exactly one revision."""
        return not (
            self.unaccounted
            or self.duplicated_articles
            or self.duplicated_revisions
            or self.revision_problems
        )

    def of(self, *outcomes: Outcome) -> tuple[ItemAccount, ...]:
        """The accounts with one of these outcomes."""
        return tuple(a for a in self.accounts if a.outcome in outcomes)

    def summary(self) -> str:
        """One line: counts and problems (for logs and assertion messages)."""
        counts = ", ".join(f"{o.value}={n}" for o, n in self.counts.items() if n)
        return (
            f"{self.total} items ({counts or 'none'}); duplicated articles "
            f"{len(self.duplicated_articles)}, duplicated revisions {len(self.duplicated_revisions)}, "
            f"revisions {self.seen_revisions}/{self.expected_edits} expected, revision problems "
            f"{len(self.revision_problems)}; unmatched dead letters {len(self.unmatched_dead_letters)}"
            f"; {'BALANCED' if self.balanced else 'NOT BALANCED'}"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dict (`newswire ledger --json`)."""
        return {
            "balanced": self.balanced,
            "total": self.total,
            "counts": {o.value: n for o, n in self.counts.items()},
            "unaccounted": [a.url for a in self.unaccounted],
            "duplicated_articles": {k: list(v) for k, v in self.duplicated_articles.items()},
            "duplicated_revisions": [
                {"article_id": a, "version": v, "documents": n}
                for (a, v), n in self.duplicated_revisions.items()
            ],
            "revision_problems": [
                {"url": p.url, "article_id": p.article_id, "kind": p.kind, "versions": list(p.versions)}
                for p in self.revision_problems
            ],
            "expected_edits": self.expected_edits,
            "seen_revisions": self.seen_revisions,
            "unmatched_dead_letters": [
                {"id": d.dead_letter_id, "stage": d.stage, "topic": d.source_topic, "reason": d.reason}
                for d in self.unmatched_dead_letters
            ],
            "unexpected_articles": len(self.unexpected_articles),
            "unreachable_outlets": dict(self.unreachable_outlets),
            "accounts": [
                {"url": a.url, "outcome": a.outcome.value, "reason": a.reason} for a in self.accounts
            ],
        }


# -- accounting (pure) ----------------------------------------------------------------------------


def _safe_normalise(url: str) -> str | None:
    try:
        return normalise_url(url)
    except Exception:  # a mangled URL in a poison message must not stop the accounting
        return None


def _flag_reason(flags: Sequence[str]) -> str:
    return "flags: " + ", ".join(flags)


def account(inputs: LedgerInputs) -> LedgerResult:
    """Account for every published item (pure: no I/O)."""
    by_id: dict[str, IndexedArticle] = {}
    by_canonical: dict[str, list[IndexedArticle]] = defaultdict(list)
    for indexed in inputs.articles:
        by_id.setdefault(indexed.id, indexed)
        key = _safe_normalise(indexed.canonical_url) or indexed.canonical_url
        by_canonical[key].append(indexed)
    duplicated_articles = {
        url: tuple(sorted(d.id for d in docs)) for url, docs in by_canonical.items() if len(docs) > 1
    }

    revisions_of: dict[str, Counter[int]] = defaultdict(Counter)
    for rev in inputs.revisions:
        revisions_of[rev.article_id][rev.version] += 1
    duplicated_revisions = {
        (aid, version): n
        for aid, versions in revisions_of.items()
        for version, n in versions.items()
        if n > 1
    }

    letters_by_id: dict[str, list[Letter]] = defaultdict(list)
    letters_by_url: dict[str, list[Letter]] = defaultdict(list)
    for letter in inputs.dead_letters:
        for aid in letter.article_ids:
            letters_by_id[aid].append(letter)
        for url in letter.urls:
            letters_by_url[url].append(letter)
    fetches_by_id: dict[str, list[FailedFetch]] = defaultdict(list)
    fetches_by_url: dict[str, list[FailedFetch]] = defaultdict(list)
    for fetch in inputs.failed_fetches:
        fetches_by_id[fetch.article_id].append(fetch)
        for url in fetch.urls:
            fetches_by_url[url].append(fetch)

    accounts: list[ItemAccount] = []
    problems: list[RevisionProblem] = []
    matched_docs: set[str] = set()
    matched_letters: set[str] = set()
    expected_edits = seen_revisions = 0
    for item in inputs.items:
        ids, urls = item.ids, item.urls
        letters = _dedup(
            [x for i in ids for x in letters_by_id.get(i, ())]
            + [x for u in urls for x in letters_by_url.get(u, ())],
            key=lambda x: x.dead_letter_id,
        )
        matched_letters.update(x.dead_letter_id for x in letters)
        doc = next((by_id[i] for i in (article_id(item.url), article_id(item.link)) if i in by_id), None)
        if doc is not None:
            matched_docs.add(doc.id)
            accounts.append(_indexed_account(item, doc))
            seen = revisions_of.get(doc.id, Counter())
            seen_revisions += sum(seen.values())
            missing, spurious = _revision_check(item, doc, set(seen))
            if item.versions > 1 and _edited_after_first_seen(item, doc):
                expected_edits += item.versions - 1
            if missing:
                problems.append(RevisionProblem(item.url, doc.id, "missing", missing))
            if spurious:
                problems.append(RevisionProblem(item.url, doc.id, "spurious", spurious))
            continue
        fetches = _dedup(
            [x for i in ids for x in fetches_by_id.get(i, ())]
            + [x for u in urls for x in fetches_by_url.get(u, ())],
            key=lambda x: (x.article_id, x.failure, x.detail),
        )
        evidence = [f"dead letter ({x.stage}): {x.reason}" for x in letters] + [
            f"fetch failed: {x.reason}" for x in fetches
        ]
        if item.blocking_faults:
            reason = "outlet fault " + ", ".join(item.blocking_faults)
            if evidence:
                reason += "; " + "; ".join(evidence)
            accounts.append(ItemAccount(item.url, Outcome.UNREACHABLE, reason))
        elif letters:
            accounts.append(
                ItemAccount(item.url, Outcome.DEAD_LETTER, "; ".join(evidence[: len(letters)]))
            )
        elif fetches:
            accounts.append(ItemAccount(item.url, Outcome.FETCH_FAILED, "; ".join(evidence)))
        else:
            accounts.append(ItemAccount(item.url, Outcome.UNACCOUNTED, "no document, dead letter or failure"))

    return LedgerResult(
        accounts=tuple(accounts),
        duplicated_articles=duplicated_articles,
        duplicated_revisions=duplicated_revisions,
        revision_problems=tuple(problems),
        expected_edits=expected_edits,
        seen_revisions=seen_revisions,
        unmatched_dead_letters=tuple(
            x for x in inputs.dead_letters if x.dead_letter_id not in matched_letters
        ),
        unexpected_articles=tuple(d for d in inputs.articles if d.id not in matched_docs),
        unreachable_outlets=dict(inputs.unreachable_outlets),
    )


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _edited_after_first_seen(item: PublishedItem, doc: IndexedArticle) -> bool:
    """Whether the item's last edit went live after the system first saw it (so it must show as a
    revision). An edit before the first fetch is invisible: the system never saw the old text.

    The farm's times are whole seconds, cut down (an edit stamped 09:00:00 went live in that
    second), and `first_seen` is stamped after the page was served. So only an edit stamped after
    `first_seen` certainly came after the first fetch; one in the same second may have been served
    as the first version (a fetch delayed by a broker outage lands there), and counts as before.
    Unknown times count as after (strict)."""
    modified, first_seen = _ts(item.modified), _ts(doc.first_seen)
    if modified is None or first_seen is None:
        return True
    return modified > first_seen


def _revision_check(
    item: PublishedItem, doc: IndexedArticle, seen: set[int]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(missing, spurious) revision versions of an indexed item.

    The revisions must be exactly versions 2..v of the document's version v, and v can be no
    more than the farm published. When the last edit went live after the first sighting, v must
    be the farm's version count (every edit seen); before or around it, any v up to that count
    is right (edits made before the system first saw the article are invisible to it).
    """
    top = max([doc.version, *seen]) if seen else doc.version
    spurious = sorted(v for v in seen | {doc.version} if v > item.versions)
    if item.versions > 1 and _edited_after_first_seen(item, doc):
        want = set(range(2, item.versions + 1))
    else:
        want = set(range(2, min(top, item.versions) + 1))
    missing = sorted(want - seen)
    if doc.version < top and top not in missing:  # the document never took its newest version
        missing.append(top)
    spurious += [v for v in sorted(seen - want) if v not in spurious]
    return tuple(missing), tuple(sorted(spurious))


def _indexed_account(item: PublishedItem, doc: IndexedArticle) -> ItemAccount:
    if doc.duplicate_of:
        return ItemAccount(item.url, Outcome.DUPLICATE, f"duplicate of {doc.duplicate_of}", doc.id)
    if doc.flags:
        return ItemAccount(item.url, Outcome.FLAGGED, _flag_reason(doc.flags), doc.id)
    return ItemAccount(item.url, Outcome.INDEXED, f"version {doc.version}", doc.id)


def _dedup(values: Iterable[Any], key: Any) -> list[Any]:
    out, seen = [], set()
    for v in values:
        k = key(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return out


# -- turning messages into inputs (pure) ----------------------------------------------------------


def _walk(value: Any, urls: set[str], ids: set[str]) -> None:
    """Collect URL-valued and article-id-valued fields of a decoded JSON message, at any depth."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(v, str):
                if k == "article_id" and _HEX_ID.match(v):
                    ids.add(v)
                elif v.startswith(("http://", "https://")):
                    urls.add(v)
            else:
                _walk(v, urls, ids)
    elif isinstance(value, list):
        for v in value:
            _walk(v, urls, ids)


def identifiers(key: bytes | None, value: bytes | None) -> tuple[frozenset[str], frozenset[str]]:
    """(normalised URLs, article ids) named by a message's key and bytes: fields of its JSON, or
    (for bytes that are not JSON) anything URL-shaped in them."""
    urls: set[str] = set()
    ids: set[str] = set()
    if key:
        text = key.decode("utf-8", "replace")
        if _HEX_ID.match(text):
            ids.add(text)
    if value:
        try:
            _walk(orjson.loads(value), urls, ids)
        except orjson.JSONDecodeError:
            urls.update(m.decode("utf-8", "replace") for m in _URL_BYTES.findall(value))
    normalised = {n for n in map(_safe_normalise, urls) if n}
    return frozenset(normalised), frozenset(ids)


def letter_of(letter: DeadLetter) -> Letter:
    """A dead letter as the ledger sees it."""
    urls, ids = identifiers(letter.key, letter.value)
    return Letter(
        dead_letter_id=letter.dead_letter_id, stage=letter.stage, source_topic=letter.source_topic,
        reason=f"{letter.error_type}: {letter.error_message[:300]}", urls=urls, article_ids=ids,
    )


def failed_fetch_of(page: FetchedPage) -> FailedFetch | None:
    """A failed fetch as the ledger sees it (None for pages that are not failures)."""
    if page.outcome != "failed":
        return None
    urls = {_safe_normalise(str(u)) for u in (page.requested_url, page.final_url)}
    return FailedFetch(
        article_id=page.article_id, urls=frozenset(u for u in urls if u),
        failure=page.failure or "other", detail=page.failure_detail,
    )


# -- presentation ---------------------------------------------------------------------------------


def render(result: LedgerResult, *, show: int = 20) -> RenderableType:
    """Rich tables: outcome counts, then the problems (at most `show` rows each)."""
    from rich.console import Group
    from rich.table import Table

    counts = Table("outcome", "items", "example reason", title="ledger")
    for outcome, n in result.counts.items():
        example = next((a.reason for a in result.accounts if a.outcome == outcome), "")
        style = "red" if outcome == Outcome.UNACCOUNTED and n else None
        counts.add_row(outcome.value, str(n), example[:90], style=style)
    counts.add_row("total", str(result.total), "", style="bold")
    checks = Table("check", "value")
    checks.add_row("articles indexed twice", str(len(result.duplicated_articles)))
    checks.add_row("revisions indexed twice", str(len(result.duplicated_revisions)))
    checks.add_row("edits after first sighting / revisions", f"{result.expected_edits} / {result.seen_revisions}")
    checks.add_row("revision problems", str(len(result.revision_problems)))
    checks.add_row("dead letters of no item", str(len(result.unmatched_dead_letters)))
    checks.add_row("documents of no item", str(len(result.unexpected_articles)))
    for host, why in result.unreachable_outlets.items():
        checks.add_row(f"outlet {host}", f"unreachable by design: {why}")
    checks.add_row("balanced", "yes" if result.balanced else "NO", style="green" if result.balanced else "red")
    parts: list[Any] = [counts, checks]
    problems = Table("problem", "item", "detail", title="problems")
    rows = (
        [("unaccounted", a.url, a.reason) for a in result.unaccounted]
        + [("indexed twice", url, ", ".join(ids)) for url, ids in result.duplicated_articles.items()]
        + [("revision twice", f"{a} v{v}", f"{n} documents") for (a, v), n in result.duplicated_revisions.items()]
        + [(f"revision {p.kind}", p.url, f"versions {list(p.versions)}") for p in result.revision_problems]
    )
    for row in rows[:show]:
        problems.add_row(*row)
    if rows:
        parts.append(problems)
    letters = Table("dead letter", "stage", "topic", "reason", title="dead letters of no item")
    for x in result.unmatched_dead_letters[:show]:
        letters.add_row(x.dead_letter_id[:12], x.stage, x.source_topic, x.reason[:80])
    if result.unmatched_dead_letters:
        parts.append(letters)
    return Group(*parts)


# -- collecting the inputs (I/O) ------------------------------------------------------------------


async def items_from_farm(control_url: str) -> tuple[list[PublishedItem], dict[str, str]]:
    """The farm's published articles and its dead outlets, from its control endpoints."""
    import aiohttp

    base = control_url.rstrip("/")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        async with session.get(f"{base}/_farm/articles") as resp:
            resp.raise_for_status()
            articles = await resp.json()
        async with session.get(f"{base}/_farm/outlets") as resp:
            resp.raise_for_status()
            outlets = await resp.json()
    items = [PublishedItem.from_json(a) for a in articles]
    dead = {str(o["host"]): "dead: connections refused" for o in outlets if o.get("dead")}
    return items, dead


async def _search_all(es: Any, index: str) -> list[dict[str, Any]]:
    """Every hit of an alias (a scan: no 10 000-hit cap); nothing when it does not exist yet."""
    from elasticsearch.helpers import async_scan

    await es.indices.refresh(index=index, ignore_unavailable=True, allow_no_indices=True)
    if not await es.indices.exists(index=index):
        return []
    return [
        hit
        async for hit in async_scan(
            es, index=index, query={"query": {"match_all": {}}},
            _source_includes=["canonical_url", "version", "duplicate_of", "flags", "article_id", "first_seen"],
        )
    ]


async def collect(
    kafka: KafkaSettings,
    es: Any,
    index_prefix: str,
    items: Sequence[PublishedItem],
    *,
    unreachable_outlets: Mapping[str, str] | None = None,
    failed_fetches: bool = True,
    since: datetime | None = None,
) -> LedgerInputs:
    """Read Elasticsearch (articles, revisions), the dead letters and (optionally) the pages
    topic's failed fetches, for the items given."""
    from contextlib import aclosing

    from newswire.contracts import FetchedPage
    from newswire.es.setup import alias
    from newswire.kafka.reader import read_to_end
    from newswire.runtime.codec import decode_as
    from newswire.runtime.dlq import read_dead_letters
    from newswire.topics import PAGES

    articles = [IndexedArticle.from_hit(h) for h in await _search_all(es, alias(index_prefix, "articles"))]
    revisions = [IndexedRevision.from_hit(h) for h in await _search_all(es, alias(index_prefix, "revisions"))]
    letters = [letter_of(r.letter) for r in await read_dead_letters(kafka)]
    fetches: list[FailedFetch] = []
    if failed_fetches:
        async with aclosing(read_to_end(kafka, PAGES, since=since)) as messages:
            async for msg in messages:
                # only failures matter: skip the (large) successful pages without decoding them
                if msg.value is None or b'"outcome":"failed"' not in msg.value:
                    continue
                try:
                    failed = failed_fetch_of(decode_as(FetchedPage, msg.value))
                except Exception:  # a poison message on the pages topic is the DLQ's business
                    continue
                if failed is not None:
                    fetches.append(failed)
    return LedgerInputs(
        items=list(items), articles=articles, revisions=revisions, dead_letters=letters,
        failed_fetches=fetches, unreachable_outlets=dict(unreachable_outlets or {}),
    )


async def run_ledger(
    kafka: KafkaSettings,
    es: Any,
    index_prefix: str,
    items: Sequence[PublishedItem],
    **kwargs: Any,
) -> LedgerResult:
    """Collect and account: the whole ledger check in one call (for tests and the CLI)."""
    return account(await collect(kafka, es, index_prefix, items, **kwargs))
