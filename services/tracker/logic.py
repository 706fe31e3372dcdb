"""Pure tracking logic: what an observation means for an article (no Kafka, no I/O).

- `observe`: a normalised article came in: a new article (version 1), no change, a boring change
  (state refreshed, no version), or a new version with a revision event (content edits, a revert,
  a paywall added or removed, a deleted or redirected article coming back).
- `observe_recheck`: a re-check's outcome (the fetcher's RecheckResult): 404/410 after being live
  means deleted; a redirect to a URL the article was never seen at starts a redirect to confirm.
- `confirm_redirect`: the grace period passed and no article came back under the old id: the
  article now redirects elsewhere.
- `plan_recheck`: a due re-check's request, and the schedule moved on.

Status-only versions (deleted, redirected, paywalled) carry the last live text, so a consumer
of `ArticleVersion` always has a whole article; `status` says what the page shows now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newswire.contracts import (
    ArticleVersion,
    FetchRequest,
    NormalisedArticle,
    RecheckResult,
    RevisionEvent,
    RevisionStats,
)
from newswire.contracts.articles import ArticleStatus
from newswire.contracts.ids import normalise_url, revision_id
from newswire.contracts.revisions import RevisionKind
from newswire.tracker.diff import diff_versions
from newswire.tracker.kinds import (
    content_kinds,
    corrections_appended,
    folded_names,
    signature,
)
from newswire.tracker.schedule import RecheckPolicy, next_check_at
from newswire.tracker.state import (
    STATE_SCHEMA,
    State,
    article_from_state,
    article_meta,
    due_at,
    dt,
    iso,
    known_urls,
    opt_iso,
)

__all__ = [
    "Observation",
    "RecheckPolicy",
    "State",
    "confirm_redirect",
    "is_due",
    "next_check_at",
    "observe",
    "observe_recheck",
    "plan_recheck",
]

#: Fetch failures that mean the article is gone (after it was live).
GONE_FAILURES = frozenset({"not_found", "gone"})
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class Observation:
    """What an observation means: the new state, the messages to emit, and outlet counts."""

    state: State | None
    version: ArticleVersion | None = None
    revision: RevisionEvent | None = None
    new_article: bool = False
    first_edit: bool = False
    changed: bool = True  # whether `state` must be written back


def observe(
    state: State | None,
    article: NormalisedArticle,
    *,
    now: datetime,
    policy: RecheckPolicy,
    partition: int,
    factor: float = 1.0,
) -> Observation:
    """Decide what `article` means for the tracked `state` (None: never seen)."""
    if state is None:
        return _first(article, now=now, policy=policy, partition=partition, factor=factor)
    if _stale(state, article.fetched_at):
        return _replay(state, article, now=now, policy=policy, factor=factor)
    state = dict(state)
    state.update(last_fetched=iso(article.fetched_at), last_checked=iso(now), partition=partition)
    if article.flags.bot_challenge:
        return Observation(state)  # a bot wall instead of the article is not an edit
    # The article answered under its own id: any redirect seen on the way is not "elsewhere".
    state["redirect_pending"] = None
    state["urls"] = sorted(known_urls(state) | {normalise_url(str(article.url))})
    state["etag"], state["last_modified"] = article.etag, article.last_modified
    status: ArticleStatus = state.get("status", "live")

    if article.flags.paywalled:
        if status == "paywalled":
            return Observation(state)
        return _status_change(state, "paywalled", ["paywall_added"], now=now, at=article.fetched_at,
                              refresh_hash=article.content_hash)

    same_text = article.content_hash == state.get("content_hash") and folded_names(
        article.authors
    ) == folded_names(state.get("authors", ()))
    if status == "live" and same_text:
        return Observation(state)
    sig = signature(article.title, article.paragraphs, article.authors)
    if status == "live" and sig == state.get("sig"):
        # A boring change (stamps, counters, related links): hold the newest text, no version.
        state.update(_text_fields(article))
        return Observation(state)
    return _new_version(state, article, sig, now=now, policy=policy, factor=factor)


def observe_recheck(
    state: State | None, result: RecheckResult, *, now: datetime, redirect_confirm_s: float
) -> Observation:
    """What a re-check's outcome says about the article's status: gone (404/410) or moved (a
    final URL it was never seen at). A 304 or any other failure changes nothing."""
    if state is None or result.outcome == "not_modified" or _stale(state, result.fetched_at):
        return Observation(state, changed=False)
    status: ArticleStatus = state.get("status", "live")
    if status not in ("live", "paywalled"):
        return Observation(state, changed=False)
    gone = result.outcome == "failed" and (
        result.failure in GONE_FAILURES or result.status in GONE_STATUSES
    )
    if gone:
        new_state = dict(state, last_fetched=iso(result.fetched_at), last_checked=iso(now))
        return _status_change(new_state, "deleted", ["deleted"], now=now, at=result.fetched_at)
    if result.outcome == "ok" and not result.bot_challenge:
        final = normalise_url(str(result.final_url))
        if final not in known_urls(state) | {normalise_url(str(result.requested_url))}:
            pending = {"url": str(result.final_url), "confirm_at": iso(now + timedelta(seconds=redirect_confirm_s))}
            if (state.get("redirect_pending") or {}).get("url") == pending["url"]:
                return Observation(state, changed=False)
            return Observation(dict(state, redirect_pending=pending))
    return Observation(state, changed=False)


def confirm_redirect(state: State, *, now: datetime) -> Observation:
    """The pending redirect's grace period is over: the article redirects elsewhere."""
    pending = state.get("redirect_pending")
    if not isinstance(pending, dict) or dt(pending["confirm_at"]) > now:
        return Observation(state, changed=False)
    new_state = dict(state, redirect_pending=None)
    if state.get("status", "live") not in ("live", "paywalled"):
        return Observation(new_state)
    return _status_change(
        new_state, "redirected", ["redirected"], now=now, at=now, redirected_to=pending["url"]
    )


