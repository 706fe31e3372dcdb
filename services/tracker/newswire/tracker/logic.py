"""Pure tracking logic: what an observation means for an article (no Kafka, no I/O).

- `observe`: a normalised article came in: a new article (version 1), no change, a boring change
  (state refreshed, no version), or a new version with a revision event (content edits, a revert,
  a paywall added or removed, a deleted or redirected article coming back).
- `observe_recheck`: a re-check's outcome (the fetcher's RecheckResult): 404/410 after being live
  means deleted; a redirect to a URL the article was never seen at starts a redirect to confirm.
- `observe_unchanged`: a re-check found the article unchanged without a full article passing
  through (a 304, the same body, the same article region): the state notes the check, the new
  validators and body digest, and the outlet's counters an unchanged re-check.
- `confirm_redirect`: the grace period passed and no article came back under the old id: the
  article now redirects elsewhere.
- `plan_recheck`: a due re-check's request, and the schedule moved on.

Status-only versions (deleted, redirected, paywalled) carry the last live text, so a consumer
of `ArticleVersion` always has a whole article; `status` says what the page shows now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

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
from newswire.tracker.state import ArticleState, RedirectPending, article_meta

__all__ = [
    "ArticleState",
    "Observation",
    "RecheckPolicy",
    "confirm_redirect",
    "is_due",
    "next_check_at",
    "observe",
    "observe_recheck",
    "observe_unchanged",
    "plan_recheck",
]

#: Fetch failures that mean the article is gone (after it was live).
GONE_FAILURES = frozenset({"not_found", "gone"})
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True)
class Observation:
    """What an observation means: the new state, the messages to emit, and outlet counts."""

    state: ArticleState | None
    version: ArticleVersion | None = None
    revision: RevisionEvent | None = None
    new_article: bool = False
    first_edit: bool = False
    changed: bool = True  # whether `state` must be written back
    #: What a re-check found, for the outlet's counters (None: no verdict, e.g. a first sighting,
    #: a status change, a replay).
    verdict: Literal["unchanged", "changed"] | None = None


def observe(
    state: ArticleState | None,
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
    state = state.model_copy(update={"last_fetched": article.fetched_at, "last_checked": now, "partition": partition})
    if article.flags.bot_challenge:
        return Observation(state)  # a bot wall instead of the article is not an edit
    state = state.model_copy(update={
        # The article answered under its own id: any redirect seen on the way is not "elsewhere".
        "redirect_pending": None,
        "urls": tuple(sorted(state.known_urls() | {normalise_url(str(article.url))})),
        "etag": article.etag,
        "last_modified": article.last_modified,
        "fingerprint": article.fingerprint,
    })
    status = state.status

    if article.flags.paywalled:
        if status == "paywalled":
            return Observation(state)
        return _status_change(state, "paywalled", ["paywall_added"], now=now, at=article.fetched_at,
                              refresh_hash=article.content_hash)

    same_text = article.content_hash == state.content_hash and folded_names(
        article.authors
    ) == folded_names(state.authors)
    if status == "live" and same_text:
        return Observation(state, verdict="unchanged")
    sig = signature(article.title, article.paragraphs, article.authors)
    if status == "live" and sig == state.sig:
        # A boring change (stamps, counters, related links): hold the newest text, no version.
        return Observation(state.model_copy(update=_text_fields(article)), verdict="unchanged")
    return _new_version(state, article, sig, now=now, policy=policy, factor=factor)


def observe_recheck(
    state: ArticleState | None, result: RecheckResult, *, now: datetime, redirect_confirm_s: float
) -> Observation:
    """What a re-check's outcome says about the article's status: gone (404/410) or moved (a
    final URL it was never seen at). A 304 or any other failure changes nothing."""
    if state is None or result.outcome == "not_modified" or _stale(state, result.fetched_at):
        return Observation(state, changed=False)
    if state.status not in ("live", "paywalled"):
        return Observation(state, changed=False)
    gone = result.outcome == "failed" and (
        result.failure in GONE_FAILURES or result.status in GONE_STATUSES
    )
    if gone:
        new_state = state.model_copy(update={"last_fetched": result.fetched_at, "last_checked": now})
        return _status_change(new_state, "deleted", ["deleted"], now=now, at=result.fetched_at)
    if result.outcome == "ok" and not result.bot_challenge:
        final = normalise_url(str(result.final_url))
        if final not in state.known_urls() | {normalise_url(str(result.requested_url))}:
            pending = RedirectPending(url=str(result.final_url), confirm_at=now + timedelta(seconds=redirect_confirm_s))
            if state.redirect_pending is not None and state.redirect_pending.url == pending.url:
                return Observation(state, changed=False)
            return Observation(state.model_copy(update={"redirect_pending": pending}))
    return Observation(state, changed=False)


def observe_unchanged(state: ArticleState | None, result: RecheckResult, *, now: datetime) -> Observation:
    """A re-check that found the live article unchanged without extracting it (`result.unchanged`
    set, or a 304): the state notes the check (its fetch time, so that older observations stay
    ignored), the response's validators and body digest (the next re-check compares with these
    bytes); the schedule already moved on when the re-check was issued (`plan_recheck`). The
    verdict counts for the outlet's learned factor. Nothing for an article not live (a 304 of a
    paywall page says nothing new), unknown, or an observation not newer than the state's."""
    if state is None or _stale(state, result.fetched_at) or state.status != "live":
        return Observation(state, changed=False)
    update: dict[str, Any] = {"last_fetched": result.fetched_at, "last_checked": now}
    if result.etag is not None or result.last_modified is not None:
        update.update(etag=result.etag, last_modified=result.last_modified)
    if result.body_digest is not None and state.fingerprint is not None:
        update["fingerprint"] = state.fingerprint.model_copy(update={"body_digest": result.body_digest})
    return Observation(state.model_copy(update=update), verdict="unchanged")


