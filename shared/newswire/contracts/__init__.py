"""Message contracts: the public face of newswire.

Every message on a newswire topic is one of these frozen, versioned pydantic models. JSON Schema
and an AsyncAPI document are generated from them into deploy/contracts/ (`newswire contracts
export`), and a test fails when the committed files drift.
"""

from newswire.contracts.articles import (
    ArticleFlags,
    ArticleVersion,
    Dateline,
    EnrichedArticle,
    Entity,
    Keyphrase,
    NormalisedArticle,
    Quote,
)
from newswire.contracts.base import Contract, utcnow
from newswire.contracts.dlq import DeadLetter
from newswire.contracts.feeds import FeedConfig, FeedStatus
from newswire.contracts.fetch import FeedItemHint, FetchedPage, FetchRequest, RecheckResult
from newswire.contracts.revisions import ParagraphChange, RevisionEvent, RevisionStats, WordOp
from newswire.contracts.stories import DormantStory, StoryUpdate

#: The top-level messages, one per topic value type (nested models are documented inside them;
#: the dead letter stays last).
MESSAGES: tuple[type[Contract], ...] = (
    FeedConfig,
    FeedStatus,
    FetchRequest,
    FetchedPage,
    RecheckResult,
    NormalisedArticle,
    ArticleVersion,
    RevisionEvent,
    EnrichedArticle,
    StoryUpdate,
    DormantStory,
    DeadLetter,
)

__all__ = [
    "MESSAGES",
    "ArticleFlags",
    "ArticleVersion",
    "Contract",
    "Dateline",
    "DeadLetter",
    "DormantStory",
    "EnrichedArticle",
    "Entity",
    "FeedConfig",
    "FeedItemHint",
    "FeedStatus",
    "FetchRequest",
    "FetchedPage",
    "Keyphrase",
    "NormalisedArticle",
    "ParagraphChange",
    "Quote",
    "RecheckResult",
    "RevisionEvent",
    "RevisionStats",
    "StoryUpdate",
    "WordOp",
    "utcnow",
]
