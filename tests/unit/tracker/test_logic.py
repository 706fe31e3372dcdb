"""Version decisions: new, unchanged, edits, noise, reverts, corrections, deletion, redirects,
paywalls, replays, and the re-check plan."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from newswire.contracts import NormalisedArticle, RecheckResult
from newswire.contracts.ids import revision_id
from newswire.farm.fixtures import RevisionArticle
from newswire.text import content_hash
from newswire.tracker.logic import (
    Observation,
    confirm_redirect,
    is_due,
    observe,
    observe_recheck,
    plan_recheck,
    recheck_due,
)
from newswire.tracker.schedule import RecheckPolicy
from newswire.runtime.state import from_table, to_table
from newswire.tracker.state import ArticleState
from tests.factories import AID, CANONICAL, normalised_article

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
POLICY = RecheckPolicy(initial_s=1800, growth=1.5, horizon_s=7 * 24 * 3600)
P1 = ("Kerry flies to Geneva.", "Talks with Lavrov on Syria.", "Jabhat Fatah al-Sham is a target.")


def article(
    paragraphs: tuple[str, ...] = P1, *, title: str = "Syria talks", at: datetime = T0,
    authors: tuple[str, ...] = ("Jane Doe",), paywalled: bool = False, url: str = CANONICAL,
) -> NormalisedArticle:
    base = normalised_article(paragraphs).model_dump()
    base.update(
        title=title, authors=authors, fetched_at=at, url=url, content_hash=content_hash(title, paragraphs),
        flags={"paywalled": paywalled},
    )
    return NormalisedArticle.model_validate(base)


def page(at: datetime, *, outcome: str = "failed", failure: str | None = "not_found", status: int | None = 404,
         final_url: str = CANONICAL, bot_challenge: bool = False) -> RecheckResult:
    """A re-check's outcome as the fetcher reports it (RecheckResult, no page)."""
    return RecheckResult(
        article_id=AID, requested_url=CANONICAL, final_url=final_url,  # type: ignore[arg-type]
        outcome=outcome, status=status, failure=failure, fetched_at=at,  # type: ignore[arg-type]
        bot_challenge=bot_challenge,
    )


def step(state: ArticleState | None, art: NormalisedArticle) -> Observation:
    return observe(state, art, now=art.fetched_at, policy=POLICY, partition=0)


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def first() -> ArticleState:
    seen = step(None, article())
    assert seen.state is not None
    return seen.state


def test_new_same_changed() -> None:
    first_obs = observe(None, article(), now=T0, policy=POLICY, partition=3)
    assert first_obs.revision is None and first_obs.version is not None and first_obs.new_article
    assert first_obs.version.version == 1 and first_obs.version.revision_id == revision_id(AID, 1)
    state = first_obs.state
    assert state is not None
    stored = json.loads(json.dumps(to_table(state)))  # JSON-able, as the table stores it
    assert from_table(ArticleState, stored) == state
    assert state.version == 1 and state.partition == 3 and state.checks == 0
    assert state.next_check_at == T0 + timedelta(seconds=1800)
    assert state.status == "live" and state.url == CANONICAL

    same = step(state, article(at=minutes(20)))
    assert same.version is None and same.revision is None and same.state is not None
    assert same.state.version == 1 and same.state.last_checked == minutes(20)
    assert same.state.next_check_at == state.next_check_at

    edited = (P1[0], P1[1], "Jabhat Fateh al-Sham is a target.")
    changed = step(same.state, article(edited, at=minutes(35)))
    assert changed.version is not None and changed.revision is not None and changed.first_edit
    assert changed.version.version == 2 and changed.version.first_seen == T0
    rev = changed.revision
    assert rev.revision_id == revision_id(AID, 2) and rev.previous_version == 1
    assert rev.kinds == ("body_edited",) and rev.status == "live" and rev.corrections == ()
    assert [(c.op, c.old_index, c.new_index) for c in rev.changes] == [("changed", 2, 2)]
    assert rev.stats.paragraphs_changed == 1 and rev.stats.words_added == 1 == rev.stats.words_removed
    assert rev.stats.minutes_since_first_seen == 35 and rev.stats.minutes_since_previous == 35
    assert "<del>Fatah</del><ins>Fateh</ins>" in rev.diff_html and "-Jabhat Fatah" in rev.diff_unified
    assert changed.state is not None and changed.state.version == 2 and changed.state.checks == 0
    assert changed.state.next_check_at == minutes(35) + timedelta(seconds=1800)


