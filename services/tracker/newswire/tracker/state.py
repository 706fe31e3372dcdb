"""The tracker's table records: what the `articles` table holds, typed and versioned.

The table is keyed by article id, and holds, besides the articles, the outlets' counters for the
learned schedule under `outlet_key` (`~outlet:<partition>:<host>`): the key says which record a
value is (`is_outlet_key`), never its shape. Written with `to_table`, read with `from_table`
(`newswire.runtime.state`: versions, migrations, unknown keys kept).

`ArticleState` versions (the plain dicts of versions 1 and 2 carried theirs as `schema`):
  1. the first release's tracker (commit 9709c36): content hashes of every version (`hashes`),
     no status, signatures, article meta or `last_fetched`;
  2. the dict of the release before these types: status, signatures (`sig`, `sigs`), the
     article meta, `last_fetched`, URLs, validators, fingerprint, pending redirect, `prev`;
  3. this record: the same fields, typed (aware datetimes, a `PageFingerprint`, tuples, a
     `RedirectPending`), `schema_version` instead of `schema`.
Both migrations keep every value the previous code read, as it read it: a key it defaulted
gets that default, so an old record behaves as it did (tests/unit/tracker/test_state_records.py
replays the previous release's steps, `state/legacy_records.json`). One exception: schema 1's
content hashes, which the version 2 code took for signatures (never matching one), become ""
per version (`_sigs_for_hashes`), so that version numbers and signatures stay aligned.

`OutletCounters` is version 1: the plain dict stored so far had no version and needs no
migration (`checks` and `changed_checks`, added later, read as 0 where missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError, field_validator

from newswire.contracts import NormalisedArticle
from newswire.contracts.articles import ArticleStatus
from newswire.contracts.base import UtcDatetime
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import normalise_url
from newswire.runtime.state import StateModel, TableRecord, from_table

__all__ = [
    "OUTLET_PREFIX",
    "ArticleState",
    "OutletCounters",
    "RedirectPending",
    "article_meta",
    "is_outlet_key",
    "outlet_key",
]

OUTLET_PREFIX = "~outlet:"


def outlet_key(partition: int, host: str) -> str:
    """Table key of an outlet's counters in one partition (each partition learns from its own
    share of the outlet's articles, so no cross-partition writes are needed)."""
    return f"{OUTLET_PREFIX}{partition}:{host}"


def is_outlet_key(key: Any) -> bool:
    """Whether a table key holds an outlet's counters (`OutletCounters`), not an `ArticleState`."""
    return str(key).startswith(OUTLET_PREFIX)


def article_meta(article: NormalisedArticle) -> dict[str, Any]:
    """The article without its text (kept once, in `paragraphs`) and its fingerprint (kept in
    `fingerprint`, refreshed by unchanged re-checks too)."""
    return article.model_dump(mode="json", exclude={"text", "paragraphs", "fingerprint"})


class RedirectPending(StateModel):
    """A re-check landed on a URL the article was never seen at: confirmed as `redirected` at
    `confirm_at` unless the article comes back under its own id first."""

    url: str
    confirm_at: UtcDatetime