def confirm_redirect(state: ArticleState, *, now: datetime) -> Observation:
    """The pending redirect's grace period is over: the article redirects elsewhere."""
    pending = state.redirect_pending
    if pending is None or pending.confirm_at > now:
        return Observation(state, changed=False)
    new_state = state.model_copy(update={"redirect_pending": None})
    if state.status not in ("live", "paywalled"):
        return Observation(new_state)
    return _status_change(
        new_state, "redirected", ["redirected"], now=now, at=now, redirected_to=pending.url
    )


def is_due(state: ArticleState, now: datetime) -> bool:
    """Whether the article's next re-check (or a redirect confirmation) is due."""
    at = state.due_at()
    return at is not None and at <= now


def recheck_due(state: ArticleState, now: datetime) -> bool:
    """Whether the re-check itself (not a redirect confirmation) is due."""
    at = state.next_check_at
    return at is not None and at <= now


def plan_recheck(
    article_id: str, state: ArticleState, *, now: datetime, policy: RecheckPolicy, factor: float = 1.0
) -> tuple[FetchRequest, ArticleState]:
    """The re-check request for a due article and its state with the schedule moved on (the
    check counts as unchanged until a changed version comes back)."""
    checks = state.checks + 1
    request = FetchRequest(
        url=state.url,  # type: ignore[arg-type]  # validated as a URL
        host=state.host,
        article_id=article_id,
        reason="recheck",
        requested_at=now,
        etag=state.etag,
        last_modified=state.last_modified,
        # what lets the fetcher and the normaliser say "unchanged" without extracting: only
        # while the article is live (a paywall or a status page is always looked at in full)
        fingerprint=state.fingerprint if state.status == "live" else None,
    )
    new_state = state.model_copy(update={
        "checks": checks,
        "last_requested": now,
        "next_check_at": next_check_at(state.first_seen, now, checks, policy, factor),
    })
    return request, new_state


# -- steps ---------------------------------------------------------------------------------------


