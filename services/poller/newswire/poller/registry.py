"""The feed registry on Kafka: add, remove and list feeds (the compacted feeds topic, keyed by
feed id). Used by `newswire feeds`; aiokafka directly, as these are one-shot reads and writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from newswire.config import KafkaSettings
from newswire.contracts import FeedConfig, FeedStatus, utcnow
from newswire.contracts.ids import feed_id
from newswire.kafka.admin import ensure_topics
from newswire.kafka.clients import aiokafka_kwargs
from newswire.kafka.reader import read_to_end
from newswire.poller.feedlist import FeedEntry
from newswire.runtime.codec import decode_as, encode, encode_key
from newswire.topics import FEED_STATUS, FEEDS


def feed_config(
    entry: FeedEntry, *, existing: FeedConfig | None = None, enabled: bool = True
) -> FeedConfig:
    """The FeedConfig of a feed list entry (keeping what an existing config says otherwise)."""
    if existing is not None:
        return existing.model_copy(
            update={
                "title": entry.title or existing.title,
                "outlet": entry.outlet or existing.outlet,
                "enabled": enabled,
                "min_interval_s": entry.min_interval_s or existing.min_interval_s,
                "max_interval_s": entry.max_interval_s or existing.max_interval_s,
                "kind": entry.kind or existing.kind,
            }
        )
    return FeedConfig(
        feed_id=feed_id(entry.url),
        url=entry.url,
        title=entry.title,
        outlet=entry.outlet,
        enabled=enabled,
        min_interval_s=entry.min_interval_s,
        max_interval_s=entry.max_interval_s,
        kind=entry.kind,
        added_at=utcnow(),
    )


async def read_feeds(settings: KafkaSettings, timeout_s: float = 10.0) -> dict[str, FeedConfig]:
    """Every feed of the registry (latest record per feed id; tombstones remove), read to the
    current end of the topic. Disabled feeds are included (see `FeedConfig.enabled`)."""
    feeds: dict[str, FeedConfig] = {}
    async for msg in read_to_end(settings, FEEDS, timeout_s=timeout_s):
        if msg.value is None:
            if msg.key:
                feeds.pop(msg.key.decode("utf-8", "replace"), None)
            continue
        config = decode_as(FeedConfig, msg.value)
        feeds[config.feed_id] = config
    return feeds


async def publish(settings: KafkaSettings, configs: Sequence[FeedConfig]) -> None:
    """Produce FeedConfigs to the registry, keyed by feed id (creating the topic if missing)."""
    await ensure_topics(settings, (FEEDS,))
    producer = AIOKafkaProducer(**aiokafka_kwargs(settings), acks="all")
    await producer.start()
    try:
        topic = FEEDS.full_name(settings.topic_prefix)
        for config in configs:
            await producer.send_and_wait(
                topic, key=encode_key(config.feed_id), value=encode(FEEDS, config)
            )
    finally:
        await producer.stop()


def as_entry(item: FeedEntry | Mapping[str, Any] | str) -> FeedEntry:
    """A feed list entry from a FeedEntry, a URL, or a mapping `{url, title?, outlet?,
    min_interval_s?, max_interval_s?}` (the shape of feeds.yaml)."""
    if isinstance(item, FeedEntry):
        return item
    if isinstance(item, str):
        return FeedEntry(item.strip())
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"feed entry without a url: {dict(item)!r}")
    title, outlet = item.get("title"), item.get("outlet")
    return FeedEntry(
        url.strip(), str(title) if title else None, str(outlet) if outlet else None,
        _seconds(item, "min_interval_s"), _seconds(item, "max_interval_s"),
    )


def _seconds(item: Mapping[str, Any], key: str) -> int | None:
    """A positive whole number of seconds from a feed entry, or None; anything else is refused."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise ValueError(f"{key} must be a positive number of seconds, got {value!r}")
    return int(value)


async def add_feeds(
    settings: KafkaSettings, entries: Sequence[FeedEntry | Mapping[str, Any] | str]
) -> int:
    """Add (or re-enable, or retitle) feeds; returns how many configs were produced."""
    existing = await read_feeds(settings)
    configs = [
        feed_config(e, existing=existing.get(feed_id(e.url))) for e in map(as_entry, entries)
    ]
    await publish(settings, configs)
    return len(configs)


async def remove_feeds(settings: KafkaSettings, urls: Sequence[str]) -> list[FeedConfig]:
    """Disable feeds (the poller drops them); returns the configs produced. Unknown URLs are
    disabled too, so that a removal never depends on having read the registry first."""
    existing = await read_feeds(settings)
    configs = [
        feed_config(FeedEntry(url), existing=existing.get(feed_id(url)), enabled=False)
        for url in urls
    ]
    await publish(settings, configs)
    return configs


async def read_statuses(
    settings: KafkaSettings, *, tail: int = 20000, timeout_s: float = 10.0
) -> dict[str, FeedStatus]:
    """The latest FeedStatus of every feed seen in the last `tail` messages of each partition of
    the feed-status topic (the topic keeps days of history: the tail is enough for health)."""
    latest: dict[str, FeedStatus] = {}
    async for msg in read_to_end(settings, FEED_STATUS, tail=tail, timeout_s=timeout_s):
        try:
            status = decode_as(FeedStatus, msg.value)
        except Exception:  # a bad record must not hide the others
            continue
        previous = latest.get(status.feed_id)
        if previous is None or status.polled_at >= previous.polled_at:
            latest[status.feed_id] = status
    return latest
