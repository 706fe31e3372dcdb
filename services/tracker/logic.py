"""Pure tracking logic: version decisions and the re-check schedule (no Kafka, no I/O).

The tracker keeps one JSON-able dict per article (see `State`), in a Faust table keyed by
article_id. `observe` decides what an incoming normalised article means (a new article, no
change, or a new version with a revision event); `plan_recheck` issues a re-check and moves the
schedule on; `next_check_at` is the schedule itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newswire.contracts import (
    ArticleVersion,
    FetchRequest,
    NormalisedArticle,
    RevisionEvent,
    RevisionStats,
)
from newswire.contracts.revisions import RevisionKind
from newswire.contracts.ids import revision_id
from newswire.tracker.diff import diff_versions

#: An article's tracking state as stored in the table (JSON-able: datetimes as ISO strings).
State = dict[str, Any]
STATE_SCHEMA = 1


@dataclass(frozen=True)
class RecheckPolicy:
    """The re-check schedule: first interval, growth per unchanged check, horizon."""

    initial_s: float = 1800.0
    growth: float = 1.5
    horizon_s: float = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Observation:
    """What an incoming article means: the new state, and the messages to emit (if any)."""

    state: State
    version: ArticleVersion | None = None
    revision: RevisionEvent | None = None


def next_check_at(
    first_seen: datetime, now: datetime, unchanged_checks: int, policy: RecheckPolicy
) -> datetime | None:
    """When to check next: `initial * growth**unchanged_checks` from now, never past the horizon
    (the last check happens at the horizon); None once the horizon has passed."""
    end = first_seen + timedelta(seconds=policy.horizon_s)
    if now >= end:
        return None
    interval = policy.initial_s * policy.growth ** max(0, unchanged_checks)
    return min(now + timedelta(seconds=interval), end)


def observe(
    state: State | None,
    article: NormalisedArticle,
    *,
    now: datetime,
    policy: RecheckPolicy,
    partition: int,
) -> Observation:
    """Decide what `article` means for the tracked `state` (None: never seen)."""
    observed_at = article.fetched_at
    if state is None:
        new_state = _state_for(article, version=1, hashes=[article.content_hash], now=now)
        new_state.update(
            first_seen=_iso(observed_at),
            partition=partition,
            checks=0,
            next_check_at=_opt_iso(next_check_at(observed_at, now, 0, policy)),
        )
        version = ArticleVersion(
            article_id=article.article_id,
            version=1,
            revision_id=revision_id(article.article_id, 1),
            first_seen=observed_at,
            observed_at=observed_at,
            article=article,
        )
        return Observation(new_state, version=version)

    if article.content_hash == state["content_hash"] or article.flags.bot_challenge:
        # Unchanged (or a bot wall instead of the article: not an edit). The schedule was
        # already moved on when the re-check was issued, so a 304 counts as well as a 200.
        unchanged = dict(state)
        unchanged["last_checked"] = _iso(now)
        unchanged["partition"] = partition
        if not article.flags.bot_challenge:
            unchanged["etag"], unchanged["last_modified"] = article.etag, article.last_modified
        return Observation(unchanged)

    first_seen = _dt(state["first_seen"])
    previous_observed = _dt(state["last_observed"])
    previous = int(state["version"])
    number = previous + 1
    hashes = [*state.get("hashes", []), article.content_hash]
    revert_of = _revert_of(state.get("hashes", []), article.content_hash)

    diff = diff_versions(
        state.get("title"),
        list(state.get("paragraphs", [])),
        article.title,
        list(article.paragraphs),
        old_label=f"v{previous}",
        new_label=f"v{number}",
    )
    kinds: list[RevisionKind] = []
    if diff.title_changed:
        kinds.append("title_changed")
    if diff.lede_changed:
        kinds.append("lede_changed")
    if diff.changes:
        kinds.append("body_edited")
    if diff.paragraphs_added:
        kinds.append("paragraphs_added")
    if diff.paragraphs_removed:
        kinds.append("paragraphs_removed")
    if _folded_names(state.get("authors", [])) != _folded_names(article.authors):
        kinds.append("byline_changed")
    if revert_of is not None:
        kinds.append("reverted")
    if not kinds:  # the hash saw a change the paragraph diff folds away (e.g. quote styles)
        kinds.append("body_edited")

    revision = RevisionEvent(
        revision_id=revision_id(article.article_id, number),
        article_id=article.article_id,
        version=number,
        previous_version=previous,
        canonical_url=article.canonical_url,
        host=article.host,
        outlet=article.outlet,
        kinds=tuple(kinds),
        title_old=state.get("title"),
        title_new=article.title,
        revert_of=revert_of,
        stats=RevisionStats(
            words_added=diff.words_added,
            words_removed=diff.words_removed,
            paragraphs_added=diff.paragraphs_added,
            paragraphs_removed=diff.paragraphs_removed,
            paragraphs_changed=diff.paragraphs_changed,
            similarity=diff.similarity,
            minutes_since_first_seen=_minutes(observed_at - first_seen),
            minutes_since_previous=_minutes(observed_at - previous_observed),
        ),
        changes=diff.changes,
        diff_unified=diff.unified,
        diff_html=diff.html,
        first_seen=first_seen,
        previous_observed_at=previous_observed,
        detected_at=now,
    )
    version = ArticleVersion(
        article_id=article.article_id,
        version=number,
        revision_id=revision_id(article.article_id, number),
        first_seen=first_seen,
        observed_at=observed_at,
        revert_of=revert_of,
        article=article,
    )
    new_state = _state_for(article, version=number, hashes=hashes, now=now)
    new_state.update(
        first_seen=state["first_seen"],
        partition=partition,
        checks=0,  # a change resets the interval
        next_check_at=_opt_iso(next_check_at(first_seen, now, 0, policy)),
    )
    return Observation(new_state, version=version, revision=revision)


def is_due(state: State, now: datetime) -> bool:
    """Whether the article's next re-check is due."""
    at = state.get("next_check_at")
    return at is not None and _dt(at) <= now