def is_due(state: State, now: datetime) -> bool:
    """Whether the article's next re-check (or a redirect confirmation) is due."""
    at = due_at(state)
    return at is not None and at <= now


def recheck_due(state: State, now: datetime) -> bool:
    """Whether the re-check itself (not a redirect confirmation) is due."""
    at = state.get("next_check_at")
    return at is not None and dt(at) <= now


def plan_recheck(
    article_id: str, state: State, *, now: datetime, policy: RecheckPolicy, factor: float = 1.0
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
        last_requested=iso(now),
        next_check_at=opt_iso(next_check_at(dt(state["first_seen"]), now, checks, policy, factor)),
    )
    return request, new_state


# -- steps ---------------------------------------------------------------------------------------


def _first(
    article: NormalisedArticle, *, now: datetime, policy: RecheckPolicy, partition: int, factor: float
) -> Observation:
    at = article.fetched_at
    status: ArticleStatus = "paywalled" if article.flags.paywalled else "live"
    sig = signature(article.title, article.paragraphs, article.authors)
    state: State = {
        "schema": STATE_SCHEMA,
        "version": 1,
        "live_version": 1,
        "status": status,
        "sig": sig,
        "sigs": [sig],
        **_text_fields(article),
        "first_seen": iso(at),
        "published": opt_iso(article.published),
        "last_changed": iso(at),
        "last_observed": iso(at),
        "last_fetched": iso(at),
        "last_checked": iso(now),
        "checks": 0,
        "next_check_at": opt_iso(next_check_at(at, now, 0, policy, factor)),
        "partition": partition,
        "url": str(article.canonical_url),
        "urls": sorted({normalise_url(str(article.canonical_url)), normalise_url(str(article.url))}),
        "host": article.host,
        "outlet": article.outlet,
        "etag": article.etag,
        "last_modified": article.last_modified,
        "edited": False,
        "redirect_pending": None,
    }
    version = ArticleVersion(
        article_id=article.article_id,
        version=1,
        revision_id=revision_id(article.article_id, 1),
        first_seen=at,
        observed_at=at,
        status=status,
        article=article,
    )
    return Observation(state, version=version, new_article=True)


def _new_version(
    state: State,
    article: NormalisedArticle,
    sig: str,
    *,
    now: datetime,
    policy: RecheckPolicy,
    factor: float,
) -> Observation:
    """A new live version: a content edit, and/or a return from paywalled, deleted or redirected."""
    status: ArticleStatus = state.get("status", "live")
    previous = int(state["version"])
    number = previous + 1
    first_seen = dt(state["first_seen"])
    previous_observed = dt(state["last_observed"])
    observed_at = article.fetched_at
    old_paragraphs = list(state.get("paragraphs", []))
    sigs = list(state.get("sigs") or state.get("hashes") or [])
    diff = diff_versions(
        state.get("title"), old_paragraphs, article.title, list(article.paragraphs),
        old_label=f"v{previous}", new_label=f"v{number}",
    )
    same_content = sig == state.get("sig")
    kinds: list[RevisionKind] = ["paywall_removed"] if status == "paywalled" else []
    revert_of: int | None = None
    corrections: tuple[str, ...] = ()
    if same_content:
        if status in ("deleted", "redirected"):
            revert_of = int(state.get("live_version", previous))
            kinds.append("reverted")
    else:
        revert_of = _revert_of(sigs, sig, exclude=int(state.get("live_version", previous)))
        corrections = corrections_appended(old_paragraphs, article.paragraphs, diff.changes)
        byline = folded_names(state.get("authors", ())) != folded_names(article.authors)
        kinds.extend(content_kinds(diff, byline_changed=byline, corrections=corrections,
                                   revert_of=revert_of))
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
        status="live",
        corrections=corrections,
    )
    version = ArticleVersion(
        article_id=article.article_id,
        version=number,
        revision_id=revision_id(article.article_id, number),
        first_seen=first_seen,
        observed_at=observed_at,
        status="live",
        revert_of=revert_of,
        article=article,
    )
    first_edit = not same_content and not state.get("edited", False)
    new_state = dict(state)
    new_state.update(
        _text_fields(article),
        schema=STATE_SCHEMA,
        version=number,
        live_version=number,
        status="live",
        sig=sig,
        sigs=[*sigs, sig],
        last_changed=iso(observed_at),
        last_observed=iso(observed_at),
        edited=bool(state.get("edited", False) or not same_content),
        checks=0,  # a change resets the interval
        next_check_at=opt_iso(next_check_at(first_seen, now, 0, policy, factor)),
        # the state this version was made from, so that a replay can publish it again (_replay)
        prev={k: v for k, v in state.items() if k != "prev"},
    )
    return Observation(new_state, version=version, revision=revision, first_edit=first_edit)


