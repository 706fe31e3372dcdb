"""Unchanged re-checks in the tracker: the fingerprint is kept and carried on re-check requests,
an 'unchanged' RecheckResult notes the check without a full article, and re-check verdicts feed
the outlet's learned schedule factor."""

from __future__ import annotations

from datetime import timedelta

from newswire.contracts import NormalisedArticle, RecheckResult
from newswire.contracts.fetch import PageFingerprint, UnchangedBy
from newswire.tracker.logic import (
    observe,
    observe_recheck,
    observe_unchanged,
    plan_recheck,
)
from newswire.tracker.schedule import (
    RecheckPolicy,
    count_article,
    count_check,
    interval_s,
    outlet_factor,
)
from newswire.runtime.state import from_table, to_table
from newswire.tracker.state import ArticleState, article_meta
from tests.factories import AID, CANONICAL
from tests.unit.tracker.test_logic import P1, POLICY, T0, article, minutes, step

FP = PageFingerprint(body_digest="1" * 32, region=("#story", "div.body:0"), region_digest="2" * 32)


def with_fp(art: NormalisedArticle, fp: PageFingerprint | None = FP) -> NormalisedArticle:
    return art.model_copy(update={"fingerprint": fp})


def unchanged(at_minutes: float, by: UnchangedBy = "same_region", digest: str | None = "3" * 32,
              etag: str | None = '"e2"') -> RecheckResult:
    return RecheckResult(
        article_id=AID, requested_url=CANONICAL, final_url=CANONICAL,  # type: ignore[arg-type]
        outcome="not_modified" if by == "not_modified" else "ok", status=304 if by == "not_modified" else 200,
        fetched_at=minutes(at_minutes), unchanged=by, body_digest=digest, etag=etag,
    )


def tracked() -> ArticleState:
    seen = step(None, with_fp(article()))
    assert seen.state is not None and seen.verdict is None
    return seen.state


def test_the_fingerprint_is_kept_and_carried_on_the_recheck() -> None:
    state = tracked()
    assert state.fingerprint == FP
    assert state.article is not None and "fingerprint" not in state.article  # kept once
    request, _ = plan_recheck(AID, state, now=minutes(30), policy=POLICY)
    assert request.fingerprint == FP and request.reason == "recheck"
    # no fingerprint while the article is not live, or when the state holds none or a bad one
    for status in ("paywalled", "deleted", "redirected"):
        request, _ = plan_recheck(AID, state.model_copy(update={"status": status}), now=minutes(30), policy=POLICY)
        assert request.fingerprint is None
    for held in (None, {"region_digest": "not hex"}):
        stored = from_table(ArticleState, {**to_table(state), "fingerprint": held})  # unreadable: none
        request, _ = plan_recheck(AID, stored, now=minutes(30), policy=POLICY)
        assert request.fingerprint is None


def test_the_same_text_extracted_again_refreshes_the_fingerprint_and_counts_unchanged() -> None:
    newer = PageFingerprint(body_digest="4" * 32, region=FP.region, region_digest="5" * 32)
    seen = step(tracked(), with_fp(article(at=minutes(30)), newer))
    assert seen.version is None and seen.verdict == "unchanged"
    assert seen.state is not None and seen.state.fingerprint == newer


def test_an_edit_counts_changed() -> None:
    seen = step(tracked(), with_fp(article(P1 + ("A new paragraph about the talks.",), at=minutes(30))))
    assert seen.version is not None and seen.version.version == 2 and seen.verdict == "changed"


def test_an_unchanged_result_notes_the_check_without_an_article() -> None:
    state = tracked()
    _, state = plan_recheck(AID, state, now=minutes(30), policy=POLICY)
    seen = observe_unchanged(state, unchanged(31), now=minutes(31))
    assert seen.changed and seen.version is None and seen.revision is None and seen.verdict == "unchanged"
    new = seen.state
    assert new is not None
    assert new.last_fetched == minutes(31) and new.last_checked == minutes(31)
    assert new.fingerprint is not None
    assert new.fingerprint.body_digest == "3" * 32  # the next re-check compares with these bytes
    assert new.fingerprint.region_digest == FP.region_digest
    assert new.etag == '"e2"'
    # the schedule moved on when the re-check was issued, and stays
    assert new.next_check_at == state.next_check_at and new.checks == state.checks == 1
    request, _ = plan_recheck(AID, new, now=minutes(60), policy=POLICY)
    assert request.fingerprint is not None and request.fingerprint.body_digest == "3" * 32

    # a 304 counts too and keeps the digest it has
    not_modified = observe_unchanged(new, unchanged(40, "not_modified", digest=None, etag=None), now=minutes(40))
    assert not_modified.verdict == "unchanged" and not_modified.state is not None
    assert not_modified.state.fingerprint == new.fingerprint and not_modified.state.etag == '"e2"'


def test_unchanged_results_that_say_nothing() -> None:
    state = tracked()
    assert observe_unchanged(None, unchanged(31), now=minutes(31)).verdict is None
    late = observe_unchanged(state, unchanged(-1), now=minutes(31))  # not newer than the state
    assert not late.changed and late.verdict is None
    for status in ("paywalled", "deleted", "redirected"):
        seen = observe_unchanged(state.model_copy(update={"status": status}), unchanged(31), now=minutes(31))
        assert not seen.changed and seen.verdict is None
    # after it, an article fetched before it is ignored (the normaliser's result came first)
    after = observe_unchanged(state, unchanged(31), now=minutes(31)).state
    assert after is not None
    assert not step(after, with_fp(article(P1 + ("Late edit.",), at=minutes(30)))).changed
    # the fetcher's plain 'ok' result of the same re-check, arriving later, is ignored too
    ok = unchanged(31).model_copy(update={"unchanged": None})
    assert not observe_recheck(after, ok, now=minutes(32), redirect_confirm_s=600).changed


def test_unchanged_rechecks_teach_the_outlet_factor() -> None:
    p = RecheckPolicy()
    stats = count_article(None, "quiet.example", new=True, first_edit=False)
    assert outlet_factor(stats, p) == outlet_factor({"articles": 1, "edited": 0}, p)  # no checks: as before
    quiet = stats
    for _ in range(2000):
        quiet = count_check(quiet, "quiet.example", changed=False)
    assert quiet.checks == 2000 and quiet.changed_checks == 0
    assert outlet_factor(quiet, p) < outlet_factor(stats, p) < 1.0 + 1e-9
    busy = stats
    for i in range(2000):
        busy = count_check(busy, "busy.example", changed=i % 20 == 0)  # 5% of re-checks find an edit
    assert outlet_factor(busy, p) > 1.5
    # fewer re-checks of a quiet outlet's articles: its growing intervals stretch, the caps hold
    assert interval_s(3600 * 20, 3, p, outlet_factor(quiet, p)) > interval_s(3600 * 20, 3, p, 1.0)
    assert interval_s(3600 * 2, 30, p, outlet_factor(quiet, p)) == p.early_max_s


def test_article_meta_has_no_fingerprint() -> None:
    assert "fingerprint" not in article_meta(with_fp(article()))
    assert observe(None, with_fp(article()), now=T0, policy=POLICY, partition=0).state is not None
    assert timedelta(0) == minutes(0) - T0
