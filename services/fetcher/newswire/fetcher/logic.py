"""The fetcher's pure logic: content types, body digests, and building FetchedPage messages (and,
for re-checks that end without a page, the small RecheckResult the tracker reads: a 304, the same
body, or the same article region, `newswire.regions`). Shared with the poller in `newswire.net`:
the SSRF guard and redirect checks (`addresses`), transport-error names (`errors`), status
classes (`status`), binary and HTML sniffing (`sniff`) and charset choice and decoding
(`charset`); politeness is `politeness`. What a page *is* (a wall, its canonical link,
AMP) is the normaliser's to tell: it parses the page anyway. Only the re-check's region test
parses a page here, and only to say "the same article as before".

No I/O here: the adapter performs requests and hands a `FetchResult` to `decide`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from newswire.contracts import FetchedPage, FetchRequest, RecheckResult
from newswire.contracts.fetch import FetchFailure, UnchangedBy, recheck_of
from newswire.net.addresses import parse_retry_after
from newswire.net.charset import decode_body
from newswire.net.errors import UNREACHABLE_ERRORS, TransportError
from newswire.net.sniff import sniff_binary, starts_like_html
from newswire.net.status import classify_status
from newswire.regions.lexbor import same_region

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
#: Response headers copied onto the FetchedPage (lower-case names).
KEPT_HEADERS = (
    "etag",
    "last-modified",
    "content-type",
    "content-language",
    "cache-control",
    "retry-after",
)

# -- content types and headers ---------------------------------------------------------------


def media_type(content_type: str | None) -> str:
    """The lower-case media type of a Content-Type header ('' if none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_html(content_type: str | None) -> bool:
    """True for text/html and application/xhtml+xml."""
    return media_type(content_type) in HTML_TYPES


def may_be_html(content_type: str | None) -> bool:
    """Whether a body is worth reading: declared HTML, or undeclared (then sniffed)."""
    return not media_type(content_type) or is_html(content_type)


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The response headers worth keeping on the FetchedPage."""
    lower = {k.lower(): v for k, v in headers.items()}
    return {name: lower[name] for name in KEPT_HEADERS if name in lower}


# -- body digests (unchanged re-checks) -------------------------------------------------------


def body_digest(body: bytes) -> str:
    """The digest of a raw (decompressed) body: 128-bit BLAKE2b, hex. A re-check whose body has
    the digest of the fetch the article was last extracted from is reported unchanged."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


# -- the fetch result and the decision --------------------------------------------------------

#: Outcomes of the fetcher's own checks before any request: refused by robots.txt, or deferred
#: (host backed off, robots.txt unreachable, host backlog too long).
GateError = Literal["robots_disallowed", "deferred"]


@dataclass(frozen=True)
class FetchResult:
    """What the adapter saw: the final response (status, headers, body), or a transport error."""

    requested_url: str
    final_url: str
    redirect_chain: tuple[str, ...] = ()
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: TransportError | GateError | None = None
    detail: str | None = None
    elapsed_ms: int = 0
    byte_size: int = 0
    retry_after_s: float | None = None
    """For 'deferred', 429 and 503: when to try again (the host's back-off)."""
    defer_failure: FetchFailure = "other"
    """For 'deferred': the failure reported if this was the last attempt."""


@dataclass(frozen=True)
class Retry:
    """A transient failure: the runtime should try the request again later."""

    reason: str
    retry_after_s: float | None = None


_FAILURE_OF_STATUS: dict[str, FetchFailure] = {
    "not_found": "not_found",
    "gone": "gone",
    "http_4xx": "http_4xx",
    "redirect": "http_4xx",
}


def decide(
    request: FetchRequest, result: FetchResult, now: datetime, *, last_attempt: bool = False
) -> FetchedPage | Retry:
    """The FetchedPage for a fetch, or Retry for a transient failure (timeouts, connection
    errors, 429 and 5xx, deferrals). On the `last_attempt` a transient failure becomes a failed
    page of its class instead, so every request ends as exactly one FetchedPage."""
    if result.error == "deferred":
        if last_attempt:
            return _page(request, result, now, failure=result.defer_failure, detail=result.detail)
        return Retry(f"deferred: {result.detail or ''}".strip(), result.retry_after_s)
    if result.error is not None:
        if result.error in UNREACHABLE_ERRORS and not last_attempt:
            return Retry(f"{result.error}: {result.detail or ''}".strip())
        detail = result.detail
        if result.error == "not_html":
            detail = not_html_detail(result.headers.get("content-type"))
        return _page(request, result, now, failure=result.error, detail=detail)
    status = result.status or 0
    kind = classify_status(status)
    headers = kept_headers(result.headers)
    if kind in ("rate_limited", "http_5xx"):
        if last_attempt:
            return _page(request, result, now, failure=kind, detail=f"HTTP {status}")
        waits = [parse_retry_after(headers.get("retry-after"), now), result.retry_after_s]
        known = [w for w in waits if w is not None]
        return Retry(f"HTTP {status}", max(known) if known else None)
    if kind == "not_modified":
        return _page(request, result, now, outcome="not_modified")
    if kind != "ok":
        return _page(request, result, now, failure=_FAILURE_OF_STATUS[kind], detail=f"HTTP {status}")
    content_type = headers.get("content-type")
    body = result.body or b""
    if not may_be_html(content_type):
        return _page(request, result, now, failure="not_html", detail=not_html_detail(content_type))
    digest = body_digest(body)
    if _same_body(request, result, digest):
        # The bytes the tracked article was extracted from, at its own URL: nothing in them is
        # read again (the page is not passed on; `unchanged_recheck` reports it).
        return _page(request, result, now, outcome="ok", extra={"body_digest": digest})
    binary = sniff_binary(body)
    if binary is not None:
        return _page(
            request, result, now, failure="not_html",
            detail=f"body is {binary} although labelled {media_type(content_type) or 'nothing'!r}",
        )
    if not is_html(content_type) and not starts_like_html(body):
        return _page(request, result, now, failure="not_html", detail="no content type, not HTML")
    html, charset = decode_body(body, content_type)
    return _page(request, result, now, outcome="ok", html=html, charset=charset, extra={"body_digest": digest})


def not_html_detail(content_type: str | None) -> str:
    """Why a body of this content type is refused. PDFs are named: a link to a PDF is usually a
    report or a press release, worth a look by hand, but not an article page to extract."""
    kind = media_type(content_type)
    what = "PDF document, not extracted" if kind == "application/pdf" else "not HTML"
    return f"content type {kind or 'missing'!r} ({what})"


def _same_body(request: FetchRequest, result: FetchResult, digest: str) -> bool:
    """A re-check answered at the article's own URL (no redirect) with the very body the tracked
    article was last extracted from."""
    fingerprint = request.fingerprint
    return (
        request.reason == "recheck"
        and fingerprint is not None
        and fingerprint.body_digest == digest
        and not result.redirect_chain
        and result.final_url == str(request.url)
    )


def unchanged_recheck(page: FetchedPage) -> RecheckResult | None:
    """The RecheckResult that stands for a re-check's page when the article is known unchanged
    without extracting it, at the article's own URL: a 304 to the validators, a 200 whose body has
    the digest of the last fetch (then the page carries no HTML), or a 200 whose article region and
    verdict inputs hash as when it was extracted (`regions.lexbor.same_region`, ~1 ms: other ads,
    another "most read" list, a new token around the same article). None otherwise: the page goes
    on to the normaliser (and its plain RecheckResult to the tracker).

    The region test is run here, not in the normaliser, because a page it recognises then never
    crosses Kafka: most re-checks are such pages, and encoding, sending and reading one cost more
    than the test (issue #20). A fingerprint of another parser (lxml's, ~3% of them) is left to
    the normaliser, as is any page the test does not recognise: a real change is never missed."""
    if page.reason != "recheck":
        return None
    if page.outcome == "not_modified":
        return recheck_result(page, unchanged="not_modified")
    fingerprint = page.fingerprint
    if (
        page.outcome != "ok"
        or fingerprint is None
        or page.redirect_chain
        or page.final_url != page.requested_url
    ):
        return None
    if page.body_digest is not None and page.body_digest == fingerprint.body_digest:
        return recheck_result(page, unchanged="same_body")
    if page.html is not None and same_region(page.html, fingerprint):
        return recheck_result(page, unchanged="same_region")
    return None


def failed_recheck(page: FetchedPage) -> RecheckResult | None:
    """The fetcher's report of a re-check that failed (gone, unreachable, refused, ...): the page
    goes no further, so the tracker hears it here. An `ok` re-check's report is the normaliser's,
    which reads the page and so can tell a wall from a move; None for it and for other reasons."""
    return None if page.outcome == "ok" else recheck_result(page)


def recheck_result(page: FetchedPage, *, unchanged: UnchangedBy | None = None) -> RecheckResult | None:
    """The re-check outcome of a page fetched for a re-check (None for any other reason): what the
    tracker needs to see an article gone or moved, without the page's HTML. `unchanged`: the
    article was found unchanged and no page follows (`unchanged_recheck`)."""
    return recheck_of(page, unchanged=unchanged) if page.reason == "recheck" else None


def _page(
    request: FetchRequest,
    result: FetchResult,
    now: datetime,
    *,
    outcome: Literal["ok", "not_modified", "failed"] = "failed",
    failure: FetchFailure | None = None,
    detail: str | None = None,
    html: str | None = None,
    charset: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> FetchedPage:
    headers = kept_headers(result.headers)
    final_url = result.final_url if _is_http(result.final_url) else str(request.url)
    return FetchedPage(
        article_id=request.article_id,
        requested_url=request.url,
        final_url=final_url,
        redirect_chain=result.redirect_chain,
        reason=request.reason,
        feed_id=request.feed_id,
        item=request.item,
        outcome=outcome,
        status=result.status,
        failure=failure if outcome == "failed" else None,
        failure_detail=(detail or None) if outcome == "failed" else None,
        headers=headers,
        fetched_at=now,
        html=html,
        charset=charset,
        content_type=media_type(headers.get("content-type")) or None,
        byte_size=result.byte_size,
        elapsed_ms=max(0, result.elapsed_ms),
        fingerprint=request.fingerprint if request.reason == "recheck" else None,
        **(extra or {}),  # type: ignore[arg-type]
    )


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