def test_title_only_change() -> None:
    seen = step(first(), article(title="Kerry and Lavrov agree Syria truce", at=minutes(10)))
    assert seen.revision is not None
    assert seen.revision.kinds == ("title_changed",) and seen.revision.changes == ()
    assert seen.revision.title_new == "Kerry and Lavrov agree Syria truce"


def test_byline_only_change_is_a_revision() -> None:
    seen = step(first(), article(authors=("Jane Doe", "John Roe"), at=minutes(10)))
    assert seen.revision is not None and seen.revision.kinds == ("byline_changed",)
    # the same names in another order and case are the same byline
    again = step(seen.state, article(authors=("john roe", "Jane  Doe"), at=minutes(20)))
    assert again.revision is None


def test_kinds_and_revert() -> None:
    s1 = first()
    v2 = step(s1, article(("Kerry lands in Geneva.", *P1[1:], "A new paragraph."), title="New title",
                          authors=("Jane Doe", "John Roe"), at=minutes(60)))
    assert v2.revision is not None and v2.state is not None
    assert set(v2.revision.kinds) == {
        "title_changed", "lede_changed", "body_edited", "paragraphs_added", "byline_changed",
    }
    v3 = step(v2.state, article(at=minutes(120)))
    assert v3.revision is not None and v3.version is not None
    assert v3.version.version == 3 and v3.version.revert_of == 1 and v3.revision.revert_of == 1
    assert "reverted" in v3.revision.kinds and "paragraphs_removed" in v3.revision.kinds
    assert not v3.first_edit  # the outlet's article was already counted as edited


def test_noise_is_not_a_revision() -> None:
    s1 = step(None, article(("Updated 5 minutes ago", *P1, "1,204 shares", "Read more: Syria's war in maps"),
                            at=T0)).state
    assert s1 is not None
    noisy = (
        "Updated 2 hours ago", "Kerry  flies to Geneva.", "Talks with Lavrov on Syria.",
        "Jabhat Fatah al-Sham is a target.",
        "3,918 shares", "Read more: Five things to know about Aleppo",
    )
    seen = step(s1, article(noisy, at=minutes(30)))
    assert seen.version is None and seen.revision is None and seen.state is not None
    assert seen.state.version == 1 and seen.state.paragraphs == noisy  # holds the newest text
    curly = (P1[0], "Talks with \u201cLavrov\u201d on Syria.", P1[2])
    plain = (P1[0], 'Talks with "Lavrov" on Syria.', P1[2])
    s = step(None, article(curly)).state
    assert step(s, article(plain, at=minutes(5))).revision is None
    # an ad label appearing between paragraphs, and a stamp line, are not edits either
    assert step(s1, article((*P1[:2], "Advertisement", P1[2]), at=minutes(40))).revision is None
    stamp = step(s1, article(("Updated 10.32 BST, 8 Sep 2016", *P1), at=minutes(50)))
    assert stamp.revision is None


def test_correction_appended() -> None:
    note = "This article was amended on 9 September 2016 to correct the name of the group."
    seen = step(first(), article((*P1, note), at=minutes(90)))
    assert seen.revision is not None
    assert seen.revision.kinds == ("body_edited", "paragraphs_added", "correction_appended")
    assert seen.revision.corrections == (note,)
    plain = step(first(), article((*P1, "Officials said more talks would follow."), at=minutes(90)))
    assert plain.revision is not None and "correction_appended" not in plain.revision.kinds


