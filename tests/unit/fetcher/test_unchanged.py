"""Unchanged re-checks: a 304, or a 200 whose body has the digest of the fetch the article was last
extracted from, is reported as an 'unchanged' RecheckResult and no page goes to the normaliser."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import jsonschema
import orjson

from newswire.contracts import FetchedPage, FetchRequest, RecheckResult
from newswire.contracts.export import json_schema
from newswire.contracts.fetch import PageFingerprint
from newswire.fetcher.logic import (
    FetchResult,
    body_digest,
    decide,
    recheck_result,
    unchanged_recheck,
)
from newswire.regions.lexbor import region_digest
from newswire.runtime.stage import Context, Origin
from newswire.topics import FETCH_REQUESTS, PAGES, RECHECKS
from tests.unit.fetcher.test_rechecks import HTML, MOVED, NOW, URL, handler, request

CHANGED = HTML.replace(b"Hello", b"Hello again")


def with_fingerprint(req: FetchRequest, body: bytes = HTML) -> FetchRequest:
    fp = PageFingerprint(body_digest=body_digest(body), region=("#main",), region_digest="a" * 32)
    return req.model_copy(update={"fingerprint": fp})


def ok(body: bytes, *, final: str = URL, chain: tuple[str, ...] = ()) -> FetchResult:
    return FetchResult(
        requested_url=URL, final_url=final, redirect_chain=chain, status=200,
        headers={"Content-Type": "text/html", "ETag": '"v2"'}, body=body, byte_size=len(body),
    )


def fetched(req: FetchRequest, result: FetchResult) -> FetchedPage:
    out = decide(req, result, NOW, last_attempt=True)
    assert isinstance(out, FetchedPage)
    return out


def test_the_digest_is_of_the_raw_bytes() -> None:
    assert body_digest(HTML) == body_digest(bytes(HTML)) != body_digest(CHANGED)
    assert len(body_digest(HTML)) == 32 and int(body_digest(HTML), 16) >= 0


def test_the_same_body_is_unchanged_and_not_decoded() -> None:
    page = fetched(with_fingerprint(request()), ok(HTML))
    assert page.outcome == "ok" and page.html is None and page.body_digest == body_digest(HTML)
    result = unchanged_recheck(page)
    assert isinstance(result, RecheckResult)
    assert result.unchanged == "same_body" and result.outcome == "ok" and result.status == 200
    assert result.body_digest == body_digest(HTML) and result.etag == '"v2"'


def test_another_body_a_redirect_or_no_fingerprint_goes_on_to_the_normaliser() -> None:
    changed = fetched(with_fingerprint(request()), ok(CHANGED))
    assert changed.html is not None and changed.body_digest == body_digest(CHANGED)
    assert changed.fingerprint is not None  # carried on for the normaliser's region check
    assert unchanged_recheck(changed) is None
    moved = fetched(with_fingerprint(request()), ok(HTML, final=MOVED, chain=(URL,)))
    assert moved.html is not None and unchanged_recheck(moved) is None
    plain = fetched(request(), ok(HTML))
    assert plain.html is not None and plain.body_digest == body_digest(HTML)
    assert unchanged_recheck(plain) is None
    new = fetched(with_fingerprint(request("new")), ok(HTML))
    assert new.html is not None and new.fingerprint is None and unchanged_recheck(new) is None


def test_a_304_is_unchanged() -> None:
    page = fetched(with_fingerprint(request()), FetchResult(requested_url=URL, final_url=URL, status=304))
    result = unchanged_recheck(page)
    assert result is not None and result.unchanged == "not_modified" and result.outcome == "not_modified"
    plain = recheck_result(page)
    assert plain is not None and plain.unchanged is None


def test_new_fields_are_optional_and_published() -> None:
    page = fetched(with_fingerprint(request()), ok(CHANGED))
    result = unchanged_recheck(fetched(with_fingerprint(request()), ok(HTML)))
    assert result is not None
    for model, message in ((FetchRequest, with_fingerprint(request())), (FetchedPage, page), (RecheckResult, result)):
        wire = orjson.loads(message.to_bytes())
        jsonschema.validate(wire, json_schema(model))
        for field in ("fingerprint", "body_digest", "unchanged"):
            wire.pop(field, None)
        assert model.model_validate_json(orjson.dumps(wire))  # written before the fields: still valid


async def test_the_stage_emits_only_the_result_when_unchanged(tmp_path: Path) -> None:
    ctx = Context("fetcher", Origin(FETCH_REQUESTS.name, 3, 0, b"news.example.com", None, {}, 1))
    same = await handler(tmp_path, ok(HTML))(with_fingerprint(request()), ctx)
    assert [e.topic for e in same] == [RECHECKS]
    assert isinstance(same[0].value, RecheckResult) and same[0].value.unchanged == "same_body"
    not_modified = await handler(tmp_path, FetchResult(requested_url=URL, final_url=URL, status=304))(
        with_fingerprint(request()), ctx
    )
    assert [e.topic for e in not_modified] == [RECHECKS]
    changed = await handler(tmp_path, ok(CHANGED))(with_fingerprint(request()), ctx)
    # the page goes on; the normaliser, which reads it, reports this re-check
    assert [e.topic for e in changed] == [PAGES]
    page_value = changed[0].value
    assert isinstance(page_value, FetchedPage) and page_value.html is not None


STORY_PAGE = (
    '<html><head><title>Ferry terminal to close</title></head><body><span class="clock">{clock}</span>'
    '<div id="story"><p>The council voted on Tuesday to close the ferry terminal.</p>'
    "<p>Work starts in {month} and will take eight weeks.</p></div></body></html>"
)


def story(clock: str = "10:15", month: str = "March") -> bytes:
    return STORY_PAGE.format(clock=clock, month=month).encode()


def with_region(req: FetchRequest, parser: Literal["lxml", "lexbor"] = "lexbor") -> FetchRequest:
    """A re-check carrying the fingerprint the normaliser recorded of `story()`: its body digest
    and the lexbor digest of the region `#story` and the verdict inputs."""
    digest = region_digest(story().decode(), ("#story",))
    fp = PageFingerprint(body_digest=body_digest(story()), region=("#story",), region_digest=digest, region_parser=parser)
    return req.model_copy(update={"fingerprint": fp})


def test_other_bytes_around_the_same_region_are_unchanged_here() -> None:
    """The page changed outside the article (a clock): the fetcher's region test recognises it,
    and the page is not passed on."""
    page = fetched(with_region(request()), ok(story(clock="11:42")))
    assert page.body_digest != body_digest(story())
    result = unchanged_recheck(page)
    assert result is not None and result.unchanged == "same_region" and result.outcome == "ok"
    assert result.body_digest == body_digest(story(clock="11:42")) and result.etag == '"v2"'


def test_a_changed_region_another_parser_or_a_move_goes_on_to_the_normaliser() -> None:
    edited = fetched(with_region(request()), ok(story(clock="11:42", month="April")))
    assert edited.html is not None and unchanged_recheck(edited) is None
    lxml_fp = fetched(with_region(request(), parser="lxml"), ok(story(clock="11:42")))
    assert unchanged_recheck(lxml_fp) is None  # lxml's fingerprint: the normaliser tests it
    moved = fetched(with_region(request()), ok(story(clock="11:42"), final=MOVED, chain=(URL,)))
    assert unchanged_recheck(moved) is None
    first = fetched(with_region(request("new")), ok(story(clock="11:42")))
    assert unchanged_recheck(first) is None


async def test_the_stage_emits_only_the_result_for_the_same_region(tmp_path: Path) -> None:
    ctx = Context("fetcher", Origin(FETCH_REQUESTS.name, 3, 0, b"news.example.com", None, {}, 1))
    same = await handler(tmp_path, ok(story(clock="11:42")))(with_region(request()), ctx)
    assert [e.topic for e in same] == [RECHECKS]
    assert isinstance(same[0].value, RecheckResult) and same[0].value.unchanged == "same_region"
    edited = await handler(tmp_path, ok(story(month="April")))(with_region(request()), ctx)
    assert [e.topic for e in edited] == [PAGES]
