"""The topic registry: every topic declared once, with its key, value model and configuration.

Topic names carry the contract version (`newswire.articles.enriched.v1`): a breaking change to a
message gets a new topic, never a silent edit of the old one. Partition counts are the unit of
parallelism of each stage (instances beyond the partition count sit idle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from newswire.contracts import (
    ArticleVersion,
    Contract,
    DeadLetter,
    DormantStory,
    EnrichedArticle,
    FeedConfig,
    FeedStatus,
    FetchedPage,
    FetchRequest,
    NormalisedArticle,
    RecheckResult,
    RevisionEvent,
    StoryUpdate,
)

DAY_MS = 24 * 3600 * 1000
MIB = 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    """One topic: the contract between the stages that produce and consume it."""

    name: str
    key: str
    value: type[Contract]
    partitions: int
    description: str
    cleanup_policy: Literal["delete", "compact"] = "delete"
    retention_ms: int | None = 7 * DAY_MS
    max_message_bytes: int = 1 * MIB
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()
    internal: bool = False
    extra_config: dict[str, str] = field(default_factory=dict)

    def full_name(self, prefix: str = "") -> str:
        """The topic's name in a deployment (tests and tenants prefix it)."""
        return f"{prefix}{self.name}"

    def kafka_config(self) -> dict[str, str]:
        """Topic-level configuration for CreateTopics."""
        config = {
            "cleanup.policy": self.cleanup_policy,
            "max.message.bytes": str(self.max_message_bytes),
        }
        if self.retention_ms is not None:
            config["retention.ms"] = str(self.retention_ms)
        elif self.cleanup_policy == "delete":
            config["retention.ms"] = "-1"
        return {**config, **self.extra_config}