def _first(
    article: NormalisedArticle, *, now: datetime, policy: RecheckPolicy, partition: int, factor: float
) -> Observation:
    at = article.fetched_at
    status: ArticleStatus = "paywalled" if article.flags.paywalled else "live"
    sig = signature(article.title, article.paragraphs, article.authors)
    state = ArticleState(
        version=1,
        live_version=1,
        status=status,
        sig=sig,
        sigs=(sig,),
        **_text_fields(article),
        first_seen=at,
        published=article.published,
        last_changed=at,
        last_observed=at,
        last_fetched=at,
        last_checked=now,
        checks=0,
        next_check_at=next_check_at(at, now, 0, policy, factor),
        partition=partition,
        url=str(article.canonical_url),
        urls=tuple(sorted({normalise_url(str(article.canonical_url)), normalise_url(str(article.url))})),
        host=article.host,
        outlet=article.outlet,
        etag=article.etag,
        last_modified=article.last_modified,
        fingerprint=article.fingerprint,
        edited=False,
        redirect_pending=None,
    )
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
    state: ArticleState,
    article: NormalisedArticle,
    sig: str,
    *,
    now: datetime,
    policy: RecheckPolicy,
    factor: float,
) -> Observation:
    """A new live version: a content edit, and/or a return from paywalled, deleted or redirected."""
    status = state.status
    previous = state.version
    number = previous + 1
    first_seen = state.first_seen
    previous_observed = state.last_observed
    observed_at = article.fetched_at
    old_paragraphs = list(state.paragraphs)
    sigs = list(state.sigs)
    diff = diff_versions(
        state.title, old_paragraphs, article.title, list(article.paragraphs),
        old_label=f"v{previous}", new_label=f"v{number}",
    )
    same_content = sig == state.sig
    kinds: list[RevisionKind] = ["paywall_removed"] if status == "paywalled" else []
    revert_of: int | None = None
    corrections: tuple[str, ...] = ()
    if same_content:
        if status in ("deleted", "redirected"):
            revert_of = state.live_version
            kinds.append("reverted")
    else:
        revert_of = _revert_of(sigs, sig, exclude=state.live_version)
        corrections = corrections_appended(old_paragraphs, article.paragraphs, diff.changes)
        byline = folded_names(state.authors) != folded_names(article.authors)
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
        title_old=state.title,
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
    first_edit = not same_content and not state.edited
    new_state = state.model_copy(update={
        **_text_fields(article),
        "version": number,
        "live_version": number,
        "status": "live",
        "sig": sig,
        "sigs": (*sigs, sig),
        "last_changed": observed_at,
        "last_observed": observed_at,
        "edited": state.edited or not same_content,
        "checks": 0,  # a change resets the interval
        "next_check_at": next_check_at(first_seen, now, 0, policy, factor),
        # the state this version was made from, so that a replay can publish it again (_replay)
        "prev": state.model_copy(update={"prev": None}),
    })
    return Observation(
        new_state, version=version, revision=revision, first_edit=first_edit,
        verdict=None if same_content else "changed",
    )


def _status_change(
    state: ArticleState,
    status: ArticleStatus,
    kinds: list[RevisionKind],
    *,
    now: datetime,
    at: datetime,
    redirected_to: str | None = None,
    refresh_hash: str | None = None,
) -> Observation:
    """A version that changes only the article's status; it carries the held (last live) text."""
    previous = state.version
    number = previous + 1
    first_seen = state.first_seen
    previous_observed = state.last_observed
    held = state.held_article()
    aid = held.article_id if held is not None else None
    update: dict[str, Any] = {
        "version": number, "status": status, "sigs": (*state.sigs, ""), "last_changed": at, "last_observed": at,
    }
    if refresh_hash is not None:
        update["content_hash"] = refresh_hash  # the paywall page: the same one is no change
    new_state = state.model_copy(update=update)
    if held is None or aid is None:
        return Observation(new_state)  # a state from before version 2 cannot rebuild its article
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
    """The held text's fields of an `ArticleState` (an update for `model_copy`)."""
    return {
        "content_hash": article.content_hash,
        "title": article.title,
        "paragraphs": tuple(article.paragraphs),
        "authors": tuple(article.authors),
        "article": article_meta(article),
    }


def _replay(
    state: ArticleState, article: NormalisedArticle, *, now: datetime, policy: RecheckPolicy, factor: float
) -> Observation:
    """An observation seen again. The state is written before the outputs are published, so a
    crash in between (then a replay from the last commit) would otherwise lose the version: if
    this is the observation that made the current version, publish that version (and its
    revision) again. The ids are the same, so every write downstream is idempotent. Anything
    else (older, or already superseded) was fully applied: nothing to do."""
    if article.fetched_at != state.last_observed:
        return Observation(state, changed=False)
    sig = signature(article.title, article.paragraphs, article.authors)
    if sig != state.sig:
        return Observation(state, changed=False)
    number = state.version
    if number == 1:
        first = _first(article, now=now, policy=policy, partition=state.partition, factor=factor)
        return Observation(state, version=first.version, changed=False)
    prev = state.prev
    if prev is None or prev.version != number - 1:
        return Observation(state, changed=False)  # made by a status change: not rebuilt here
    again = _new_version(prev, article, sig, now=now, policy=policy, factor=factor)
    return Observation(state, version=again.version, revision=again.revision, changed=False)


def _stale(state: ArticleState, fetched_at: datetime) -> bool:
    """Whether an observation is not newer than one already applied (a replay after a restart,
    or a late message): applying it again would duplicate or undo a version."""
    return fetched_at <= state.last_fetched


def _revert_of(sigs: list[str], sig: str, *, exclude: int) -> int | None:
    """The latest earlier version k (1-based) whose text this one restores."""
    for k in range(len(sigs), 0, -1):
        if k != exclude and sigs[k - 1] and sigs[k - 1] == sig:
            return k
    return None


def _minutes(delta: timedelta) -> float:
    return max(0.0, round(delta.total_seconds() / 60.0, 3))