def test_deleted_then_back() -> None:
    s1 = first()
    gone = observe_recheck(s1, page(minutes(30)), now=minutes(30), redirect_confirm_s=600)
    assert gone.version is not None and gone.revision is not None and gone.state is not None
    assert gone.revision.kinds == ("deleted",) and gone.revision.status == "deleted"
    assert gone.version.version == 2 and gone.version.status == "deleted"
    assert gone.version.article.paragraphs == P1  # carries the last live text
    assert gone.revision.changes == () and gone.revision.stats.similarity == 1.0
    # a second 404 changes nothing; neither does a 410, nor a 304
    again = observe_recheck(gone.state, page(minutes(60), failure="gone", status=410), now=minutes(60),
                            redirect_confirm_s=600)
    assert again.version is None and not again.changed
    same = observe_recheck(s1, page(minutes(30), outcome="not_modified", failure=None, status=304),
                           now=minutes(30), redirect_confirm_s=600)
    assert same.version is None and not same.changed
    # a timeout is not a deletion
    timeout = observe_recheck(s1, page(minutes(30), failure="timeout", status=None), now=minutes(30),
                              redirect_confirm_s=600)
    assert timeout.version is None
    back = step(gone.state, article(at=minutes(90)))
    assert back.revision is not None and back.version is not None
    assert back.revision.kinds == ("reverted",) and back.revision.revert_of == 1
    assert back.version.version == 3 and back.version.status == "live"


def test_redirect_confirmed_or_cleared() -> None:
    s1 = first()
    elsewhere = "https://www.example.com/world"
    pending = observe_recheck(s1, page(minutes(30), outcome="ok", failure=None, status=200, final_url=elsewhere),
                              now=minutes(30), redirect_confirm_s=600)
    assert pending.version is None and pending.state is not None
    assert pending.state.redirect_pending is not None and pending.state.redirect_pending.url == elsewhere
    assert pending.state.redirect_pending.confirm_at == minutes(40)
    assert pending.state.model_copy(update={"next_check_at": None}).due_at() == minutes(40)
    assert not recheck_due(pending.state, minutes(29))
    assert confirm_redirect(pending.state, now=minutes(39)).version is None
    done = confirm_redirect(pending.state, now=minutes(41))
    assert done.revision is not None and done.version is not None and done.state is not None
    assert done.revision.kinds == ("redirected",) and str(done.revision.redirected_to) == elsewhere
    assert done.version.status == "redirected" and done.state.redirect_pending is None
    # the article answering under its own id meanwhile: the redirect kept it, no revision
    cleared = step(pending.state, article(at=minutes(35), url="https://www.example.com/new-slug"))
    assert cleared.revision is None and cleared.state is not None and cleared.state.redirect_pending is None
    assert confirm_redirect(cleared.state, now=minutes(60)).version is None
    # a redirect to a URL it was already seen at is no redirect
    known = observe_recheck(cleared.state, page(minutes(50), outcome="ok", failure=None, status=200,
                                                final_url="https://www.example.com/new-slug"),
                            now=minutes(50), redirect_confirm_s=600)
    assert not known.changed
    # nor is a bot wall served at another URL
    wall = observe_recheck(s1, page(minutes(30), outcome="ok", failure=None, status=200, final_url=elsewhere,
                                    bot_challenge=True), now=minutes(30), redirect_confirm_s=600)
    assert not wall.changed


def test_paywall_added_and_removed() -> None:
    s1 = first()
    wall = step(s1, article(("Subscribe to read this article.",), paywalled=True, at=minutes(30)))
    assert wall.revision is not None and wall.version is not None and wall.state is not None
    assert wall.revision.kinds == ("paywall_added",) and wall.version.status == "paywalled"
    assert wall.version.article.paragraphs == P1
    # the same wall again is no change
    assert step(wall.state, article(("Subscribe to read this article.",), paywalled=True,
                                    at=minutes(40))).revision is None
    lifted = step(wall.state, article(at=minutes(60)))
    assert lifted.revision is not None and lifted.revision.kinds == ("paywall_removed",)
    edited = step(wall.state, article((*P1[:2], "Jabhat Fateh al-Sham is a target."), at=minutes(60)))
    assert edited.revision is not None and edited.revision.kinds == ("paywall_removed", "body_edited")


