"""What the fetcher tests build and read: fetch requests, and the pages that come back by article."""

from __future__ import annotations

from aiokafka.structs import ConsumerRecord

from newswire.contracts import FetchedPage, FetchRequest, utcnow
from newswire.contracts.fetch import FetchReason
from newswire.contracts.ids import article_id, host_of


def fetch_request(url: str, reason: FetchReason = "new") -> FetchRequest:
    """A request for `url` as the poller (or, for re-checks, the tracker) would send it."""
    return FetchRequest(url=url, host=host_of(url), article_id=article_id(url), reason=reason, requested_at=utcnow())


def pages_by_article(records: list[ConsumerRecord]) -> dict[str, list[FetchedPage]]:
    """The fetched pages on the pages topic, by article id (a list: a page must come once)."""
    out: dict[str, list[FetchedPage]] = {}
    for r in records:
        page = FetchedPage.model_validate_json(r.value)
        out.setdefault(page.article_id, []).append(page)
    return out