def plan_recheck(
    article_id: str, state: State, *, now: datetime, policy: RecheckPolicy
) -> tuple[FetchRequest, State]:
    """The re-check request for a due article and its state with the schedule moved on (the
    check counts as unchanged until a changed version comes back)."""
    checks = int(state.get("checks", 0)) + 1
    request = FetchRequest(
        url=state["url"],
        host=state["host"],
        article_id=article_id,
        reason="recheck",
        requested_at=now,
        etag=state.get("etag"),
        last_modified=state.get("last_modified"),
    )
    new_state = dict(state)
    new_state.update(
        checks=checks,
        last_requested=_iso(now),
        next_check_at=_opt_iso(next_check_at(_dt(state["first_seen"]), now, checks, policy)),
    )
    return request, new_state


# -- helpers -------------------------------------------------------------------------------------


def _state_for(article: NormalisedArticle, *, version: int, hashes: list[str], now: datetime) -> State:
    return {
        "schema": STATE_SCHEMA,
        "version": version,
        "content_hash": article.content_hash,
        "hashes": hashes,
        "title": article.title,
        "paragraphs": list(article.paragraphs),
        "authors": list(article.authors),
        "last_observed": _iso(article.fetched_at),
        "last_checked": _iso(now),
        "url": str(article.canonical_url),
        "host": article.host,
        "outlet": article.outlet,
        "etag": article.etag,
        "last_modified": article.last_modified,
    }


def _revert_of(previous_hashes: list[str], content_hash: str) -> int | None:
    """Version k (1-based) whose text this one restores; the latest such, never the current."""
    for k in range(len(previous_hashes) - 1, 0, -1):
        if previous_hashes[k - 1] == content_hash:
            return k
    return None


def _folded_names(names: Any) -> list[str]:
    return sorted(" ".join(str(n).split()).casefold() for n in names)


def _minutes(delta: timedelta) -> float:
    return max(0.0, round(delta.total_seconds() / 60.0, 3))


def _iso(value: datetime) -> str:
    return value.isoformat()


def _opt_iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)