def test_replays_publish_the_current_version_again_and_nothing_else() -> None:
    s1 = first()
    edited = (P1[0], P1[1], "Jabhat Fateh al-Sham is a target.")
    v2 = step(s1, article(edited, at=minutes(30)))
    assert v2.state is not None and v2.version is not None and v2.revision is not None
    # after a restart the v1 and v2 messages come again: v1 is superseded (nothing), v2's outputs
    # may have been lost between the state write and the publish, so v2 is published again with
    # the same ids (idempotent downstream); the state is not rewritten and nothing is reverted
    older = step(v2.state, article(at=T0))
    assert older.version is None and older.revision is None and not older.changed
    again = step(v2.state, article(edited, at=minutes(30)))
    assert not again.changed and again.version is not None and again.revision is not None
    assert again.version.revision_id == v2.version.revision_id == revision_id(AID, 2)
    assert again.version.model_dump(exclude={"article"}) == v2.version.model_dump(exclude={"article"})
    assert again.revision.model_dump(exclude={"detected_at"}) == v2.revision.model_dump(exclude={"detected_at"})
    # the first version replayed before any edit is published again too
    v1 = step(None, article())
    assert v1.state is not None and v1.version is not None
    replay1 = step(v1.state, article())
    assert not replay1.changed and replay1.version == v1.version and replay1.revision is None
    stored = json.loads(json.dumps(to_table(v2.state)))  # `prev` keeps the state JSON-able
    assert from_table(ArticleState, stored) == v2.state and v2.state.prev is not None


def test_bot_wall_is_not_an_edit() -> None:
    s1 = first()
    wall = article(("Checking your browser before accessing the site.",), at=minutes(5))
    wall = wall.model_copy(update={"flags": wall.flags.model_copy(update={"bot_challenge": True})})
    seen = step(s1, wall)
    assert seen.version is None and seen.revision is None and seen.state is not None
    assert seen.state.content_hash == s1.content_hash


def test_plan_recheck() -> None:
    state = observe(None, article().model_copy(update={"etag": '"e1"'}), now=T0, policy=POLICY,
                    partition=5).state
    assert state is not None
    assert not is_due(state, minutes(29))
    due = minutes(30)
    assert is_due(state, due)
    request, after = plan_recheck(AID, state, now=due, policy=POLICY)
    assert request.reason == "recheck" and request.article_id == AID and request.etag == '"e1"'
    assert str(request.url) == state.url and request.host == "www.example.com"
    assert after.checks == 1 and after.partition == 5
    assert after.next_check_at == due + timedelta(seconds=2700)
    assert not is_due(after, due)
    # an outlet that edits twice as often as the prior is checked sooner
    _, faster = plan_recheck(AID, state, now=due, policy=POLICY, factor=2.0)
    assert faster.next_check_at == due + timedelta(seconds=1350)
    done = state.model_copy(update={"next_check_at": None})
    assert not is_due(done, T0 + timedelta(days=30))


def test_guardian_pair_through_observe(guardian: RevisionArticle) -> None:
    g = guardian
    s1 = step(None, article(g.versions[0], title=g.title)).state
    seen = step(s1, article(g.versions[1], title=g.title, at=minutes(g.minutes_between or 30)))
    assert seen.revision is not None and seen.revision.kinds == ("body_edited",)
    assert [c.old_index for c in seen.revision.changes] == [5, 6, 7]
    assert seen.revision.stats.paragraphs_changed == 3 and 0.95 < seen.revision.stats.similarity < 1.0