class ArticleState(TableRecord):
    """One article's tracking state (the `articles` table's record under its article id)."""

    schema_version: int = 3
    version: int
    """The latest version number emitted."""
    status: ArticleStatus = "live"
    live_version: int
    """The version whose text the state holds (the last live one)."""
    content_hash: str | None = None
    """The normaliser's content hash of the latest observation."""
    sig: str | None = None
    """The tracker's signature of the held text (None: a version 1 record, never computed)."""
    sigs: tuple[str, ...] = ()
    """The signature of every version, "" where none is known (status-only versions): reverts."""
    title: str | None = None
    paragraphs: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    article: Mapping[str, Any] | None = None
    """The rest of the held version's NormalisedArticle (`article_meta`: its JSON without text,
    paragraphs and fingerprint), to re-emit it with a status change; None before version 2."""
    first_seen: UtcDatetime
    published: UtcDatetime | None = None
    last_changed: UtcDatetime | None = None
    last_observed: UtcDatetime
    """When the current version was observed."""
    last_fetched: UtcDatetime
    """The newest fetch time applied: older or replayed observations are ignored."""
    last_checked: UtcDatetime | None = None
    next_check_at: UtcDatetime | None = None
    checks: int = 0
    """Re-checks since the last change (the interval grows with them)."""
    last_requested: UtcDatetime | None = None
    partition: int
    """The source partition the article's table writes go to."""
    url: str
    """The canonical URL, re-checked."""
    urls: tuple[str, ...] = ()
    """Normalised URLs the article was seen at (a re-check landing elsewhere is a redirect)."""
    host: str
    outlet: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    fingerprint: PageFingerprint | None = None
    """The latest page's fingerprint, carried on re-check requests while live."""
    edited: bool = False
    """Whether any version was a content edit (the outlet counts an article's first edit)."""
    redirect_pending: RedirectPending | None = None
    prev: ArticleState | None = None
    """The state the current version was made from (itself without `prev`), so that a replay of
    the observation that made it can publish that version and its revision again."""

    @classmethod
    def stored_version(cls, value: Mapping[str, Any]) -> Any:
        """A plain dict (versions 1 and 2) says its version under `schema` (a dict without it
        reads as version 1, `legacy_version`)."""
        if "schema_version" in value:
            return value["schema_version"]
        return value.get("schema", cls.legacy_version)

    @field_validator("prev", mode="before")
    @classmethod
    def _prev_from_table(cls, value: Any) -> Any:
        """A stored `prev` is a record of its own version (a version 1 dict inside a version 2
        one, say): read it through its own migrations."""
        return None if value is None else from_table(ArticleState, value)

    @field_validator("fingerprint", mode="before")
    @classmethod
    def _readable_fingerprint(cls, value: Any) -> Any:
        """A fingerprint that does not read (a newer contract's, a damaged one) is none: the
        next re-check is then extracted in full, as before."""
        if value is None or isinstance(value, PageFingerprint):
            return value
        try:
            return PageFingerprint.model_validate(value)
        except ValidationError:
            return None

    # -- what the logic asks of it ----------------------------------------------------------

    def held_article(self) -> NormalisedArticle | None:
        """The held version's article, rebuilt (None for a state without the article meta)."""
        if self.article is None:
            return None
        return NormalisedArticle.model_validate(
            {**self.article, "paragraphs": self.paragraphs, "text": "\n\n".join(self.paragraphs)}
        )

    def known_urls(self) -> set[str]:
        """Normalised URLs the article was seen at."""
        return set(self.urls) | ({normalise_url(self.url)} if self.url else set())

    def due_at(self) -> datetime | None:
        """When the timer must next look at the article: its re-check, or a redirect to confirm."""
        times = [] if self.next_check_at is None else [self.next_check_at]
        if self.redirect_pending is not None:
            times.append(self.redirect_pending.confirm_at)
        return min(times) if times else None


def _sigs_for_hashes(value: Mapping[str, Any]) -> list[str]:
    """`sigs` of a record that still carries version 1's `hashes` (one content hash per version,
    all content versions): "" for each of those versions (a content hash is never a signature,
    so no revert ever matched one), then what the version 2 code appended after them. That code
    began `sigs` with the hashes themselves on an edit, or with "" alone on a status change
    (losing the numbering); either way the versions keep their places here."""
    hashes = list(value.get("hashes") or ())
    sigs = list(value.get("sigs") or ())
    if hashes and sigs[: len(hashes)] == hashes:
        sigs = sigs[len(hashes):]
    return [""] * len(hashes) + sigs


@ArticleState.migration(from_version=1)
def _article_v1_to_v2(value: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (commit 9709c36) to 2, as the version 2 code read a version 1 dict: live,
    fetched when last observed, and holding its last content version (`len(hashes)`: version 1
    had one hash per version; the version 2 code may have added status-only versions since,
    keeping `schema` 1), `sigs` as `_sigs_for_hashes` says."""
    hashes = value.get("hashes") or ()
    out = {k: v for k, v in value.items() if k != "hashes"}
    out["schema"] = 2
    out.setdefault("status", "live")
    out.setdefault("live_version", len(hashes) or value["version"])
    out.setdefault("last_fetched", value.get("last_observed"))
    out["sigs"] = _sigs_for_hashes(value)
    return out


@ArticleState.migration(from_version=2)
def _article_v2_to_v3(value: dict[str, Any]) -> dict[str, Any]:
    """Version 2 (a dict, `schema` 2) to 3: `schema` retired for `schema_version`; `hashes`
    (a version 1 key the version 2 code copied along when it edited a version 1 dict) dropped,
    `sigs` fixed as `_sigs_for_hashes` says; a missing `live_version` is the version and a
    missing `last_fetched` the last observation (the version 2 code's fallbacks). Values are
    re-typed on validation (ISO strings to datetimes, lists to tuples, dicts to the fingerprint
    and redirect models)."""
    out = {k: v for k, v in value.items() if k not in ("schema", "hashes")}
    if value.get("hashes"):
        out["sigs"] = _sigs_for_hashes(value)
    out.setdefault("live_version", value["version"])
    if not out.get("last_fetched"):
        out["last_fetched"] = value.get("last_observed")
    return {**out, "schema_version": 3}


class OutletCounters(TableRecord):
    """An outlet's evidence for its learned re-check factor, per partition (`outlet_key`):
    articles and those that got edited; re-checks with a verdict and those that found a change."""

    schema_version: int = 1
    kind: Literal["outlet"] = "outlet"
    host: str = ""
    articles: int = 0
    edited: int = 0
    checks: int = 0
    changed_checks: int = 0