def _status_change(
    state: State,
    status: ArticleStatus,
    kinds: list[RevisionKind],
    *,
    now: datetime,
    at: datetime,
    redirected_to: str | None = None,
    refresh_hash: str | None = None,
) -> Observation:
    """A version that changes only the article's status; it carries the held (last live) text."""
    previous = int(state["version"])
    number = previous + 1
    first_seen = dt(state["first_seen"])
    previous_observed = dt(state["last_observed"])
    held = article_from_state(state)
    aid = held.article_id if held is not None else None
    new_state = dict(state)
    new_state.update(
        version=number,
        status=status,
        sigs=[*list(state.get("sigs") or []), ""],
        last_changed=iso(at),
        last_observed=iso(at),
    )
    if refresh_hash is not None:
        new_state["content_hash"] = refresh_hash  # the paywall page: the same one is no change
    if held is None or aid is None:
        return Observation(new_state)  # a state from before schema 2 cannot rebuild its article
    revision = RevisionEvent(
        revision_id=revision_id(aid, number),
        article_id=aid,
        version=number,
        previous_version=previous,
        canonical_url=held.canonical_url,
        host=held.host,
        outlet=held.outlet,
        kinds=tuple(kinds),
        title_old=held.title,
        title_new=held.title,
        stats=RevisionStats(
            similarity=1.0,
            minutes_since_first_seen=_minutes(at - first_seen),
            minutes_since_previous=_minutes(at - previous_observed),
        ),
        first_seen=first_seen,
        previous_observed_at=previous_observed,
        detected_at=now,
        status=status,
        redirected_to=redirected_to,
    )
    version = ArticleVersion(
        article_id=aid,
        version=number,
        revision_id=revision_id(aid, number),
        first_seen=first_seen,
        observed_at=at,
        status=status,
        article=held,
    )
    return Observation(new_state, version=version, revision=revision)


# -- helpers -------------------------------------------------------------------------------------


def _text_fields(article: NormalisedArticle) -> dict[str, Any]:
    return {
        "content_hash": article.content_hash,
        "title": article.title,
        "paragraphs": list(article.paragraphs),
        "authors": list(article.authors),
        "article": article_meta(article),
    }


def _replay(
    state: State, article: NormalisedArticle, *, now: datetime, policy: RecheckPolicy, factor: float
) -> Observation:
    """An observation seen again. The state is written before the outputs are published, so a
    crash in between (then a replay from the last commit) would otherwise lose the version: if
    this is the observation that made the current version, publish that version (and its
    revision) again. The ids are the same, so every write downstream is idempotent. Anything
    else (older, or already superseded) was fully applied: nothing to do."""
    last = state.get("last_observed")
    if last is None or article.fetched_at != dt(last):
        return Observation(state, changed=False)
    sig = signature(article.title, article.paragraphs, article.authors)
    if sig != state.get("sig"):
        return Observation(state, changed=False)
    number = int(state["version"])
    if number == 1:
        first = _first(article, now=now, policy=policy, partition=int(state.get("partition", 0)), factor=factor)
        return Observation(state, version=first.version, changed=False)
    prev = state.get("prev")
    if not isinstance(prev, dict) or int(prev.get("version", 0)) != number - 1:
        return Observation(state, changed=False)  # made by a status change: not rebuilt here
    again = _new_version(prev, article, sig, now=now, policy=policy, factor=factor)
    return Observation(state, version=again.version, revision=again.revision, changed=False)


def _stale(state: State, fetched_at: datetime) -> bool:
    """Whether an observation is not newer than one already applied (a replay after a restart,
    or a late message): applying it again would duplicate or undo a version."""
    last = state.get("last_fetched") or state.get("last_observed")
    return last is not None and fetched_at <= dt(last)


def _revert_of(sigs: list[str], sig: str, *, exclude: int) -> int | None:
    """The latest earlier version k (1-based) whose text this one restores."""
    for k in range(len(sigs), 0, -1):
        if k != exclude and sigs[k - 1] and sigs[k - 1] == sig:
            return k
    return None


def _minutes(delta: timedelta) -> float:
    return max(0.0, round(delta.total_seconds() / 60.0, 3))
