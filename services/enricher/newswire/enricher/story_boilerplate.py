"""An outlet's repeated text: sentences it has already published, dropped from an article's lead.

Pages carry their site's template text into the body (sign-up notices, "more videos" lists,
teasers of other stories) when extraction misses it. Repeated at the start of every article of an
outlet, it makes the outlet's unrelated reports look alike (their leads share it word for word)
and pushes the report itself out of the lead the clusterer reads. A convention of publishing, not
of a site: a report's own sentences are new; a sentence an outlet has already published is its
template (or a copy of its own earlier report, which the story's other words still join). So a
sentence of at least `MIN_WORDS` words that the same outlet published before, within the window,
is dropped before the lead is taken.

State: the digests of (outlet, sentence) with when each was last published, and an expiry heap
(an entry per article), bounded by the window like the rest of the clusterer's state: about
1.3 KB an article before this layout, ~0.9 KB with it (gva-dev: 8 sentences an article), so
~90 MB with 100,000 articles in the window. Digests are stable (blake2b), not Python's seeded
hash.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from datetime import datetime

#: Sentence ends and paragraph breaks.
_SENTENCE = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"0-9])|\n+")
#: Shorter sentences ("Police said.", "Watch:") are not template text worth a key.
MIN_WORDS = 4


def _digest(outlet: str, sentence: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{outlet}\x1f{sentence}".encode(), digest_size=8).digest())


class OutletRepeats:
    """The sentences each outlet published within the window (their digests)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        #: Digest -> when the outlet last published the sentence; per article, its digests
        #: (one heap entry an article, not one a sentence: ~110 bytes a sentence in all).
        self._last: dict[int, float] = {}
        self._expiry: list[tuple[float, tuple[int, ...]]] = []

    def clean(self, outlet: str, text: str, published: datetime, words: int) -> str:
        """The text's first `words` words of sentences the outlet has not published before (it
        learns them); the text itself without an outlet."""
        if not outlet or not text:
            return text
        now = published.timestamp()
        self._expire(now)
        kept: list[str] = []
        learnt: list[int] = []
        count = 0
        scanned = 0
        for raw in _SENTENCE.split(text):
            sentence = " ".join(raw.split())
            if not sentence:
                continue
            size = sentence.count(" ") + 1
            scanned += size
            if size >= MIN_WORDS:
                key = _digest(outlet, sentence)
                seen = key in self._last
                if self._last.get(key, -1.0) < now:
                    self._last[key] = now
                    learnt.append(key)
                if seen:
                    continue
            kept.append(sentence)
            count += size
            if count >= words or scanned >= 4 * words:
                break
        if learnt:
            heapq.heappush(self._expiry, (now, tuple(learnt)))
        return " ".join(kept)

    def _expire(self, now: float) -> None:
        horizon = now - self.window_s
        heap = self._expiry
        while heap and heap[0][0] < horizon:
            when, keys = heapq.heappop(heap)
            for key in keys:
                if self._last.get(key) == when:
                    del self._last[key]
