"""Streaming story clustering: each article joins a story or starts one, in arrival order.

Single-pass online clustering over a sliding time window. An article is a TF-IDF vector (title
words weighted up, then the lead of the body) with document frequencies learnt as the stream
flows, plus its set of canonical entities. It is compared with the centroids of candidate stories
(found through an inverted index of each story's terms, so the cost does not grow with the
window): the score mixes centroid cosine and entity overlap, decayed by the time since the story
was last seen. Above `threshold` the article joins the best story; otherwise it starts one. When
an article pulls its story close to another (centroid cosine, decayed by the gap between the two
stories' last articles, above `merge_threshold`), the two merge: the older story survives, so
story ids stay stable, and the merge is an event.

With a learned model (the default: `data/story_model.json`, see `story_model` and
`story_features`), the score is instead the model's probability that the candidate is the
article's story, from TF-IDF sub-vectors of title, body lead, entities and numbers, typed entity
overlap, incident keys (the day the article says the event happened, ages), time and outlet; a
second small model decides whether the best candidate is good enough or the article starts a new
story. When a runner-up candidate scores as surely the article's story as well (`merge_logit`),
the article links two fragments of one story and they merge, as above. A story leaving the window
stays, cut down, as a dormant candidate that an article reaches only by naming its incident day
and people or places (see `StoryConfig.dormant_s`). `StoryConfig(model="")` gives the hand-tuned
scorer above.

The parts, by what changes them: the data (`story_types`: config, a story's state, what is
reported), how an article is read (`story_vectors`, `story_features`; an outlet's repeated
template text is dropped from the lead first, `story_boilerplate`), the learned weights
(`story_model`), the dormant stories (`story_dormant`); here the window, the index, joins and
merges. Nothing depends on a set's iteration order: the same stream gives the same stories under
any PYTHONHASHSEED.

Hand-written rather than scikit-learn: sklearn's vectorisers and nearest-neighbour indices are
batch (fit, then query) and cannot learn document frequencies or grow/evict clusters one article
at a time, which is the whole point here. The state is plain dicts, so it can be rebuilt from
Kafka (see `restore` and `redirect`).
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from newswire.contracts.ids import story_id as make_story_id
from newswire.enricher.story_boilerplate import OutletRepeats
from newswire.enricher.story_dormant import DormantStories
from newswire.enricher.story_features import (
    ArticleVectors,
    article_signals,
    decision_features,
    dot,
    pair_features,
)
from newswire.enricher.story_model import StoryModel, load_model
from newswire.enricher.story_types import (
    Assignment,
    Candidate,
    Story,
    StoryChange,
    StoryConfig,
    StoryInput,
)
from newswire.enricher.story_vectors import (
    DocumentFrequencies,
    entity_key,
    featurise,
    tokens,
    vectorise,
)

__all__ = [
    "Assignment",
    "Candidate",
    "DocumentFrequencies",
    "Story",
    "StoryChange",
    "StoryClusterer",
    "StoryConfig",
    "StoryInput",
    "cosine",
    "featurise",
    "reads_as_headline",
    "tokens",
    "vectorise",
]


#: A sentence ending inside a title, before another that starts ("… seen on. It last …"); a
#: lowercase word before the stop, so abbreviations ("U.S. Army", "Mr. Lavrov") are no break.
_SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?]\s+[A-Z]")
#: A headline is at most this many words.
HEADLINE_MAX_WORDS = 25


def reads_as_headline(title: str) -> bool:
    """Whether a title reads as a headline, not as prose (a page's notice taken for its title):
    at most `HEADLINE_MAX_WORDS` words and not two sentences ending with a full stop. A story's
    shown title is the best fitting member title that does; another only when none does."""
    prose = title.rstrip().endswith(".") and bool(_SENTENCE_BREAK.search(title))
    return len(title.split()) <= HEADLINE_MAX_WORDS and not prose


def cosine(vec: dict[str, float], story: Story) -> float:
    """Cosine of a normalised vector and a story centroid."""
    if story.norm == 0.0:
        return 0.0
    return dot(vec, story.centroid) / story.norm


def _centroid_cosine(a: Story, b: Story) -> float:
    if a.norm == 0.0 or b.norm == 0.0:
        return 0.0
    small, large = (a, b) if len(a.centroid) <= len(b.centroid) else (b, a)
    return dot(small.centroid, large.centroid) / (a.norm * b.norm)


class StoryClusterer:
    """The online clusterer: all state of the clustering stage, one instance per process."""

    def __init__(self, config: StoryConfig | None = None) -> None:
        self.config = config or StoryConfig()
        self.df = DocumentFrequencies()
        self.stories: dict[str, Story] = {}
        self.article_story: dict[str, str] = {}
        self.redirects: dict[str, str] = {}
        self._postings: dict[str, dict[str, None]] = {}
        self._expiry: list[tuple[datetime, str]] = []
        self._article_expiry: list[tuple[datetime, str]] = []
        self._repeats = OutletRepeats(self.config.window_s)
        self.now: datetime | None = None
        #: Stories past the window, kept for follow-ups that cite them (learned model only).
        self.sleeping = DormantStories(self.config)
        self.model: StoryModel | None = load_model(self.config.model) if self.config.model else None

    @property
    def dormant(self) -> dict[str, Story]:
        """The dormant stories by id."""
        return self.sleeping.stories

    # -- public API --------------------------------------------------------------------------

    def resolve(self, story_id: str) -> str:
        """The surviving story of `story_id` after merges."""
        seen = 0
        while story_id in self.redirects and seen < 1000:
            story_id = self.redirects[story_id]
            seen += 1
        return story_id

    def add(self, item: StoryInput) -> Assignment:
        """Cluster one article (idempotent: a known article keeps its story, no change)."""
        known = self.article_story.get(item.article_id)
        if known is not None:
            return Assignment(item.article_id, self.resolve(known), 1.0, ())
        if self.model is not None:
            return self._add_learned(item, self.model)
        self._advance(item.published)
        vec = vectorise(item, self.df, self.config)
        scored = self._score_candidates(item, vec)
        best: Story | None = None
        best_score = 0.0
        if item.duplicate_of is not None:
            target = self.article_story.get(item.duplicate_of)
            if target is not None and self.resolve(target) in self.stories:
                best, best_score = self.stories[self.resolve(target)], 1.0
        if best is None and scored and scored[0][0] >= self.config.threshold:
            best_score, best = scored[0]
        changes: list[StoryChange] = []
        if best is None:
            story = self._new_story(item)
            self._join(story, item, vec)
            changes.append(StoryChange("created", story))
            return Assignment(item.article_id, story.story_id, 0.0, tuple(changes))
        self._join(best, item, vec)
        survivor = best
        for merged in self._merges(best, [other for _score, other in scored[1:]]):
            survivor, loser = self._merge(survivor, merged)
            changes.append(StoryChange("merged", loser, merged_into=survivor.story_id))
        changes.append(StoryChange("updated", survivor))
        return Assignment(item.article_id, survivor.story_id, best_score, tuple(changes))

    def restore(self, item: StoryInput, story_id: str) -> None:
        """Rebuild state: put an already-assigned article back into its story (no search). An
        article that the story's dormant record already holds (its story asleep, or revived
        after it) is only read (document frequencies, the window)."""
        if item.article_id in self.article_story:
            return
        art = self.featurise(item)
        if self.sleeping.holds(self.resolve(story_id), item.published):
            return
        self.place(item, art, story_id)

    # -- the learned similarity (also the steps `story_training` replays) --------------------

    def featurise(self, item: StoryInput) -> ArticleVectors:
        """Advance the window to the article and compute its vectors (learning their DF)."""
        self._advance(item.published)
        lead = self._repeats.clean(item.outlet, item.text, item.published, self.config.lead_words)
        return featurise(replace(item, text=lead) if lead is not item.text else item, self.df, self.config)

    def candidates(self, item: StoryInput, art: ArticleVectors) -> list[Candidate]:
        """Candidate stories from the inverted index, with pair features and similarity logits,
        best first (logits are 0 without a model)."""
        config = self.config
        query = heapq.nlargest(config.query_terms, art.combined.items(), key=lambda kv: kv[1])
        hits: dict[str, float] = {}
        for term, weight in query:
            for sid in self._postings.get(term, ()):
                hits[sid] = hits.get(sid, 0.0) + weight
        for key, weight in art.entities.items():
            for sid in self._postings.get(key, ()):
                hits[sid] = hits.get(sid, 0.0) + weight
        live = (self.stories.get(sid) for sid in heapq.nlargest(config.max_candidates, hits, key=hits.__getitem__))
        found = [
            self._candidate(item, art, story)
            for story in (*(s for s in live if s is not None), *self.sleeping.candidates(art))
        ]
        found.sort(key=lambda c: c.logit, reverse=True)
        return found

    def _candidate(self, item: StoryInput, art: ArticleVectors, story: Story) -> Candidate:
        """A story as a candidate of the article: its pair features and similarity logit."""
        features = pair_features(
            art,
            story.parts,
            cosine(art.combined, story),
            (item.published - story.last_seen).total_seconds() / 3600,
            (item.published - story.first_seen).total_seconds() / 3600,
            bool(item.outlet) and item.outlet in story.outlets,
            story.size,
        )
        model = self.model
        return Candidate(story, features, model.similarity.logit(features) if model else 0.0)

    def place(self, item: StoryInput, art: ArticleVectors, story_id: str) -> Story:
        """Put the article into the story `story_id` (created if unknown), without search."""
        target = self.resolve(story_id)
        story = self.stories.get(target) or self._revive(target)
        if story is None:
            story = Story(target, item.published, item.published, item.title)
            self.stories[target] = story
        self._join(story, item, art.combined, art)
        return story

    def _add_learned(self, item: StoryInput, model: StoryModel) -> Assignment:
        art = self.featurise(item)
        found = self.candidates(item, art)
        best: Story | None = None
        score = 0.0
        if item.duplicate_of is not None:
            target = self.article_story.get(item.duplicate_of)
            if target is not None and self.resolve(target) in self.stories:
                best, score = self.stories[self.resolve(target)], 1.0
        if best is None and found:
            values = decision_features((c.logit for c in found), len(found), article_signals(art))
            score = model.decision.probability(model.decision.logit(values))
            if score >= 0.5:
                best = found[0].story
                if best.story_id not in self.stories:
                    self._revive(best.story_id)
        if best is None:
            story = self.place(item, art, make_story_id(item.article_id))
            return Assignment(item.article_id, story.story_id, 0.0, (StoryChange("created", story),))
        self._join(best, item, art.combined, art)
        changes: list[StoryChange] = []
        survivor = best
        if found and best is found[0].story:
            for other in found[1 : 1 + self.config.merge_candidates]:
                if other.logit < self.config.merge_logit:
                    break
                if other.story.story_id in self.stories and other.story is not survivor:
                    survivor, loser = self._merge(survivor, other.story)
                    changes.append(StoryChange("merged", loser, merged_into=survivor.story_id))
        changes.append(StoryChange("updated", survivor))
        return Assignment(item.article_id, survivor.story_id, score, tuple(changes))

    def redirect(self, loser: str, survivor: str) -> None:
        """Rebuild state: a merge read back from the stories topic."""
        if loser == survivor:
            return
        self.redirects[loser] = survivor
        story = self.stories.pop(loser, None)
        target = self.stories.get(self.resolve(survivor))
        if story is not None and target is not None:
            self._absorb(target, story)

    # -- internals ---------------------------------------------------------------------------

    def _new_story(self, item: StoryInput) -> Story:
        story = Story(make_story_id(item.article_id), item.published, item.published, item.title)
        self.stories[story.story_id] = story
        return story

    def _score_candidates(self, item: StoryInput, vec: dict[str, float]) -> list[tuple[float, Story]]:
        config = self.config
        query = heapq.nlargest(config.query_terms, vec.items(), key=lambda kv: kv[1])
        hits: dict[str, float] = {}
        for term, weight in query:
            for sid in self._postings.get(term, ()):
                hits[sid] = hits.get(sid, 0.0) + weight
        entities = dict.fromkeys(item.entities)  # ordered: hit ties keep the article's order
        if config.entity_weight > 0:
            for name in entities:
                for sid in self._postings.get(entity_key(name), ()):
                    hits[sid] = hits.get(sid, 0.0) + config.entity_weight
        scored: list[tuple[float, Story]] = []
        for sid in heapq.nlargest(config.max_candidates, hits, key=hits.__getitem__):
            story = self.stories.get(sid)
            if story is None:
                continue
            score = cosine(vec, story)
            if entities and config.entity_weight > 0:
                top = {name for name, _n in story.entities.most_common(config.top_entities * 2)}
                overlap = sum(1 for name in entities if name in top) / len(entities)
                score += config.entity_weight * overlap
            gap = max(0.0, (item.published - story.last_seen).total_seconds())
            score *= 0.5 ** (gap / config.half_life_s)
            scored.append((score, story))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return scored

    def _join(
        self, story: Story, item: StoryInput, vec: dict[str, float], art: ArticleVectors | None = None
    ) -> None:
        centroid = story.centroid
        for term, weight in vec.items():
            centroid[term] = centroid.get(term, 0.0) + weight
        if len(centroid) > 2 * self.config.centroid_terms:
            keep = heapq.nlargest(self.config.centroid_terms, centroid.items(), key=lambda kv: kv[1])
            story.centroid = centroid = dict(keep)
        story.norm = math.sqrt(sum(v * v for v in centroid.values()))
        story.size += 1
        if art is not None:
            story.parts.add(art, self.config.centroid_terms)
        story.entities.update(list(dict.fromkeys(item.entities)))
        if item.outlet:
            story.outlets[item.outlet] += 1
        story.first_seen = min(story.first_seen, item.published)
        if item.published >= story.last_seen:
            story.last_seen = item.published
            heapq.heappush(self._expiry, (story.last_seen, story.story_id))
        fit = cosine(vec, story) - (0.0 if reads_as_headline(item.title) else 2.0)
        if fit > story.title_score and item.title:
            story.title, story.title_score = item.title, fit
        self._index(story, [*vec, *(entity_key(name) for name in dict.fromkeys(item.entities))])
        self.article_story[item.article_id] = story.story_id
        heapq.heappush(self._article_expiry, (item.published, item.article_id))

    def _index(self, story: Story, terms: Iterable[str]) -> None:
        cap = self.config.postings_per_term
        for term in terms:
            posting = self._postings.setdefault(term, {})
            posting.pop(story.story_id, None)
            posting[story.story_id] = None  # most recent last
            if len(posting) > cap:
                del posting[next(iter(posting))]

    def _merges(self, story: Story, others: list[Story]) -> list[Story]:
        """The runner-up candidates of the article whose centroid has come close to its story's
        (only the best few: comparing centroids is the costliest step of clustering)."""
        return [
            other
            for other in others[: self.config.merge_candidates]
            if other.story_id != story.story_id and other.story_id in self.stories
            and self._merge_score(story, other) >= self.config.merge_threshold
        ]

    def _merge_score(self, a: Story, b: Story) -> float:
        """Centroid cosine decayed by the gap between the two stories' last articles, with the
        join rule's half-life: two halves of one event converge while both are active; a story
        that went quiet a news cycle ago is a different (if similar-sounding) event."""
        gap = abs((a.last_seen - b.last_seen).total_seconds())
        decay: float = 0.5 ** (gap / self.config.half_life_s)
        return _centroid_cosine(a, b) * decay

    def _merge(self, a: Story, b: Story) -> tuple[Story, Story]:
        survivor, loser = (a, b) if (a.first_seen, a.story_id) <= (b.first_seen, b.story_id) else (b, a)
        self._absorb(survivor, loser)
        self.stories.pop(loser.story_id, None)
        self.redirects[loser.story_id] = survivor.story_id
        survivor.merged_from.append(loser.story_id)
        return survivor, loser

    def _absorb(self, survivor: Story, loser: Story) -> None:
        for term, weight in loser.centroid.items():
            survivor.centroid[term] = survivor.centroid.get(term, 0.0) + weight
        survivor.norm = math.sqrt(sum(v * v for v in survivor.centroid.values()))
        survivor.size += loser.size
        survivor.parts.absorb(loser.parts, self.config.centroid_terms)
        survivor.entities.update(loser.entities)
        survivor.outlets.update(loser.outlets)
        survivor.first_seen = min(survivor.first_seen, loser.first_seen)
        if loser.last_seen > survivor.last_seen:
            survivor.last_seen = loser.last_seen
            heapq.heappush(self._expiry, (survivor.last_seen, survivor.story_id))
        self._index(survivor, [*loser.centroid, *(entity_key(name) for name in loser.entities)])

    def _advance(self, now: datetime) -> None:
        """Move the window forward: stories and articles older than it are forgotten."""
        if self.now is not None and now <= self.now:
            return
        self.now = now
        horizon = now.timestamp() - self.config.window_s
        while self._expiry and self._expiry[0][0].timestamp() < horizon:
            last_seen, sid = heapq.heappop(self._expiry)
            story = self.stories.get(sid)
            if story is not None and story.last_seen == last_seen:
                del self.stories[sid]
                for term in story.centroid:
                    posting = self._postings.get(term)
                    if posting is not None:
                        posting.pop(sid, None)
                        if not posting:
                            del self._postings[term]
                if self.model is not None:
                    self.sleeping.keep(story)
        self.sleeping.expire(now)
        while self._article_expiry and self._article_expiry[0][0].timestamp() < horizon:
            _when, aid = heapq.heappop(self._article_expiry)
            self.article_story.pop(aid, None)

    def _revive(self, story_id: str) -> Story | None:
        """Bring a dormant story back into the window (an article joined it)."""
        story = self.sleeping.take(story_id)
        if story is None:
            return None
        self.stories[story_id] = story
        self._index(story, [*story.centroid, *(entity_key(name) for name in story.entities)])
        return story
