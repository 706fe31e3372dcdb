"""Fetch requests, fetched pages and re-check outcomes."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, Field, NonNegativeInt

from newswire.contracts.base import ArticleId, Contract, FeedId, UtcDatetime

FetchReason = Literal["new", "recheck", "manual", "replay"]


class FeedItemHint(Contract):
    """What the feed said about an item, carried along so later stages can use it as evidence."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    guid: str | None = Field(None, description="The item's GUID / Atom id.")
    title: str | None = Field(None, description="The item's title in the feed.")
    published: UtcDatetime | None = Field(None, description="The item's published date in the feed.")
    updated: UtcDatetime | None = Field(None, description="The item's updated date in the feed.")
    authors: tuple[str, ...] = Field((), description="Authors named by the feed.")
    categories: tuple[str, ...] = Field((), description="Categories or tags in the feed.")
    summary: str | None = Field(None, description="The item's summary, as text.")
    image_url: AnyHttpUrl | None = Field(None, description="Enclosure or media:content image.")


class FetchRequest(Contract):
    """A page to fetch. Keyed by host, so one host's politeness lives in one partition."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    url: AnyHttpUrl = Field(description="The URL to fetch.")
    host: str = Field(min_length=1, description="Lower-case host of `url` (the message key).")
    article_id: ArticleId = Field(
        description="Id of the article this fetch is for: hash of the normalised URL for new "
        "links, the tracked article's id for re-checks."
    )
    reason: FetchReason = Field(description="Why the page is fetched.")
    requested_at: UtcDatetime = Field(description="When the request was made.")
    feed_id: FeedId | None = Field(None, description="The feed that announced the link, if any.")
    item: FeedItemHint | None = Field(None, description="What the feed said about the item.")
    etag: str | None = Field(None, description="Validator from the previous fetch (re-checks).")
    last_modified: str | None = Field(None, description="Validator from the previous fetch (re-checks).")


FetchOutcome = Literal["ok", "not_modified", "failed"]
FetchFailure = Literal[
    "dns",
    "connect",
    "timeout",
    "tls",
    "http_4xx",
    "http_5xx",
    "not_found",
    "gone",
    "rate_limited",
    "robots_disallowed",
    "too_large",
    "not_html",
    "redirect_loop",
    "too_many_redirects",
    "refused_address",
    "bad_url",
    "decode_error",
    "other",
]


class FetchedPage(Contract):
    """The result of one fetch: the decoded page, or why there is none."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    article_id: ArticleId = Field(description="Copied from the request (the message key).")
    requested_url: AnyHttpUrl = Field(description="The URL requested.")
    final_url: AnyHttpUrl = Field(description="The URL after redirects.")
    redirect_chain: tuple[str, ...] = Field((), description="Every URL redirected through, in order.")
    reason: FetchReason = Field(description="Why the page was fetched (from the request).")
    feed_id: FeedId | None = Field(None, description="The feed that announced the link, if any.")
    item: FeedItemHint | None = Field(None, description="What the feed said about the item.")
    outcome: FetchOutcome = Field(description="ok: `html` holds the page; otherwise see failure.")
    status: int | None = Field(None, description="Final HTTP status, null if there was no response.")
    failure: FetchFailure | None = Field(None, description="Failure class when outcome is 'failed'.")
    failure_detail: str | None = Field(None, description="Human-readable failure detail.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Selected response headers (lower-case names): etag, last-modified, "
        "content-type, content-language, cache-control, retry-after.",
    )
    fetched_at: UtcDatetime = Field(description="When the response was complete.")
    html: str | None = Field(None, description="The decoded document, when outcome is 'ok'.")
    charset: str | None = Field(None, description="The charset used to decode the body.")
    content_type: str | None = Field(None, description="Media type of the response.")
    byte_size: NonNegativeInt = Field(0, description="Size of the (decompressed) body, bytes.")
    elapsed_ms: NonNegativeInt = Field(0, description="Wall time of the fetch, milliseconds.")
    bot_challenge: bool = Field(False, description="The page is a bot wall / challenge, not content.")
    paywalled: bool = Field(False, description="The page shows a hard paywall.")
    wall_reason: str | None = Field(
        None, description="Why bot_challenge or paywalled is set (the marker found)."
    )
    amp: bool = Field(False, description="The page is an AMP document (kept: it holds the text).")
    canonical_url: AnyHttpUrl | None = Field(
        None, description="The page's declared rel=canonical URL, when it differs from final_url."
    )


#: Longest `RecheckResult.failure_detail`: the detail is for a person, and the message stays small.
RECHECK_DETAIL_MAX = 500


class RecheckResult(Contract):
    """The outcome of one re-check fetch, without the page: what a re-check says about an article."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    article_id: ArticleId = Field(description="The re-checked article's id (the message key).")
    requested_url: AnyHttpUrl = Field(description="The URL requested (the article's known URL).")
    final_url: AnyHttpUrl = Field(
        description="The URL after redirects: one the article was never seen at means it moved."
    )
    outcome: FetchOutcome = Field(
        description="ok: the page answered (its article follows on the normalised topic); "
        "not_modified: 304 to the validators; failed: see failure."
    )
    status: int | None = Field(None, description="Final HTTP status, null if there was no response.")
    failure: FetchFailure | None = Field(
        None, description="Failure class when outcome is 'failed' (not_found, gone: the article is gone)."
    )
    failure_detail: str | None = Field(
        None,
        max_length=RECHECK_DETAIL_MAX,
        description="Human-readable failure detail, cut to its first "
        f"{RECHECK_DETAIL_MAX} characters.",
    )
    bot_challenge: bool = Field(False, description="The page is a bot wall / challenge, not content.")
    paywalled: bool = Field(False, description="The page shows a hard paywall.")
    etag: str | None = Field(None, description="The response's ETag validator, if any.")
    last_modified: str | None = Field(None, description="The response's Last-Modified validator, if any.")
    fetched_at: UtcDatetime = Field(description="When the response was complete.")
