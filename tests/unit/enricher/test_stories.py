"""Online story clustering: join or start, stable ids, merges as events, the window, and the
state rebuilt from what was published."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from newswire.enricher.stories import (
    StoryClusterer,
    StoryConfig,
    StoryInput,
    _centroid_cosine,
    reads_as_headline,
    tokens,
)
from tests.factories import T0


def _item(n: int, title: str, minutes: int = 0, outlet: str = "o", entities: tuple[str, ...] = ()) -> StoryInput:
    return StoryInput(f"a{n}", title, "", T0 + timedelta(minutes=minutes), outlet, entities)


#: The hand-tuned scorer (join threshold, entity weight, merges): the tests of its rules.
HAND = ""

FED = ["Fed's Plosser sees high bar for change in taper pace", "Plosser: Fed taper pace should not slow",
       "Fed official Plosser says weather caused weak data, taper on track"]
PHONE = ["Apple unveils cheaper iPhone 5c model", "Cheaper iPhone 5c model from Apple goes on sale"]


def test_tokens_fold_case_possessives_and_plurals() -> None:
    assert tokens("Fed's officials SAID the Talks") == ["fed", "official", "talk"]


def test_articles_join_their_story_and_unrelated_ones_start_another() -> None:
    clusterer = StoryClusterer()
    fed = [clusterer.add(_item(i, t, i, f"o{i}")) for i, t in enumerate(FED)]
    phone = [clusterer.add(_item(10 + i, t, 10 + i)) for i, t in enumerate(PHONE)]
    assert len({a.story_id for a in fed}) == 1 and len({a.story_id for a in phone}) == 1
    assert fed[0].story_id != phone[0].story_id
    assert [c.event for c in fed[0].changes] == ["created"]
    assert [c.event for c in fed[1].changes] == ["updated"]
    story = clusterer.stories[fed[0].story_id]
    assert story.size == 3 and set(story.outlets) == {"o0", "o1", "o2"}
    assert story.first_seen == T0 and story.last_seen == T0 + timedelta(minutes=2)
    # The id is fixed by the first article: the same stream gives the same ids.
    again = StoryClusterer()
    assert again.add(_item(0, FED[0])).story_id == fed[0].story_id


def test_a_known_article_keeps_its_story_without_changes() -> None:
    clusterer = StoryClusterer()
    first = clusterer.add(_item(1, FED[0]))
    repeat = clusterer.add(_item(1, FED[0]))
    assert repeat.story_id == first.story_id and repeat.changes == ()


def test_entities_and_duplicates_pull_articles_together() -> None:
    strict = StoryConfig(threshold=0.5, model=HAND)
    clusterer = StoryClusterer(strict)
    a = clusterer.add(_item(1, "Talks resume in Geneva", 0, entities=("John Kerry", "Geneva")))
    b = clusterer.add(_item(2, "Kerry and Lavrov meet again", 1, entities=("John Kerry", "Geneva")))
    c = clusterer.add(StoryInput("a3", "Unrelated words entirely", "", T0, "o", (), duplicate_of="a1"))
    assert c.story_id == a.story_id
    assert b.story_id != a.story_id or b.score >= 0.5
    loose = StoryClusterer(replace(strict, entity_weight=0.6))
    a2 = loose.add(_item(1, "Talks resume in Geneva", 0, entities=("John Kerry", "Geneva")))
    b2 = loose.add(_item(2, "Kerry and Lavrov meet again", 1, entities=("John Kerry", "Geneva")))
    assert b2.story_id == a2.story_id


def test_two_stories_that_converge_merge_into_the_older() -> None:
    config = StoryConfig(threshold=0.3, merge_threshold=0.3, model=HAND)
    clusterer = StoryClusterer(config)
    first = clusterer.add(_item(1, "volcano erupts near village"))
    second = clusterer.add(_item(2, "airline flights cancelled airport", 1))
    assert first.story_id != second.story_id
    bridge = clusterer.add(_item(3, "volcano erupts near village airline flights cancelled airport", 2))
    events = [(c.event, c.story.story_id, c.merged_into) for c in bridge.changes]
    merged = [e for e in events if e[0] == "merged"]
    assert merged, events
    assert merged[0][2] == first.story_id and bridge.story_id == first.story_id
    assert clusterer.resolve(second.story_id) == first.story_id
    assert clusterer.stories[first.story_id].merged_from
    assert events[-1][0] == "updated"


def test_a_story_that_went_quiet_a_news_cycle_ago_does_not_merge() -> None:
    """The merge score decays with the gap between the stories' last articles (the join rule's
    half-life): a similar-sounding story from a day before is another event."""
    config = StoryConfig(threshold=0.3, merge_threshold=0.3, half_life_s=4 * 3600, model=HAND)
    clusterer = StoryClusterer(config)
    old = clusterer.add(_item(2, "airline flights cancelled airport", 0))
    day = 24 * 60
    fresh = clusterer.add(_item(1, "volcano erupts near village", day))
    assert fresh.story_id != old.story_id
    bridge = clusterer.add(_item(3, "volcano erupts near village airline flights cancelled airport", day + 1))
    assert bridge.story_id == fresh.story_id
    assert [c.event for c in bridge.changes] == ["updated"]
    assert clusterer.resolve(old.story_id) == old.story_id and old.story_id in clusterer.stories
    # The centroids are as close as in the test above; only the decay keeps them apart.
    a, b = clusterer.stories[fresh.story_id], clusterer.stories[old.story_id]
    assert _centroid_cosine(a, b) >= 0.3 > clusterer._merge_score(a, b)


def test_the_window_forgets_old_stories() -> None:
    clusterer = StoryClusterer(StoryConfig(window_s=3600))
    old = clusterer.add(_item(1, FED[0]))
    later = clusterer.add(_item(2, FED[1], minutes=180))
    assert later.story_id != old.story_id and old.story_id not in clusterer.stories
    assert "a1" not in clusterer.article_story


def test_restored_state_continues_the_same_stories() -> None:
    live = StoryClusterer()
    assigned = {i: live.add(_item(i, t, i)).story_id for i, t in enumerate(FED[:2] + PHONE)}
    rebuilt = StoryClusterer()
    for i, t in enumerate(FED[:2] + PHONE):
        rebuilt.restore(_item(i, t, i), assigned[i])
    nxt = _item(9, FED[2], 9)
    assert rebuilt.add(nxt).story_id == live.add(nxt).story_id == assigned[0]
    rebuilt.redirect(assigned[2], assigned[0])
    assert rebuilt.resolve(assigned[2]) == assigned[0]
    assert rebuilt.stories[assigned[0]].size == 5


def test_a_story_shows_a_headline_not_a_notice_taken_for_a_title() -> None:
    """A member whose title is prose (a page's notice: two sentences, a full stop) names the story
    only while no member has a headline; abbreviations do not make a headline prose."""
    notice = "This page was archived from its source. It last changed 40 days ago and is no longer checked."
    headline = "Fed official Plosser says weather caused weak data, taper on track"
    clusterer = StoryClusterer(StoryConfig(model=HAND))
    first = clusterer.add(StoryInput("a1", notice, FED[0], T0, "o1", ("Charles Plosser",), duplicate_of=None))
    assert clusterer.stories[first.story_id].title == notice
    second = clusterer.add(StoryInput("a2", headline, FED[0], T0 + timedelta(minutes=1), "o2", ("Charles Plosser",), duplicate_of="a1"))
    assert second.story_id == first.story_id
    assert clusterer.stories[first.story_id].title == headline
    assert reads_as_headline("U.S. Mr. Lavrov arrives in Geneva.") and not reads_as_headline(notice)


def _incident(n: int, title: str, text: str, days: float, people: tuple[str, ...], place: str) -> StoryInput:
    typed = (*(("person", p) for p in people), ("place", place))
    return StoryInput(
        f"a{n}", title, text, T0 + timedelta(days=days), f"o{n}",
        (*people, place), typed_entities=typed,
    )


SHOOTING = [
    _incident(1, "Man shot dead in Millbrook on Saturday",
              "Daniel Okafor, 34, was shot dead on Saturday night outside a bar in Millbrook, police said.",
              0, ("Daniel Okafor",), "Millbrook"),
    _incident(2, "Police name Millbrook shooting victim",
              "The man shot outside a Millbrook bar on Saturday was Daniel Okafor, 34, police said.",
              1, ("Daniel Okafor",), "Millbrook"),
]


def test_a_story_leaving_the_window_sleeps_cut_down_and_a_follow_up_naming_it_reaches_it() -> None:
    """Past the window a story naming an incident day and people is kept dormant, cut to a few
    terms; months later an article citing the day and a name (or two of its names) gets it as a
    candidate, an article sharing neither does not; joining it brings it back with its id."""
    config = StoryConfig(window_s=30 * 86400, dormant_terms=5)
    clusterer = StoryClusterer(config)
    story = clusterer.add(SHOOTING[0]).story_id
    assert clusterer.add(SHOOTING[1]).story_id == story
    saturday = T0 - timedelta(days=(T0.weekday() - 5) % 7)  # the day the first reports name
    when = f"{saturday:%B} {saturday.day}"
    hearing = _incident(3, "Suspect in court over Millbrook killing",
                        f"A man appeared in court charged with the murder of Daniel Okafor, who was shot on {when}.",
                        120, ("Daniel Okafor",), "Springfield")
    unrelated = _incident(4, "Council approves Millbrook budget",
                          "Millbrook council approved its budget on Tuesday.", 120, ("Ann Lee",), "Millbrook")
    art = clusterer.featurise(hearing)
    assert story not in clusterer.stories and story in clusterer.dormant
    sleeping = clusterer.dormant[story]
    assert len(sleeping.centroid) <= 5 and len(sleeping.parts.title.weights) <= 5
    assert [c.story.story_id for c in clusterer.candidates(hearing, art)] == [story]
    assert clusterer.candidates(unrelated, clusterer.featurise(unrelated)) == []
    two_names = _incident(5, "Vigil held", "A vigil for Daniel Okafor was held in Millbrook.", 121,
                          ("Daniel Okafor",), "Millbrook")
    assert story in [c.story.story_id for c in clusterer.candidates(two_names, clusterer.featurise(two_names))]
    revived = clusterer.place(hearing, art, story)
    assert revived.story_id == story and story in clusterer.stories and story not in clusterer.dormant
    assert revived.size == 3


def test_dormant_stories_are_bounded_in_age_and_count() -> None:
    clusterer = StoryClusterer(StoryConfig(window_s=86400, dormant_s=10 * 86400, dormant_stories=1))
    first = clusterer.add(SHOOTING[0]).story_id
    other = _incident(7, "Woman stabbed in Eastfield on Friday",
                      "Maria Costa, 51, was stabbed on Friday in Eastfield.", 3, ("Maria Costa",), "Eastfield")
    second = clusterer.add(other).story_id
    clusterer.featurise(_incident(8, "Weather", "Rain.", 5, (), "Nowhere"))
    assert list(clusterer.dormant) == [second] and first not in clusterer.dormant  # count cap: oldest goes
    clusterer.featurise(_incident(9, "Weather", "Sun.", 20, (), "Nowhere"))
    assert clusterer.dormant == {} and clusterer.sleeping.by_name == {} and clusterer.sleeping.by_day_name == {}


def test_without_a_day_or_people_a_story_does_not_sleep() -> None:
    clusterer = StoryClusterer(StoryConfig(window_s=86400))
    clusterer.add(_incident(1, "Markets rally", "Shares rose broadly.", 0, (), "London"))
    clusterer.featurise(_incident(2, "Weather", "Rain.", 3, (), "Nowhere"))
    assert clusterer.dormant == {}
