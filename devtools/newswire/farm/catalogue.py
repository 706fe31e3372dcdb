"""What every outlet has published, and when: the initial set, arrivals over time and edits.

The catalogue is a small deterministic state machine driven by :meth:`Catalogue.advance` with
the current time (no I/O, no clock of its own). Arrival ``k`` is due at ``start + (k + 1) /
arrival_rate``; edits are due at their scheduled time. Whatever is due is applied lazily on
the next call, with its scheduled (not observed) timestamp.

Placement: seed text ``k`` goes to the ``k``-th live outlet; the revision article(s) go to the
first live outlet (outlet 0 unless it is dead), next to its seed text.
"""

from __future__ import annotations

import dataclasses
import heapq
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from newswire.farm.config import FarmConfig
from newswire.farm.content import (
    article_rng,
    edit_paragraphs,
    generate_article,
    person_name,
    slugify,
)
from newswire.farm.fixtures import FixtureSet
from newswire.farm.model import Article, ArticleRecord, ArticleVersion, Outlet, iso
from newswire.farm.render import feed_link

__all__ = ["Catalogue"]

# Where the initial articles sit in time, relative to the start.
SEED_AGE_S = 45 * 60
REVISION_AGE_S = 10 * 60


class Catalogue:
    """All articles of all outlets, with scheduled arrivals and edits."""

    def __init__(
        self, outlets: Sequence[Outlet], config: FarmConfig, fixtures: FixtureSet, started_at: float
    ) -> None:
        self.outlets = list(outlets)
        self.config = config
        self.fixtures = fixtures
        self.started_at = started_at
        self.live = [o.index for o in self.outlets if not o.dead]
        self._articles: list[list[Article]] = [[] for _ in self.outlets]
        self._by_path: dict[tuple[int, str], Article] = {}
        self._titles: set[str] = set()
        self._next_serial = [0] * len(self.outlets)
        self._pending: list[tuple[float, int, Article]] = []
        self._seq = 0
        self._arrivals = 0
        self._arrival_rng = random.Random(f"newswire-farm:{config.seed}:arrivals")
        self._edits_applied = [0] * len(self.outlets)
        self._now = started_at
        self._build_initial()

    # -- building --------------------------------------------------------------------------

    def _path(self, outlet: Outlet, published_at: float, title: str, prefix: str) -> str:
        d = datetime.fromtimestamp(published_at, UTC)
        base = f"{prefix}/{d:%Y/%m/%d}/{slugify(title)}"
        path, n = f"{base}.html", 2
        while (outlet.index, path) in self._by_path:
            path, n = f"{base}-{n}.html", n + 1
        return path

    def _add(
        self,
        outlet: Outlet,
        *,
        key: str,
        title: str,
        author: str,
        category: str,
        paragraphs: tuple[str, ...],
        published_at: float,
        source: str,
    ) -> Article:
        prefix = "/story" if outlet.behaviour.redirect_articles else "/news"
        link_path = self._path(outlet, published_at, title, "/news")
        path = prefix + link_path.removeprefix("/news")
        art = Article(
            outlet=outlet.index,
            serial=len(self._articles[outlet.index]),
            guid=f"urn:newswire-farm:{outlet.slug}:{key}",
            title=title,
            author=author,
            category=category,
            path=path,
            link_path=link_path,
            published_at=published_at,
            versions=[ArticleVersion(paragraphs, published_at)],
            source=source,
        )
        self._articles[outlet.index].append(art)
        self._by_path[(outlet.index, path)] = art
        if link_path != path:
            self._by_path[(outlet.index, link_path)] = art
        self._titles.add(title)
        return art

    def _schedule(self, art: Article, version: ArticleVersion) -> None:
        art.pending.append(version)
        heapq.heappush(self._pending, (version.modified_at, self._seq, art))
        self._seq += 1

    def _generated(self, outlet: Outlet, published_at: float) -> Article:
        cfg = self.config
        serial = self._next_serial[outlet.index]
        self._next_serial[outlet.index] += 1
        gen = generate_article(cfg.seed, outlet.index, serial, taken=self._titles)
        art = self._add(
            outlet,
            key=f"{serial:06d}",
            title=gen.title,
            author=gen.author,
            category=gen.category,
            paragraphs=gen.paragraphs,
            published_at=published_at,
            source="generated",
        )
        rng = article_rng(cfg.seed, outlet.index, serial, "edit")
        if cfg.edit_rate > 0 and rng.random() < cfg.edit_rate:
            delay = cfg.generated_edit_after_s
            delay = cfg.edit_after_s if delay is None else delay
            due = max(published_at, self.started_at) + delay
            new, _ = edit_paragraphs(gen.paragraphs, rng)
            self._schedule(art, ArticleVersion(new, due))
        return art

    def _build_initial(self) -> None:
        if not self.live:
            return
        start = self.started_at
        outlets = {o.index: o for o in self.outlets}
        for k, seed in enumerate(self.fixtures.seeds):
            outlet = outlets[self.live[k % len(self.live)]]
            rng = article_rng(self.config.seed, outlet.index, k, "seed")
            self._add(
                outlet,
                key=f"s{k}",
                title=seed.title,
                author=person_name(rng),
                category="World",
                paragraphs=seed.paragraphs,
                published_at=start - SEED_AGE_S + 60 * k,
                source=f"seed:{seed.name}",
            )
        for k, rev in enumerate(self.fixtures.revisions):
            outlet = outlets[self.live[0]]
            published = start - REVISION_AGE_S + 60 * k
            rng = article_rng(self.config.seed, outlet.index, k, "revision")
            art = self._add(
                outlet,
                key=f"r{k}",
                title=rev.title,
                author=person_name(rng),
                category="World",
                paragraphs=rev.versions[0],
                published_at=published,
                source=f"revision:{rev.name}",
            )
            for v, paragraphs in enumerate(rev.versions[1:], start=1):
                due = start + v * self.config.edit_after_s
                self._schedule(art, ArticleVersion(paragraphs, due))
        for idx in self.live:
            outlet = outlets[idx]
            rng = random.Random(f"newswire-farm:{self.config.seed}:{idx}:initial-times")
            n = self.config.articles_per_outlet
            gaps = [rng.uniform(600, 3600) for _ in range(n)]
            for j in range(n):
                self._generated(outlet, start - sum(gaps[j:]))
        for arts in self._articles:
            arts.sort(key=lambda a: a.published_at)

    # -- time ------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        """Publish due arrivals and apply due edits, in time order."""
        if now <= self._now:
            return
        self._now = now
        rate = self.config.arrival_rate
        outlets = self.outlets
        while True:
            next_arrival = (
                self.started_at + (self._arrivals + 1) / rate if rate > 0 and self.live else None
            )
            next_edit = self._pending[0][0] if self._pending else None
            if next_arrival is not None and next_arrival <= now and (
                next_edit is None or next_arrival <= next_edit
            ):
                self._arrivals += 1
                idx = self._arrival_rng.choice(self.live)
                self._generated(outlets[idx], next_arrival)
            elif next_edit is not None and next_edit <= now:
                _, _, art = heapq.heappop(self._pending)
                version = art.pending.pop(0)
                art.versions.append(version)
                self._edits_applied[art.outlet] += 1
            else:
                break

    def release_edits(self, now: float) -> int:
        """Make each article's next scheduled edit go live at `now` (the demo shows its edit once
        the system has seen the first version, rather than on a clock that a slow machine
        misses); later versions keep their times. Returns how many edits were released."""
        entries: list[tuple[float, int, Article]] = []
        released = 0
        for due, seq, art in self._pending:
            head = art.pending[0] if art.pending else None
            if due > now and head is not None and head.modified_at == due:
                art.pending[0] = dataclasses.replace(head, modified_at=now)
                due = now
                released += 1
            entries.append((due, seq, art))
        heapq.heapify(entries)
        self._pending = entries
        self._now = min(self._now, now - 1e-6)  # apply them now, even at an instant already seen
        self.advance(now)
        return released

    # -- queries ---------------------------------------------------------------------------

    def get(self, outlet: int, path: str) -> Article | None:
        """The article at a canonical (or feed-link) path of an outlet."""
        return self._by_path.get((outlet, path))

    def latest(self, outlet: int, limit: int) -> list[Article]:
        """Newest first, up to ``limit``."""
        return self._articles[outlet][::-1][:limit]

    def published(self, outlet: int) -> int:
        """How many articles the outlet has published."""
        return len(self._articles[outlet])

    def edits_applied(self, outlet: int) -> int:
        """How many edits went live on the outlet."""
        return self._edits_applied[outlet]

    def all_articles(self) -> list[Article]:
        """Every published article, outlet by outlet, oldest first."""
        return [a for arts in self._articles for a in arts]

    def record(self, art: Article) -> ArticleRecord:
        """Ground-truth record of one article."""
        outlet = self.outlets[art.outlet]
        return ArticleRecord(
            outlet=outlet.index,
            outlet_name=outlet.name,
            host=outlet.host,
            url=outlet.url(art.path),
            link=feed_link(outlet, art, outlet.feed_format),
            title=art.title,
            paragraphs=len(art.current.paragraphs),
            versions=len(art.versions),
            published=iso(art.published_at),
            modified=iso(art.modified_at),
            guid=art.guid,
            source=art.source,
            author=art.author,
            category=art.category,
            faults=outlet.behaviour.faults,
            text=art.current.paragraphs,
            published_ts=art.published_at,
        )

    def records(self) -> list[ArticleRecord]:
        """Ground-truth records of every published article."""
        return [self.record(a) for a in self.all_articles()]
