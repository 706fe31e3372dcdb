"""The normaliser's stage handler against hostile HTML: 10 MB pages of many shapes, deeply
nested markup and binary files served as HTML (through the fetcher's decision first, as in the
pipeline). Each ends as an article (flagged when it is not a proper one) or as a dead letter
with a reason; never another exception. Time is bounded by the stage's own extraction timeout
(each test also has a pytest timeout as a backstop)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from newswire.contracts import FetchedPage, FetchRequest, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id, host_of
from newswire.contracts.fetch import PageFingerprint
from newswire.fetcher.logic import FetchResult, decide, unchanged_recheck
from newswire.normaliser import wiring
from newswire.normaliser.extract import decode_html
from newswire.normaliser.logic import unchanged_region
from newswire.normaliser.settings import NormaliserSettings
from newswire.runtime.errors import PermanentError
from newswire.runtime.stage import Context, Origin
from newswire.topics import ARTICLES_NORMALISED, PAGES
from tests.factories import fetched_page
from tests.unit.security.html_pages import HUGE, NESTED, binaries

URL = "https://news.example.org/world/2016/sep/08/a-story"
CTX = Context("normaliser", Origin("pages", 0, 0, None, None, {}, 1))


@pytest.fixture(scope="module")
def handler(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = NormaliserSettings(data_dir=tmp_path_factory.mktemp("n"), store="memory://")  # type: ignore[call-arg]
    stage = wiring.build(settings)
    return stage._routes[PAGES.full_name(stage.prefix)].fn


async def outcome(handler, page: FetchedPage) -> str:  # type: ignore[no-untyped-def]
    """'article' (with its flags) or 'dead letter: <reason>'; anything else fails the test."""
    try:
        emits = await handler(page, CTX)
    except PermanentError as exc:
        assert str(exc), "a dead letter needs a reason"
        return f"dead letter: {str(exc).split(':')[0]}"
    (emit,) = emits
    article = emit.value
    assert isinstance(article, NormalisedArticle)
    wire = article.to_bytes()
    wire.decode("utf-8")
    if len(wire) > ARTICLES_NORMALISED.max_message_bytes:
        return "dead letter: over the topic's size limit"  # what Stage.send makes of it
    flags = [k for k, v in article.flags.model_dump().items() if v is True]
    return "article" + (f" flagged {','.join(flags)}" if flags else "")


def page_of(html: str) -> FetchedPage:
    return fetched_page().model_copy(update={"html": html, "final_url": URL, "byte_size": len(html)})


async def _run_all(handler, pages: Mapping[str, Callable[[], str]], label: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    seen: Counter[str] = Counter()
    for name, make in pages.items():
        html = make()
        try:
            seen[await outcome(handler, page_of(html))] += 1
        except Exception as exc:
            raise AssertionError(f"{label} {name}: {type(exc).__name__}: {exc}") from exc
    print(f"\n{label}: {len(pages)} tried, 0 crashed, outcomes {dict(seen)}")
    return seen


@pytest.mark.timeout(240)
async def test_ten_megabyte_pages(handler) -> None:  # type: ignore[no-untyped-def]
    seen = await _run_all(handler, HUGE, "10 MB pages")
    assert sum(seen.values()) == len(HUGE)


@pytest.mark.timeout(120)
async def test_deeply_nested_markup(handler) -> None:  # type: ignore[no-untyped-def]
    seen = await _run_all(handler, NESTED, "deeply nested pages")
    assert sum(seen.values()) == len(NESTED)


@pytest.mark.timeout(120)
async def test_binary_bodies_labelled_html(handler) -> None:  # type: ignore[no-untyped-def]
    request = FetchRequest(url=URL, host=host_of(URL), article_id=article_id(URL), reason="new", requested_at=utcnow())
    seen: Counter[str] = Counter()
    for name, body in binaries().items():
        result = FetchResult(URL, URL, status=200, headers={"content-type": "text/html"}, body=body, byte_size=len(body))
        page = decide(request, result, utcnow())
        assert isinstance(page, FetchedPage), name
        page.to_bytes().decode("utf-8")
        if page.outcome != "ok":
            assert page.failure and page.failure_detail, (name, page)
            seen[f"fetcher failed {page.failure}"] += 1
            continue
        try:
            seen[await outcome(handler, page)] += 1
        except Exception as exc:
            raise AssertionError(f"binary {name}: {type(exc).__name__}: {exc}") from exc
    assert seen["fetcher failed not_html"] >= 8, seen  # the magic numbers are recognised first
    # the normaliser on its own (a page that reached it some other way, e.g. a replay), the
    # bytes decoded as its CLI decodes a file
    for name, body in binaries().items():
        try:
            seen["normaliser " + await outcome(handler, page_of(decode_html(body)))] += 1
        except Exception as exc:
            raise AssertionError(f"binary {name} (normaliser): {type(exc).__name__}: {exc}") from exc
    print(f"\nbinary bodies as HTML: {sum(seen.values())} tried, 0 crashed, outcomes {dict(seen)}")


@pytest.mark.timeout(30)  # ~1 s; without the bound on tags, ~1 min
def test_hostile_re_checks_end_in_either_region_test() -> None:
    """The same pages as re-checks of an article whose fingerprint was taken on lexbor's tree:
    the fetcher's region test (`unchanged_recheck`) and the normaliser's (`unchanged_region`)
    each say "extract it", in bounded time. Both run on their stage's event loop, and lexbor
    parses deep nests of block elements in quadratic time (100,000 nested `<div>`s: ~20 s), so a
    page with more than `MAX_TAGS` tags is not parsed by it."""
    fp = PageFingerprint(body_digest="0" * 32, region=("#story",), region_digest="1" * 32, region_parser="lexbor")
    for name, make in {**HUGE, **NESTED}.items():
        page = fetched_page().model_copy(update={
            "html": make(), "requested_url": URL, "final_url": URL, "reason": "recheck", "fingerprint": fp,
            "body_digest": "2" * 32,
        })
        assert unchanged_recheck(page) is None, name
        assert unchanged_region(page) is None, name


def test_corpora_sizes() -> None:
    """The counts the README's table reports come from these sizes."""
    assert (len(HUGE), len(NESTED), len(binaries())) == (8, 11, 15)
    assert Path(__file__).with_name("html_pages.py").is_file()


async def test_a_bad_image_url_drops_the_image_not_the_article(handler) -> None:  # type: ignore[no-untyped-def]
    """Found by fuzzing (tests/fuzz/regressions/extract/invalid-image-url-host.html): an
    og:image whose host holds a control character passed the normaliser's own URL check but not
    the contract's, so the whole article was dead-lettered."""
    # distinct lines: a long line repeated four times is boilerplate to the cleanup (an embed's placeholder)
    body = "".join(f"<p>{_s} ({_n})</p>" for _n in range(1, 5) for _s in [
        "Officials said on Friday that the talks in Geneva would resume next week after a pause.",
        "The delegations met for six hours and agreed on a schedule for the coming months.",
        "Neither side gave details of the proposals, but both called the meeting constructive.",
    ])
    html = ('<html><head><title>Talks resume</title><meta property="og:image" '
            'content="http://static1\x0esquare.example/img/a.jpg"></head><body><article>'
            f"<h1>Talks resume</h1>{body}</article></body></html>")
    emits = await handler(page_of(html), CTX)
    (emit,) = emits
    assert isinstance(emit.value, NormalisedArticle) and emit.value.image_url is None
    assert "talks in Geneva" in emit.value.text
