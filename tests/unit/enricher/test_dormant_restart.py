"""Dormant stories survive a restart: the clustering step publishes every change of its dormant
set (a record when a story goes to sleep or is revived, a tombstone when it expires), and a state
rebuilt from those records, the merges and the window's articles clusters a late follow-up as an
uninterrupted run does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from newswire.contracts import DormantStory, EnrichedArticle, Entity, StoryUpdate
from newswire.enricher.logic import CrossArticle, DormantEmit, dormant_record, story_of
from newswire.enricher.stories import StoryConfig

from tests.factories import T0
from tests.unit.enricher.helpers import version_of

SATURDAY = T0 - timedelta(days=(T0.weekday() - 5) % 7)  # the day the first reports name
WHEN = f"{SATURDAY:%B} {SATURDAY.day}"


def _article(n: int, title: str, text: str, days: float, people: tuple[str, ...], place: str) -> EnrichedArticle:
    """An enriched article (as the per-article step hands it over) with these people and place."""
    version = version_of(f"https://o{n}.example/a{n}", title, text, T0 + timedelta(days=days), f"Outlet {n}")
    entities = (
        *(Entity(name=p, type="person", mentions=2, first_offset=0, salience=0.5) for p in people),
        Entity(name=place, type="place", mentions=1, first_offset=0, salience=0.3),
    )
    return EnrichedArticle(
        article_id=version.article_id, version=1, revision_id=version.revision_id,
        first_seen=version.first_seen, last_changed=version.first_seen, article=version.article,
        language="en", word_count=len(text.split()), reading_time_s=5, entities=entities,
        enriched_at=version.first_seen,
    )


SHOT = _article(1, "Man shot dead in Millbrook on Saturday",
                "Daniel Okafor, 34, was shot dead on Saturday night outside a bar in Millbrook, police said. "
                "Detectives appealed for witnesses.", 0, ("Daniel Okafor",), "Millbrook")
NAMED = _article(2, "Police name Millbrook shooting victim",
                 "The man shot outside a Millbrook bar on Saturday was Daniel Okafor, 34, police said. "
                 "Detectives appealed for witnesses.", 1, ("Daniel Okafor",), "Millbrook")
STABBED = _article(3, "Woman stabbed in Eastfield on Friday",
                   "Maria Costa, 51, was stabbed on Friday in Eastfield, police said.", 2, ("Maria Costa",),
                   "Eastfield")
MARKETS = _article(4, "Markets rally in London", "Shares rose broadly in London trading.", 40, (), "London")
COURT = _article(5, "Suspect in court over Millbrook killing of Daniel Okafor",
                 "A man appeared in court charged with the murder of Daniel Okafor, 34, who was shot dead "
                 f"outside a Millbrook bar on {WHEN}.", 60, ("Daniel Okafor",), "Millbrook")
FUNERAL = _article(6, "Funeral held for Millbrook shooting victim Daniel Okafor",
                   "Hundreds attended the funeral of Daniel Okafor, 34, who was shot dead outside a Millbrook "
                   f"bar on {WHEN}.", 62, ("Daniel Okafor",), "Millbrook")


class Published:
    """What a clustering step published: enriched articles, story updates, dormant changes."""

    def __init__(self, config: StoryConfig) -> None:
        self.state = CrossArticle(stories=config)
        self.articles: list[EnrichedArticle] = []
        self.updates: list[StoryUpdate] = []
        self.dormant: list[DormantEmit] = []

    def run(self, articles: list[EnrichedArticle]) -> list[str]:
        """Process the articles in order; their story ids."""
        ids = []
        for article in articles:
            final, updates, dormant = self.state.process(article, article.first_seen)
            self.articles.append(final)
            self.updates.extend(updates)
            self.dormant.extend(dormant)
            ids.append(final.story_id or "")
        return ids

    def rebuild(self, now: datetime, with_dormant: bool = True, window_only: bool = True) -> CrossArticle:
        """A fresh state from what was published, as the wiring rebuilds it: the dormant topic as
        compaction leaves it (latest record per story, read back from bytes), the merges, then the
        articles of the window (`window_only=False`: every article, as if all were recent)."""
        config = self.state.stories
        state = CrossArticle(stories=config)
        latest: dict[str, bytes] = {}
        for story_id, record in self.dormant:
            latest.pop(story_id, None)
            if record is not None:
                latest[story_id] = record.to_bytes()
        if with_dormant:
            for raw in latest.values():
                state.restore_dormant(DormantStory.model_validate_json(raw))
        for update in self.updates:
            state.restore_story(update)
        since = now - timedelta(seconds=config.window_s)
        for article in self.articles:
            if not window_only or article.first_seen >= since:
                state.restore_article(article)
        state.restored()
        return state


def _continue(state: CrossArticle, articles: list[EnrichedArticle]) -> list[str]:
    return [state.process(a, a.first_seen)[0].story_id or "" for a in articles]


def test_a_follow_up_after_a_restart_rejoins_the_story_that_was_dormant() -> None:
    published = Published(StoryConfig())
    shot, named, _stabbed, _markets = published.run([SHOT, NAMED, STABBED, MARKETS])
    assert shot == named and shot in published.state.clusterer.dormant
    assert [(sid, r.state if r else None) for sid, r in published.dormant][:1] == [(shot, "dormant")]
    uninterrupted = published.run([COURT])
    assert uninterrupted == [shot]
    restarted = Published(StoryConfig())
    restarted.run([SHOT, NAMED, STABBED, MARKETS])
    assert _continue(restarted.rebuild(MARKETS.first_seen), [COURT]) == [shot]
    # Before: the dormant index started empty after a restart, and the follow-up lost its story.
    assert _continue(restarted.rebuild(MARKETS.first_seen, with_dormant=False), [COURT]) != [shot]


@pytest.mark.parametrize("window_only", [True, False], ids=["window", "all read back"])
def test_a_story_revived_before_the_restart_continues_with_the_same_state(window_only: bool) -> None:
    """The revived base is on the topic; the window's articles join it again on the rebuild (and
    those its base holds do not, should they be read back too)."""
    published = Published(StoryConfig())
    published.run([SHOT, NAMED, STABBED, MARKETS, COURT])
    shot = published.articles[0].story_id
    assert (shot, "revived") in [(sid, r.state if r else None) for sid, r in published.dormant]
    rebuilt = published.rebuild(COURT.first_seen, window_only=window_only)
    assert shot in rebuilt.clusterer.stories and shot not in rebuilt.clusterer.dormant
    assert list(rebuilt.clusterer.dormant) == list(published.state.clusterer.dormant)
    assert _continue(rebuilt, [FUNERAL]) == published.run([FUNERAL]) == [shot]
    # The same story: its base and every article since. (Term weights differ a little: document
    # frequencies are learnt from the stream, and a rebuild has only the window's articles.)
    ours, theirs = rebuilt.clusterer.stories[shot], published.state.clusterer.stories[shot]
    assert (ours.size, ours.entities, ours.outlets, ours.parts.typed, ours.parts.days, ours.parts.ages) == (
        theirs.size, theirs.entities, theirs.outlets, theirs.parts.typed, theirs.parts.days, theirs.parts.ages)
    assert (ours.first_seen, ours.last_seen, ours.centroid.keys()) == (
        theirs.first_seen, theirs.last_seen, theirs.centroid.keys())


def test_window_articles_of_a_story_restored_asleep_do_not_join_it_twice() -> None:
    """A record holds every article of its sleeping story: read back among recent records (a
    backfill's old articles), they must not revive it nor count again."""
    published = Published(StoryConfig())
    shot = published.run([SHOT, NAMED, STABBED, MARKETS])[0]
    rebuilt = published.rebuild(MARKETS.first_seen, window_only=False)
    assert shot in rebuilt.clusterer.dormant and shot not in rebuilt.clusterer.stories
    assert rebuilt.clusterer.dormant[shot] == published.state.clusterer.dormant[shot]
    assert _continue(rebuilt, [COURT]) == [shot]


def test_a_record_restores_the_story_exactly() -> None:
    published = Published(StoryConfig())
    published.run([SHOT, NAMED, STABBED, MARKETS])
    for story in published.state.clusterer.dormant.values():
        record = DormantStory.model_validate_json(dormant_record(story, "dormant", T0).to_bytes())
        restored = story_of(record)
        assert restored == story
        assert list(restored.centroid) == list(story.centroid)  # the order breaks ties
        assert list(restored.parts.days) == list(story.parts.days)


def test_expiry_emits_tombstones_and_so_does_the_first_article_after_a_late_rebuild() -> None:
    config = StoryConfig(dormant_s=50 * 86400)
    published = Published(config)
    shot, _named, stabbed, _markets = published.run([SHOT, NAMED, STABBED, MARKETS])
    assert {sid for sid, _r in published.dormant} == {shot, stabbed}
    rebuilt = published.rebuild(MARKETS.first_seen)
    later = _article(7, "Rain in London", "It rained in London.", 70, (), "London")
    final, _updates, dormant = published.state.process(later, later.first_seen)  # not on the topic
    assert sorted(dormant, key=lambda d: d[0]) == sorted([(shot, None), (stabbed, None)], key=lambda d: d[0])
    assert published.state.clusterer.dormant == {}
    # A state rebuilt from records its replay drops publishes their tombstones with its next article.
    published.articles.append(final)
    stale = published.rebuild(later.first_seen, window_only=False)
    assert stale.clusterer.dormant == {}
    after = _article(8, "Sun in London", "The sun shone in London.", 71, (), "London")
    assert {sid for sid, r in stale.process(after, after.first_seen)[2] if r is None} >= {shot, stabbed}
    assert rebuilt.clusterer.dormant.keys() == {shot, stabbed}
