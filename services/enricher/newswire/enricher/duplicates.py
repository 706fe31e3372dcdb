"""Near-duplicates: the same wire story, lightly edited, on many sites (MinHash LSH).

Each article's body becomes a set of word shingles; datasketch's MinHash LSH finds earlier
articles whose estimated Jaccard similarity reaches the threshold, and the article is marked a
duplicate of the earliest of them. The index forgets articles older than the window.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Duplicate:
    """The earliest near-duplicate of an article and the estimated similarity to it."""

    article_id: str
    similarity: float


class DuplicateIndex:
    """MinHash LSH over word shingles of the article bodies seen within the window."""

    def __init__(
        self,
        threshold: float = 0.7,
        num_perm: int = 64,
        shingle: int = 4,
        min_words: int = 40,
        window_s: float = 3 * 86400.0,
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.min_words = min_words
        self.window_s = window_s
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        # One set of permutations for every sketch: datasketch draws them anew (the same, from
        # its fixed seed) for each MinHash it makes and keeps a copy in each, ~640 bytes of
        # every article in the window and ~0.05 ms of CPU per article.
        template = MinHash(num_perm=num_perm)
        self._permutations, self._scheme = template.permutations, template.scheme
        self._seen: dict[str, tuple[datetime, MinHash]] = {}
        self._expiry: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._seen)

    def minhash(self, text: str) -> MinHash | None:
        """The MinHash of the text's shingles, or None when the text is too short to compare."""
        words = _WORD.findall(text.lower())
        if len(words) < self.min_words:
            return None
        shingles = {" ".join(words[i : i + self.shingle]) for i in range(len(words) - self.shingle + 1)}
        sketch = MinHash(num_perm=self.num_perm, permutations=self._permutations, scheme=self._scheme)
        sketch.update_batch([s.encode("utf-8") for s in shingles])
        return sketch

    def check_and_add(self, article_id: str, text: str, published: datetime) -> Duplicate | None:
        """The earliest earlier near-duplicate of the article, then remember the article."""
        self._expire(published)
        if article_id in self._seen:
            return self._best(article_id, self._seen[article_id][1], self._seen[article_id][0])
        sketch = self.minhash(text)
        if sketch is None:
            return None
        found = self._best(article_id, sketch, published)
        self._lsh.insert(article_id, sketch)
        self._seen[article_id] = (published, sketch)
        heapq.heappush(self._expiry, (published, article_id))
        return found

    def _best(self, article_id: str, sketch: MinHash, published: datetime) -> Duplicate | None:
        best: tuple[datetime, str, float] | None = None
        for other in self._lsh.query(sketch):
            if other == article_id:
                continue
            when, other_sketch = self._seen[other]
            if when > published:
                continue
            similarity = float(np.clip(sketch.jaccard(other_sketch), 0.0, 1.0))
            if similarity >= self.threshold and (best is None or (when, other) < best[:2]):
                best = (when, other, similarity)
        return None if best is None else Duplicate(best[1], round(best[2], 4))

    def _expire(self, now: datetime) -> None:
        horizon = now.timestamp() - self.window_s
        while self._expiry and self._expiry[0][0].timestamp() < horizon:
            _when, aid = heapq.heappop(self._expiry)
            if aid in self._seen:
                del self._seen[aid]
                self._lsh.remove(aid)
