"""Fetch requests, fetched pages and re-check outcomes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, NonNegativeInt

from newswire.contracts.base import ArticleId, Contract, FeedId, UtcDatetime

FetchReason = Literal["new", "recheck", "manual", "replay"]

#: A digest on the wire: 128-bit BLAKE2b, hex.
Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="128-bit BLAKE2b, hex.")]
#: One step of a region locator (see `PageFingerprint.region`).
RegionStep = Annotated[str, Field(min_length=1, max_length=400)]

#: How a re-check found its article unchanged without extracting it again: `not_modified` (304
#: to the validators), `same_body` (the fetcher: the body's digest equals the last one), or
#: `same_region` (the fetcher for a lexbor fingerprint, else the normaliser: the article's region
#: and the headline, byline and canonical inputs hash as before).
UnchangedBy = Literal["not_modified", "same_body", "same_region"]


class PageFingerprint(Contract):
    """What a re-check compares to tell that an article has not changed without extracting it
    again: the digest of the raw body it was extracted from, and where the article's own region
    of that page is with the digest of its text (and of the page's headline, byline and canonical
    inputs). Recorded by the normaliser with each article, kept by the tracker, carried on the
    re-check request."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    body_digest: Digest | None = Field(
        None, description="BLAKE2b-128 (hex) of the raw (decompressed) body of the fetch."
    )
    region: tuple[RegionStep, ...] = Field(
        (),
        max_length=64,
        description="Locator of the element the article's body was extracted from: steps from "
        "the document's root element, each 'tag.class1.class2:n' (the n-th child element of that "
        "tag and class attribute), or first '#id' (the one element with that id). A body spread "
        "over up to three parts of the page has one locator per part, joined by the step '+'. "
        "Empty: none.",
    )
    region_digest: Digest | None = Field(
        None,
        description="BLAKE2b-128 (hex) of the region's text and tags, with the page's headline, "
        "byline and canonical inputs (title, h1, the meta tags and JSON-LD they are read from).",
    )
    region_parser: Literal["lxml", "lexbor"] = Field(
        "lxml",
        description="The HTML parser whose tree `region` and `region_digest` are taken on: "
        "'lexbor' (text nodes of the region, about a third of the CPU to check) when that tree "
        "holds the region with the same text as lxml's, else 'lxml' (text and tags).",
    )


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
    fingerprint: PageFingerprint | None = Field(
        None,
        description="The tracked article's fingerprint (re-checks): lets the fetcher and the "
        "normaliser report it unchanged on the re-checks topic instead of extracting it again.",
    )


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
    # Walls, AMP and the canonical link are the normaliser's to tell (it parses the page anyway):
    # the fetcher no longer sets these five; they stay for messages written before (and replays).
    bot_challenge: bool = Field(
        False, description="Deprecated, no longer set: the normaliser tells walls (NormalisedArticle.flags)."
    )
    paywalled: bool = Field(
        False, description="Deprecated, no longer set: the normaliser tells walls (NormalisedArticle.flags)."
    )
    wall_reason: str | None = Field(None, description="Deprecated, no longer set.")
    amp: bool = Field(False, description="Deprecated, no longer set.")
    canonical_url: AnyHttpUrl | None = Field(
        None, description="Deprecated, no longer set: see NormalisedArticle.canonical_url."
    )
    body_digest: Digest | None = Field(
        None, description="BLAKE2b-128 (hex) of the raw (decompressed) body, when outcome is 'ok'."
    )
    fingerprint: PageFingerprint | None = Field(
        None, description="The tracked article's fingerprint, copied from the request (re-checks)."
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
        description="ok: the page answered (reported by the normaliser, which read it; its article "
        "follows on the normalised topic, unless `unchanged` says otherwise); not_modified: 304 to "
        "the validators; failed: see failure (both reported by the fetcher)."
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
    bot_challenge: bool = Field(
        False, description="The page is a bot wall / challenge, not content (the normaliser's verdict)."
    )
    paywalled: bool = Field(False, description="The page shows a hard paywall (the normaliser's verdict).")
    etag: str | None = Field(None, description="The response's ETag validator, if any.")
    last_modified: str | None = Field(None, description="The response's Last-Modified validator, if any.")
    fetched_at: UtcDatetime = Field(description="When the response was complete.")
    unchanged: UnchangedBy | None = Field(
        None,
        description="Set when the re-check found the article unchanged and no page follows for "
        "extraction: not_modified (304), same_body (the fetcher: the same body digest), "
        "same_region (the fetcher or the normaliser: the same article region). Null: see outcome.",
    )
    body_digest: Digest | None = Field(
        None, description="BLAKE2b-128 (hex) of the body fetched, when there was one."
    )


def recheck_of(
    page: FetchedPage,
    *,
    unchanged: UnchangedBy | None = None,
    bot_challenge: bool = False,
    paywalled: bool = False,
) -> RecheckResult:
    """The RecheckResult reporting a re-check's page, without its HTML: the fetcher's for a page
    that goes no further (a failure, a 304, the same body), the normaliser's for one it read (with
    the walls it told, or `same_region`)."""
    detail = page.failure_detail
    if detail is not None and len(detail) > RECHECK_DETAIL_MAX:
        detail = detail[: RECHECK_DETAIL_MAX - 1] + "\u2026"
    return RecheckResult(
        article_id=page.article_id,
        requested_url=page.requested_url,
        final_url=page.final_url,
        outcome=page.outcome,
        status=page.status,
        failure=page.failure,
        failure_detail=detail,
        bot_challenge=bot_challenge,
        paywalled=paywalled,
        etag=page.headers.get("etag"),
        last_modified=page.headers.get("last-modified"),
        fetched_at=page.fetched_at,
        unchanged=unchanged,
        body_digest=page.body_digest,
    )
