"""A feed's items: their identity (GUID, else the normalised link), the per-feed seen keys and their expiry, the cross-feed window of recent URLs, a listing's content fingerprint, and the FetchRequest an item becomes. Split from `logic` (the poll's decisions) in #19: one reason to change each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime

from newswire.contracts import FeedItemHint, FetchRequest
from newswire.contracts.ids import article_id, host_of, normalise_url
from newswire.poller.parsing import ParsedItem
from newswire.poller.state import (
    SeenRecord,
)


# -- identity and dedupe ----------------------------------------------------------------------


def item_identity(item: ParsedItem) -> str | None:
    """What makes an item the same item across polls: its GUID, else its normalised link."""
    if item.guid:
        return f"guid:{item.guid}"
    if item.link:
        return f"link:{normalise_url(item.link)}"
    return None


def seen_key(feed_id: str, identity: str) -> str:
    """Key of the `seen` table."""
    return f"{feed_id}|{identity}"


def new_items(
    feed_id: str, items: Sequence[ParsedItem], seen: Callable[[str], bool]
) -> list[tuple[str, ParsedItem]]:
    """Items not seen before (by `seen(key)`), each with its seen-table key; duplicates within
    the document and items without a usable link are skipped."""
    out: list[tuple[str, ParsedItem]] = []
    keys: set[str] = set()
    for item in items:
        identity = item_identity(item)
        if identity is None or item.link is None:
            continue
        key = seen_key(feed_id, identity)
        if key in keys or seen(key):
            continue
        keys.add(key)
        out.append((key, item))
    return out


def seen_expired(first_seen: float, now: float, ttl_s: float) -> bool:
    """True if a seen (or recently requested URL) entry may be dropped."""
    return now - first_seen > ttl_s


def seen_digest(key: str) -> str:
    """The compact form of a seen key kept in a feed's seen set (64 bits: collisions within
    one feed's few thousand identities are negligible)."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def merge_seen(
    current: SeenRecord | None, keys: Sequence[str], now: float, ttl_s: float, cap: int
) -> SeenRecord:
    """A feed's seen set ({digest: first seen}) with `keys` added, entries older than `ttl_s`
    dropped and at most `cap` entries kept (the newest): bounded memory per feed, and one table
    write per poll instead of one per item."""
    before = current.first_seen if current is not None else {}
    merged = {d: t for d, t in before.items() if now - t <= ttl_s}
    for key in keys:
        merged.setdefault(seen_digest(key), now)
    if len(merged) > cap:
        merged = dict(sorted(merged.items(), key=lambda kv: kv[1])[-cap:])
    return SeenRecord(first_seen=merged)


class RecentUrls:
    """Article ids requested within a window, across every feed of this process: an item listed
    by two feeds is requested once. In memory and bounded (oldest forgotten first); a restart
    forgets it, which costs at most a repeated, idempotent fetch request."""

    def __init__(self, window_s: float, cap: int = 500_000) -> None:
        self.window_s = window_s
        self.cap = cap
        self._at: dict[str, float] = {}

    def recent(self, aid: str, now: float) -> bool:
        at = self._at.get(aid)
        return at is not None and now - at <= self.window_s

    def add(self, aids: Sequence[str], now: float) -> None:
        for aid in aids:
            self._at.pop(aid, None)
            self._at[aid] = now  # dicts keep insertion order: oldest first
        while len(self._at) > self.cap:
            del self._at[next(iter(self._at))]

    def __len__(self) -> int:
        return len(self._at)


def content_fingerprint(items: Sequence[ParsedItem]) -> str:
    """A hash of what a document says (its items' identities, titles and dates), insensitive to
    item order and to churn outside the items (e.g. `lastBuildDate`)."""
    parts = sorted(
        f"{item_identity(i)}\x1f{i.title or ''}\x1f{i.updated or i.published or ''}" for i in items
    )
    return hashlib.blake2b("\x1e".join(parts).encode("utf-8"), digest_size=16).hexdigest()


# -- messages ---------------------------------------------------------------------------------


def fetch_request(feed_id: str, item: ParsedItem, now: datetime) -> FetchRequest | None:
    """The FetchRequest of a new item (None if its link is unusable)."""
    if item.link is None:
        return None
    try:
        host = host_of(item.link)
        hint = FeedItemHint(
            guid=item.guid,
            title=item.title,
            published=item.published,
            updated=item.updated,
            authors=item.authors,
            categories=item.categories,
            summary=item.summary,
            image_url=item.image_url,
        )
        return FetchRequest(
            url=item.link,
            host=host,
            article_id=article_id(item.link),
            reason="new",
            requested_at=now,
            feed_id=feed_id,
            item=hint,
        )
    except ValueError:  # pydantic's ValidationError included: an unusable link is skipped
        return None