FEEDS = TopicSpec(
    name="newswire.feeds.v1",
    key="feed_id",
    value=FeedConfig,
    partitions=4,
    cleanup_policy="compact",
    retention_ms=None,
    description="The feed registry: one record per feed, latest wins; a tombstone removes it.",
    producers=("cli",),
    consumers=("poller",),
    extra_config={"min.compaction.lag.ms": "0", "segment.ms": str(DAY_MS)},
)
FEED_STATUS = TopicSpec(
    name="newswire.feeds.status.v1",
    key="feed_id",
    value=FeedStatus,
    partitions=4,
    retention_ms=14 * DAY_MS,
    description="The outcome of every poll: feed health over time.",
    producers=("poller",),
    consumers=("sink",),
)
FETCH_REQUESTS = TopicSpec(
    name="newswire.fetch-requests.v1",
    key="host",
    value=FetchRequest,
    partitions=8,
    description="Pages to fetch, new and re-checks. Keyed by host: per-host politeness is local "
    "to one partition, so one fetcher instance owns each host.",
    producers=("poller", "tracker"),
    consumers=("fetcher",),
)
FETCH_REQUESTS_BACKFILL = TopicSpec(
    name="newswire.fetch-requests.backfill.v1",
    key="host",
    value=FetchRequest,
    partitions=8,
    retention_ms=30 * DAY_MS,
    description="Pages to fetch for a backfill (`newswire backfill`: the older articles an "
    "outlet's sitemaps list), keyed by host like the live requests. A topic of its own, not a "
    "priority field: within one partition Kafka delivers in order, so a backfill of thousands "
    "on the live topic would sit in front of the host's new links; here it is a separate "
    "backlog the fetcher reads at a lower priority (small concurrency, after live requests).",
    producers=("cli",),
    consumers=("fetcher",),
)
PAGES = TopicSpec(
    name="newswire.pages.v1",
    key="article_id",
    value=FetchedPage,
    partitions=8,
    retention_ms=3 * DAY_MS,
    max_message_bytes=16 * MIB,
    description="Fetched pages (decoded HTML) and fetch failures.",
    producers=("fetcher",),
    consumers=("normaliser", "archiver"),
)
ARTICLES_NORMALISED = TopicSpec(
    name="newswire.articles.normalised.v1",
    key="article_id",
    value=NormalisedArticle,
    partitions=8,
    max_message_bytes=4 * MIB,
    description="Clean text and metadata of each fetched article.",
    producers=("normaliser",),
    consumers=("tracker",),
)
RECHECKS = TopicSpec(
    name="newswire.rechecks.v1",
    key="article_id",
    value=RecheckResult,
    # The tracker's table is co-partitioned with articles.normalised and its handler writes the
    # table in the message's own partition: the counts must be equal.
    partitions=ARTICLES_NORMALISED.partitions,
    retention_ms=3 * DAY_MS,
    description="The outcome of every re-check fetch (status, failure class, final URL), without "
    "the page: how the tracker learns that an article is gone or has moved.",
    producers=("fetcher", "normaliser"),
    consumers=("tracker",),
)
ARTICLES_VERSIONS = TopicSpec(
    name="newswire.articles.versions.v1",
    key="article_id",
    value=ArticleVersion,
    partitions=8,
    max_message_bytes=4 * MIB,
    description="Each new article (version 1) and each changed one (version n+1).",
    producers=("tracker",),
    consumers=("enricher",),
)
ARTICLES_REVISIONS = TopicSpec(
    name="newswire.articles.revisions.v1",
    key="article_id",
    value=RevisionEvent,
    partitions=8,
    retention_ms=30 * DAY_MS,
    max_message_bytes=4 * MIB,
    description="Revision events: what changed in a published article, with the diff.",
    producers=("tracker",),
    consumers=("sink",),
)
ARTICLES_ENRICHED = TopicSpec(
    name="newswire.articles.enriched.v1",
    key="article_id",
    value=EnrichedArticle,
    partitions=8,
    retention_ms=30 * DAY_MS,
    max_message_bytes=4 * MIB,
    description="Articles with entities, keyphrases, quotes, duplicates and story ids.",
    producers=("enricher",),
    consumers=("sink",),
)
STORIES = TopicSpec(
    name="newswire.stories.v1",
    key="story_id",
    value=StoryUpdate,
    partitions=1,
    cleanup_policy="compact",
    retention_ms=None,
    description="The latest state of every story (compacted). One partition: world news is tens "
    "of articles per second, well within one clustering instance.",
    producers=("enricher",),
    consumers=("sink",),
    extra_config={"min.compaction.lag.ms": "0"},
)
DLQ = TopicSpec(
    name="newswire.dlq.v1",
    key="stage",
    value=DeadLetter,
    partitions=1,
    retention_ms=30 * DAY_MS,
    max_message_bytes=24 * MIB,
    description="Dead letters of every stage: the original bytes and the reason. "
    "Inspect with `newswire dlq list`, re-inject with `newswire dlq replay`.",
    producers=("poller", "fetcher", "normaliser", "tracker", "enricher", "sink"),
    consumers=("sink", "cli"),
)

PUBLIC_TOPICS: tuple[TopicSpec, ...] = (
    FEEDS,
    FEED_STATUS,
    FETCH_REQUESTS,
    FETCH_REQUESTS_BACKFILL,
    PAGES,
    RECHECKS,
    ARTICLES_NORMALISED,
    ARTICLES_VERSIONS,
    ARTICLES_REVISIONS,
    ARTICLES_ENRICHED,
    STORIES,
    DLQ,
)

STAGES: tuple[str, ...] = ("poller", "fetcher", "normaliser", "tracker", "enricher", "sink", "archiver")


