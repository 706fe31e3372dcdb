"""Version decisions and the re-check schedule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from newswire.contracts import NormalisedArticle
from newswire.contracts.ids import revision_id
from newswire.normaliser.logic import content_hash
from newswire.tracker.logic import (
    RecheckPolicy,
    is_due,
    next_check_at,
    observe,
    plan_recheck,
)
from tests.factories import AID, normalised_article

T0 = datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
POLICY = RecheckPolicy(initial_s=1800, growth=1.5, horizon_s=7 * 24 * 3600)
P1 = ("Kerry flies to Geneva.", "Talks with Lavrov on Syria.", "Jabhat Fatah al-Sham is a target.")


def article(
    paragraphs: tuple[str, ...] = P1, *, title: str = "Syria talks", at: datetime = T0,
    authors: tuple[str, ...] = ("Jane Doe",),
) -> NormalisedArticle:
    base = normalised_article(paragraphs)
    return base.model_copy(
        update={
            "title": title, "authors": authors, "fetched_at": at,
            "content_hash": content_hash(title, paragraphs),
        }
    )


def test_new_same_changed() -> None:
    first = observe(None, article(), now=T0, policy=POLICY, partition=3)
    assert first.revision is None and first.version is not None
    assert first.version.version == 1 and first.version.revision_id == revision_id(AID, 1)
    assert first.version.first_seen == T0
    state = first.state
    assert json.loads(json.dumps(state)) == state  # JSON-able, as the table stores it
    assert state["version"] == 1 and state["partition"] == 3 and state["checks"] == 0
    assert state["next_check_at"] == (T0 + timedelta(seconds=1800)).isoformat()
    assert state["url"] == "https://www.example.com/world/2016/sep/08/syria-talks"

    later = T0 + timedelta(minutes=20)
    same = observe(state, article(at=later), now=later, policy=POLICY, partition=3)
    assert same.version is None and same.revision is None
    assert same.state["version"] == 1 and same.state["last_checked"] == later.isoformat()
    assert same.state["next_check_at"] == state["next_check_at"]

    at2 = T0 + timedelta(minutes=35)
    edited = (P1[0], P1[1], "Jabhat Fateh al-Sham is a target.")
    changed = observe(same.state, article(edited, at=at2), now=at2, policy=POLICY, partition=3)
    assert changed.version is not None and changed.revision is not None
    assert changed.version.version == 2 and changed.version.first_seen == T0
    rev = changed.revision
    assert rev.revision_id == revision_id(AID, 2) and rev.previous_version == 1
    assert rev.kinds == ("body_edited",)
    assert [(c.op, c.old_index, c.new_index) for c in rev.changes] == [("changed", 2, 2)]
    assert rev.stats.paragraphs_changed == 1 and rev.stats.words_added == 1 == rev.stats.words_removed
    assert rev.stats.minutes_since_first_seen == 35 and rev.stats.minutes_since_previous == 35
    assert rev.previous_observed_at == T0 and rev.detected_at == at2
    assert "<del>Fatah</del><ins>Fateh</ins>" in rev.diff_html and "-Jabhat Fatah" in rev.diff_unified
    assert changed.state["version"] == 2 and changed.state["checks"] == 0
    assert changed.state["next_check_at"] == (at2 + timedelta(seconds=1800)).isoformat()
    assert changed.state["first_seen"] == T0.isoformat()


def test_kinds_title_lede_byline_and_revert() -> None:
    s1 = observe(None, article(), now=T0, policy=POLICY, partition=0).state
    at = T0 + timedelta(hours=1)
    v2 = observe(
        s1, article(("Kerry lands in Geneva.", *P1[1:], "A new paragraph."), title="New title",
                    authors=("Jane Doe", "John Roe"), at=at),
        now=at, policy=POLICY, partition=0,
    )
    assert v2.revision is not None
    assert set(v2.revision.kinds) == {
        "title_changed", "lede_changed", "body_edited", "paragraphs_added", "byline_changed",
    }
    assert v2.revision.title_old == "Syria talks" and v2.revision.title_new == "New title"
    v3 = observe(v2.state, article(at=at + timedelta(hours=1)), now=at, policy=POLICY, partition=0)
    assert v3.revision is not None and v3.version is not None
    assert v3.version.version == 3 and v3.version.revert_of == 1 and v3.revision.revert_of == 1
    assert "reverted" in v3.revision.kinds and "paragraphs_removed" in v3.revision.kinds


def test_bot_wall_is_not_an_edit() -> None:
    s1 = observe(None, article(), now=T0, policy=POLICY, partition=0).state
    wall = article(("Checking your browser before accessing the site.",))
    wall = wall.model_copy(update={"flags": wall.flags.model_copy(update={"bot_challenge": True})})
    seen = observe(s1, wall, now=T0, policy=POLICY, partition=0)
    assert seen.version is None and seen.revision is None and seen.state["content_hash"] == s1["content_hash"]


def test_schedule() -> None:
    assert next_check_at(T0, T0, 0, POLICY) == T0 + timedelta(seconds=1800)
    assert next_check_at(T0, T0, 1, POLICY) == T0 + timedelta(seconds=2700)
    assert next_check_at(T0, T0, 2, POLICY) == T0 + timedelta(seconds=4050)
    end = T0 + timedelta(days=7)
    # the last check lands on the horizon, then none
    assert next_check_at(T0, end - timedelta(minutes=1), 20, POLICY) == end
    assert next_check_at(T0, end, 0, POLICY) is None
    # intervals grow with unchanged checks, and the whole series is finite
    now, checks, times = T0, 0, []
    while (at := next_check_at(T0, now, checks, POLICY)) is not None:
        times.append(at)
        now, checks = at, checks + 1
    gaps = [(b - a).total_seconds() for a, b in zip([T0, *times], times, strict=False)]
    assert gaps[:3] == [1800, 2700, 4050] and times[-1] == end and len(times) < 25


def test_plan_recheck() -> None:
    state = observe(None, article().model_copy(update={"etag": '"e1"'}), now=T0, policy=POLICY, partition=5).state
    assert not is_due(state, T0 + timedelta(minutes=29))
    due_at = T0 + timedelta(minutes=30)
    assert is_due(state, due_at)
    request, after = plan_recheck(AID, state, now=due_at, policy=POLICY)
    assert request.reason == "recheck" and request.article_id == AID and request.etag == '"e1"'
    assert str(request.url) == state["url"] and request.host == "www.example.com"
    assert after["checks"] == 1 and after["partition"] == 5
    assert after["next_check_at"] == (due_at + timedelta(seconds=2700)).isoformat()
    assert not is_due(after, due_at)
    done = dict(state, next_check_at=None)
    assert not is_due(done, T0 + timedelta(days=30))
