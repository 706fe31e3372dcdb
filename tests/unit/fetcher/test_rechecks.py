"""Re-check outcomes: every fetch made for a re-check also yields a small RecheckResult on the
re-checks topic (the tracker's input), besides its FetchedPage; other fetches yield none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from newswire.contracts import FetchedPage, FetchRequest, RecheckResult
from newswire.contracts.fetch import RECHECK_DETAIL_MAX, FetchReason
from newswire.contracts.ids import article_id
from newswire.fetcher import wiring
from newswire.fetcher.logic import FetchResult, decide, recheck_result
from newswire.fetcher.settings import FetcherSettings
from newswire.runtime.stage import Context, Emit, Origin
from newswire.topics import FETCH_REQUESTS, PAGES, RECHECKS

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://news.example.com/news/a"
MOVED = "http://news.example.com/other"
HTML = b"<html><head><title>A</title></head><body><p>Hello</p></body></html>"


def request(reason: FetchReason = "recheck") -> FetchRequest:
    """A fetch request for `URL`, with validators as a re-check carries them."""
    return FetchRequest(
        url=URL, host="news.example.com", article_id=article_id(URL), reason=reason,  # type: ignore[arg-type]
        requested_at=NOW, etag='"v1"', last_modified="Wed, 01 May 2024 10:00:00 GMT",
    )


def page(result: FetchResult, reason: FetchReason = "recheck") -> FetchedPage:
    """The FetchedPage `decide` makes of `result` (on the last attempt: never a Retry)."""
    out = decide(request(reason), result, NOW, last_attempt=True)
    assert isinstance(out, FetchedPage)
    return out


def test_ok_not_modified_and_failed_rechecks_each_give_a_result() -> None:
    ok = page(FetchResult(
        requested_url=URL, final_url=MOVED, redirect_chain=(URL,), status=200,
        headers={"Content-Type": "text/html", "ETag": '"v2"', "Last-Modified": "Thu, 02 May 2024 10:00:00 GMT"},
        body=HTML, byte_size=len(HTML),
    ))
    result = recheck_result(ok)
    assert isinstance(result, RecheckResult)
    assert result.article_id == ok.article_id and str(result.requested_url) == URL
    assert str(result.final_url) == MOVED and result.outcome == "ok" and result.status == 200
    assert result.failure is None and not result.bot_challenge and not result.paywalled
    assert result.etag == '"v2"' and result.last_modified == "Thu, 02 May 2024 10:00:00 GMT"
    assert result.fetched_at == NOW
    assert "html" not in RecheckResult.model_fields and len(result.to_bytes()) < 1024

    same = recheck_result(page(FetchResult(requested_url=URL, final_url=URL, status=304)))
    assert same is not None and same.outcome == "not_modified" and same.status == 304

    gone = recheck_result(page(FetchResult(requested_url=URL, final_url=URL, status=410)))
    assert gone is not None and gone.outcome == "failed" and gone.failure == "gone" and gone.status == 410
    assert gone.failure_detail == "HTTP 410"

    timeout = recheck_result(page(FetchResult(requested_url=URL, final_url=URL, error="timeout", detail="slow")))
    assert timeout is not None and timeout.failure == "timeout" and timeout.status is None


def test_new_articles_give_none_and_long_details_are_cut() -> None:
    for reason in ("new", "manual", "replay"):
        assert recheck_result(page(FetchResult(requested_url=URL, final_url=URL, status=404), reason)) is None
    long = page(FetchResult(requested_url=URL, final_url=URL, error="connect", detail="x" * 5000))
    result = recheck_result(long)
    assert result is not None and result.failure_detail is not None
    assert len(result.failure_detail) == RECHECK_DETAIL_MAX and result.failure_detail.endswith("\u2026")


class FakeClient:
    """A PageClient answering every URL with one canned result."""

    def __init__(self, result: FetchResult) -> None:
        self.result = result

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        return self.result

    async def close(self) -> None:
        return None


def handler(tmp_path: Path, result: FetchResult) -> Callable[[FetchRequest, Context], Awaitable[list[Emit]]]:
    """The fetcher stage's handler on fetch requests, fetching through `FakeClient`."""
    settings = FetcherSettings(data_dir=tmp_path, store="memory://")  # type: ignore[call-arg]
    stage = wiring.build(settings, client=FakeClient(result))
    fn: Callable[[FetchRequest, Context], Awaitable[list[Emit]]] = stage._routes[
        FETCH_REQUESTS.full_name(stage.prefix)
    ].fn
    return fn


async def test_the_stage_emits_the_page_and_for_rechecks_the_result(tmp_path: Path) -> None:
    ctx = Context("fetcher", Origin(FETCH_REQUESTS.name, 3, 0, b"news.example.com", None, {}, 1))
    fn = handler(tmp_path, FetchResult(requested_url=URL, final_url=URL, status=404))
    emits = await fn(request("recheck"), ctx)
    assert [e.topic for e in emits] == [PAGES, RECHECKS]
    page_emit, recheck_emit = emits
    assert isinstance(page_emit.value, FetchedPage) and page_emit.value.failure == "not_found"
    assert isinstance(recheck_emit.value, RecheckResult) and recheck_emit.value.failure == "not_found"
    assert recheck_emit.key == page_emit.key == article_id(URL)

    new = await fn(request("new"), ctx)
    assert [e.topic for e in new] == [PAGES]