def retry_topic(stage: str) -> str:
    """The base name of a stage's retry topic (internal: original bytes, retry headers)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    return f"newswire.{stage}.retry.v1"


def retry_spec(stage: str) -> TopicSpec:
    """A stage's internal retry topic. Its messages are DeadLetter envelopes with `retry_at` set
    (the original bytes inside), so it takes the dead-letter topic's size limit."""
    return TopicSpec(
        name=retry_topic(stage),
        key="stage",
        value=DeadLetter,
        partitions=1,
        retention_ms=7 * DAY_MS,
        max_message_bytes=DLQ.max_message_bytes,
        description=f"Messages the {stage} will try again, each due at its `retry_at`.",
        producers=(stage,),
        consumers=(stage,),
        internal=True,
    )


#: The enricher's hand-off from its per-article agents (which scale with partitions) to its single
#: clustering agent (a story spans outlets on every partition). Internal: no other team reads it.
ENRICHER_CLUSTERING = TopicSpec(
    name="newswire.enricher.clustering.v1",
    key="article_id",
    value=EnrichedArticle,
    partitions=1,
    retention_ms=7 * DAY_MS,
    max_message_bytes=4 * MIB,
    description="Per-article enrichment awaiting the (single-partition) clustering step: enriched "
    "articles without story, duplicate or cross-article canonical names.",
    producers=("enricher",),
    consumers=("enricher",),
    internal=True,
)
#: The enricher's dormant stories (past the window, kept a year for late follow-ups), so that
#: rebuilding the clustering state after a restart restores them: the window's enriched articles
#: are all `articles.enriched` keeps. Compacted, keyed by story id, one partition like the
#: clustering step that owns it; a tombstone when a story expires or is merged away.
ENRICHER_DORMANT = TopicSpec(
    name="newswire.enricher.dormant-stories.v1",
    key="story_id",
    value=DormantStory,
    partitions=1,
    cleanup_policy="compact",
    retention_ms=None,
    description="Dormant stories of the clustering step (compacted): each story past the window, "
    "cut down, until it expires (a tombstone) or a follow-up brings it back.",
    producers=("enricher",),
    consumers=("enricher",),
    internal=True,
    extra_config={"min.compaction.lag.ms": "0"},
)
INTERNAL_TOPICS: tuple[TopicSpec, ...] = (ENRICHER_CLUSTERING, ENRICHER_DORMANT)


def all_topics() -> tuple[TopicSpec, ...]:
    """Every topic the system creates: the public ones, the internal hand-offs and each stage's
    retry topic."""
    return PUBLIC_TOPICS + INTERNAL_TOPICS + tuple(retry_spec(stage) for stage in STAGES)


@dataclass(frozen=True)
class TableSpec:
    """A stage's Faust table. Its changelog topic (``<group>-<table>-changelog``, where the group
    is ``<prefix>newswire-<stage>``) is co-partitioned with ``source`` and compacted. Declaring it
    lets ``newswire topics create`` make it before the stage starts: a changelog that Faust creates
    itself, after the stage's first metadata fetch, is invisible to it until the next refresh
    (PartitionsMismatch on every table write, seen on a loaded machine)."""

    stage: str
    table: str
    source: TopicSpec

    @property
    def partitions(self) -> int:
        return self.source.partitions

    def full_name(self, prefix: str = "") -> str:
        """The changelog topic's name in a deployment."""
        return f"{prefix}newswire-{self.stage}-{self.table}-changelog"

    def kafka_config(self) -> dict[str, str]:
        """Topic-level configuration for CreateTopics (compacted: the latest value per key)."""
        return {"cleanup.policy": "compact", "max.message.bytes": str(DLQ.max_message_bytes)}


#: Every Faust table of every stage (`stage.table(...)` in the wiring modules).
TABLES: tuple[TableSpec, ...] = (
    TableSpec("poller", "feeds", FEEDS),
    TableSpec("poller", "seen", FEEDS),
    TableSpec("tracker", "articles", ARTICLES_NORMALISED),
)


def by_name(name: str) -> TopicSpec:
    """Look a topic up by its base name."""
    for spec in all_topics():
        if spec.name == name:
            return spec
    raise KeyError(f"no topic named {name!r} in the registry")
