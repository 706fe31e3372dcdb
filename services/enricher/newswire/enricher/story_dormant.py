"""Dormant stories: stories past the window, kept cut down for follow-ups that cite them.

A story leaving the window stays, cut down, for `StoryConfig.dormant_s` after it was last seen
(at most `dormant_stories`, the oldest going first) if it names an incident day and people or
places. An article reaches it again only on specific evidence, a convention of news: follow-ups
(hearings, funerals, anniversaries) cite the original day and names. It must name one of the
story's days (give or take `DAY_SLACK`) and one of its people or places, or two of its people
and places. The learned similarity then scores it like any candidate; joining it brings it back
into the window (`take`).

The index holds ordered sets (dicts to None), so candidates come in the same order under any
PYTHONHASHSEED.

Every change to the dormant set is journalled (`drain`): the enricher publishes it to a compacted
topic, and after a restart `restore` puts the stories back in the order they went to sleep, so the
index (and the order of its candidates) is the one an uninterrupted run has.
"""

from __future__ import annotations

import copy
import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from newswire.enricher.story_features import DAY_SLACK, ArticleVectors
from newswire.enricher.story_types import Story, StoryConfig

#: A dormant story keeps (and is reached by) its top days and ages, and its top people and
#: places of each kind: a follow-up cites the main ones.
DORMANT_DAYS = 4
DORMANT_NAMES = 5


@dataclass(frozen=True)
class DormantChange:
    """A change of the dormant set to publish: a story went to sleep ('dormant', the story), was
    brought back into the window ('revived', a copy of the cut-down story as it slept), or was
    dropped ('gone': expired, or beyond the count cap)."""

    story_id: str
    state: Literal["dormant", "revived", "gone"]
    story: Story | None


class DormantStories:
    """The dormant stories by id, their keys (day and name; name), their expiry heap, and the
    journal of changes not yet drained."""

    def __init__(self, config: StoryConfig) -> None:
        self.config = config
        self.stories: dict[str, Story] = {}
        self.by_day_name: dict[tuple[int, str], dict[str, None]] = {}
        self.by_name: dict[str, dict[str, None]] = {}
        self._expiry: list[tuple[datetime, str]] = []
        #: The last change of each story since the last `drain`, in the order of those changes.
        self._journal: dict[str, DormantChange] = {}
        #: While rebuilding: the stories restored from records, each with the last article time
        #: its record holds. A record holds every article of its story up to then (a later one
        #: would have revived it), so an article read back from the window that is not later
        #: must not join the story twice.
        self.restored: dict[str, datetime] = {}

    def keep(self, story: Story) -> None:
        """Keep a story leaving the window, cut down to a few terms per sub-centroid, if it names
        an incident day and people or places a follow-up can cite."""
        config = self.config
        if config.dormant_s <= 0 or config.dormant_stories <= 0:
            return
        parts = story.parts
        if not parts.days or not (parts.typed.get("person") or parts.typed.get("place")):
            return
        cut = config.dormant_terms
        story.centroid = dict(heapq.nlargest(cut, story.centroid.items(), key=lambda kv: kv[1]))
        story.norm = math.sqrt(sum(v * v for v in story.centroid.values()))
        for centroid in (parts.title, parts.body, parts.entities, parts.numbers):
            centroid.weights = dict(heapq.nlargest(cut, centroid.weights.items(), key=lambda kv: kv[1]))
            centroid.norm = math.sqrt(sum(v * v for v in centroid.weights.values()))
        top = config.top_entities
        parts.typed = {kind: Counter(dict(names.most_common(top))) for kind, names in parts.typed.items()}
        parts.days = Counter(dict(parts.days.most_common(DORMANT_DAYS)))
        parts.ages = Counter(dict(parts.ages.most_common(DORMANT_DAYS)))
        story.entities = Counter(dict(story.entities.most_common(top)))
        story.outlets = Counter(dict(story.outlets.most_common(top)))
        self._add(story)
        self._note(DormantChange(story.story_id, "dormant", story))

    def restore(self, story: Story) -> None:
        """Put back a story (already cut down) read from the dormant topic, journalling nothing."""
        self._add(story)
        self.restored[story.story_id] = story.last_seen

    def holds(self, story_id: str, when: datetime) -> bool:
        """Whether the record a story was restored from holds an article of this time."""
        until = self.restored.get(story_id)
        return until is not None and when <= until

    def drain(self) -> list[DormantChange]:
        """The changes since the last drain (the last one of each story), and forget them."""
        changes = list(self._journal.values())
        self._journal.clear()
        return changes

    def _note(self, change: DormantChange) -> None:
        self._journal.pop(change.story_id, None)
        self._journal[change.story_id] = change

    def _add(self, story: Story) -> None:
        self.stories[story.story_id] = story
        names = _names_of(story)
        for day in story.parts.days:
            for name in names:
                self.by_day_name.setdefault((day, name), {})[story.story_id] = None
        for name in names:
            self.by_name.setdefault(name, {})[story.story_id] = None
        heapq.heappush(self._expiry, (story.last_seen, story.story_id))

    def expire(self, now: datetime) -> None:
        """Forget the stories last seen longer than `dormant_s` ago, and the oldest beyond
        `dormant_stories`."""
        horizon = now.timestamp() - self.config.dormant_s
        heap = self._expiry
        while heap and (heap[0][0].timestamp() < horizon or len(self.stories) > self.config.dormant_stories):
            last_seen, sid = heapq.heappop(heap)
            story = self.stories.get(sid)
            if story is not None and story.last_seen == last_seen:
                self._forget(story)
                self._note(DormantChange(sid, "gone", None))

    def candidates(self, art: ArticleVectors) -> list[Story]:
        """The stories the article names the day and a person or place of, or two of the people
        and places of."""
        if not self.stories:
            return []
        names = dict.fromkeys((*art.typed.get("person", ()), *art.typed.get("place", ())))
        if not names:
            return []
        found: dict[str, None] = {}
        keys = self.by_day_name
        for day in sorted(art.days):
            for near in range(day - DAY_SLACK, day + DAY_SLACK + 1):
                for name in names:
                    for sid in keys.get((near, name), ()):
                        found[sid] = None
        shared: Counter[str] = Counter()
        for name in names:
            shared.update(list(self.by_name.get(name, ())))
        for sid, count in shared.items():
            if count >= 2:
                found[sid] = None
        return [self.stories[sid] for sid in found if sid in self.stories]

    def take(self, story_id: str) -> Story | None:
        """Remove a dormant story (an article joined it) and return it, if there is one."""
        story = self.stories.get(story_id)
        if story is not None:
            self._forget(story)
            # A copy: joining the article changes the story, the record keeps what slept.
            self._note(DormantChange(story_id, "revived", copy.deepcopy(story)))
        return story

    def _forget(self, story: Story) -> None:
        sid = story.story_id
        del self.stories[sid]
        names = _names_of(story)
        for day in story.parts.days:
            for name in names:
                ids = self.by_day_name.get((day, name))
                if ids is not None:
                    ids.pop(sid, None)
                    if not ids:
                        del self.by_day_name[(day, name)]
        for name in names:
            found = self.by_name.get(name)
            if found is not None:
                found.pop(sid, None)
                if not found:
                    del self.by_name[name]


def _names_of(story: Story) -> list[str]:
    """The top people and places of a story (what a follow-up names again)."""
    return [
        name
        for kind in ("person", "place")
        for name, _n in story.parts.typed.get(kind, Counter()).most_common(DORMANT_NAMES)
    ]
