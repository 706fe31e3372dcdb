"""The normaliser's handler without Kafka: what it emits, skips and refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newswire.contracts import FetchedPage
from newswire.normaliser import wiring
from newswire.normaliser.settings import NormaliserSettings
from newswire.runtime.errors import PermanentError
from newswire.runtime.stage import Context, Origin
from newswire.topics import ARTICLES_NORMALISED, PAGES
from tests.factories import fetched_page
from tests.unit.normaliser.test_logic import page_html

CTX = Context("normaliser", Origin("pages", 0, 0, None, None, {}, 1))


def handler(tmp_path: Path, **settings: object):  # type: ignore[no-untyped-def]
    stage = wiring.build(NormaliserSettings(data_dir=tmp_path, store="memory://", **settings))  # type: ignore[arg-type]
    return stage._routes[PAGES.full_name(stage.prefix)].fn


async def test_ok_failed_empty(tmp_path: Path) -> None:
    fn = handler(tmp_path)
    page = fetched_page().model_copy(update={"html": page_html()})
    [emit] = await fn(page, CTX)
    assert emit.topic is ARTICLES_NORMALISED and emit.key == emit.value.article_id
    failed = FetchedPage.model_validate({**page.model_dump(), "outcome": "failed", "html": None, "failure": "timeout"})
    assert await fn(failed, CTX) == []
    assert await fn(page.model_copy(update={"outcome": "not_modified", "html": None}), CTX) == []
    with pytest.raises(PermanentError, match="no article text"):
        await fn(page.model_copy(update={"html": "<html><body></body></html>"}), CTX)


async def test_extraction_time_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wiring, "work_on_page", lambda page, **_: time.sleep(1.0))
    fn = handler(tmp_path, extract_timeout_s=0.1)
    with pytest.raises(PermanentError, match="longer than 0.1 s"):
        await fn(fetched_page(), CTX)


async def test_an_unchanged_recheck_is_told_on_the_loop_and_an_edited_one_extracted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newswire.contracts import NormalisedArticle, RecheckResult
    from newswire.normaliser import logic
    from tests.unit.normaliser.test_fingerprint import BODY, fetched, fingerprint_of, one_word, page

    fn = handler(tmp_path)
    fp = fingerprint_of(page())
    calls: list[bool] = []
    real = wiring.work_on_page

    def counted(p: FetchedPage, **kw: object) -> logic.PageWork:
        calls.append(bool(kw.get("region_checked")))
        return real(p, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(wiring, "work_on_page", counted)
    # bytes changed outside the article: answered without the worker thread
    [emit] = await fn(fetched(page(clock="23:59", ad="7"), fp), CTX)
    assert isinstance(emit.value, RecheckResult) and emit.value.unchanged == "same_region"
    assert calls == []
    # the article edited: extracted in the thread, without testing the region a second time
    emits = await fn(fetched(page(one_word(BODY, 1, "two hundred", "three hundred")), fp), CTX)
    assert calls == [True]
    assert [type(e.value) for e in emits] == [NormalisedArticle, RecheckResult]
    assert emits[0].topic is ARTICLES_NORMALISED and emits[1].value.unchanged is None
