"""The real fetcher, as its own process, against a local news farm and the real Kafka: article
pages come back ok with their HTML; permanent failures, robots.txt refusals and exhausted
transient failures come back as failed pages of the right class (exactly one page per request,
nothing dead-lettered); a throttled host is backed off and fetched later; walls pass as pages (the
normaliser tells them); and a failed re-check, and only it, also comes back as a RecheckResult on
the re-checks topic (an ok re-check's result is the normaliser's)."""

from __future__ import annotations

from pathlib import Path

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, RecheckResult
from newswire.contracts.ids import article_id
from newswire.farm import Assign, FarmConfig, OutletBehaviour, outlet_address, run_farm
from newswire.normaliser.logic import page_walls
from newswire.runtime.codec import encode
from newswire.topics import DLQ, FETCH_REQUESTS, PAGES, RECHECKS

from tests.integration.fetcher.messages import fetch_request, pages_by_article
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

ENV = {
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_CONNECT_TIMEOUT_S": "2",
    "NEWSWIRE_READ_TIMEOUT_S": "2",
    "NEWSWIRE_TOTAL_TIMEOUT_S": "3",
    "NEWSWIRE_FETCH_BUDGET_S": "4",
    "NEWSWIRE_MAX_BODY_BYTES": str(1024 * 1024),
    "NEWSWIRE_RETRY__MAX_ATTEMPTS": "3",
    "NEWSWIRE_RETRY__BASE_DELAY_S": "0.2",
    "NEWSWIRE_HOST_BACKOFF_BASE_S": "0.5",
}


async def test_fetcher_against_the_farm(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    config = FarmConfig(
        outlets=10, port=0,
        behaviours=(
            Assign("redirecting", indexes=(1,)),
            Assign("redirect-loop", indexes=(2,)),
            Assign("huge", indexes=(3,)),
            Assign("broken", indexes=(4,)),
            Assign(OutletBehaviour(robots_fault="disallow_all"), indexes=(5,)),
            Assign(OutletBehaviour(page_fault="bot_challenge"), indexes=(6,)),
            Assign(OutletBehaviour(throttle_requests=1, retry_after_s=1), indexes=(7,)),
            Assign(OutletBehaviour(page_fault="slowloris"), indexes=(8,)),
            Assign(OutletBehaviour(page_fault="paywall"), indexes=(9,)),
        ),
    )
    async with run_farm(config) as farm:
        articles = farm.articles()

        def first(outlet: int) -> str:
            return next(a.link for a in articles if a.outlet == outlet)

        good = [a for a in articles if a.outlet in (0, 1)]
        base = f"http://{outlet_address(0)}:{farm.port}"
        failures = {
            f"{base}/news/no-such-article": "not_found",
            first(2): "redirect_loop",
            first(3): "too_large",
            f"{base}/robots.txt": "not_html",
            "http://10.1.2.3/news/internal": "refused_address",
            f"http://127.0.0.1:{farm.port}/_farm/stats": "not_html",
            first(5): "robots_disallowed",
            first(4): "http_5xx",  # a 500 every time: retried, then reported
            first(8): "timeout",  # slowloris: the fetch budget ends it, every attempt
        }
        throttled = [a.link for a in articles if a.outlet == 7][:3]
        walls = {first(6): "bot_challenge", first(9): "paywalled"}
        urls = [a.link for a in good] + list(failures) + throttled + list(walls)
        # two of them re-checks: a moved article (outlet 1 redirects) and a deleted one
        moved, missing = next(a.link for a in good if a.outlet == 1), f"{base}/news/no-such-article"
        recheck_urls = {moved, missing}
        requests = [fetch_request(u, "recheck" if u in recheck_urls else "new") for u in urls]
        with StageProcess("fetcher", own_topics, tmp_path, env=ENV) as proc:
            await produce(
                own_topics, FETCH_REQUESTS.full_name(prefix),
                [(r.host.encode(), encode(FETCH_REQUESTS, r)) for r in requests],
            )
            wanted = {r.article_id for r in requests}
            records = await read_until(
                own_topics, PAGES.full_name(prefix), lambda rs: wanted <= set(pages_by_article(rs)), timeout_s=90
            )
            pages = pages_by_article(records)
            assert wanted <= set(pages), proc.log()[-3000:]
            assert all(len(v) == 1 for v in pages.values())  # exactly one page per request
            recheck_records = await read_until(
                own_topics, RECHECKS.full_name(prefix),
                lambda rs: article_id(missing) in {r.key.decode() for r in rs}, timeout_s=30,
            )
            # (every page is out, and a handler's outputs are produced together: a result for the
            # moved page would be on the topic by now)
            stats = farm.stats()

    def page(url: str) -> FetchedPage:
        return pages[article_id(url)][0]

    for a in good:
        p = page(a.link)
        assert p.outcome == "ok" and p.status == 200 and p.failure is None, p
        assert p.html is not None and a.title.split()[0] in p.html
        assert p.charset == "utf-8" and p.content_type == "text/html"
        assert str(p.requested_url) == a.link and p.byte_size > 0
        assert not p.bot_challenge and not p.paywalled
        if a.outlet == 1:  # /news/... redirects to the canonical /story/...
            assert p.redirect_chain == (a.link,) and "/story/" in str(p.final_url)
        else:
            assert p.redirect_chain == () and str(p.final_url) == a.link

    for url, failure in failures.items():
        p = page(url)
        assert p.outcome == "failed" and p.failure == failure, (url, p.failure, p.failure_detail)
        assert p.html is None and p.failure_detail
    loop_page = page(first(2))
    assert 2 <= len(loop_page.redirect_chain) <= 10 and loop_page.redirect_chain[0] == first(2)
    assert page(f"{base}/news/no-such-article").status == 404
    assert page(first(4)).status == 500

    # the throttled host answered 429 once, was backed off, then served every page
    for url in throttled:
        assert page(url).outcome == "ok", page(url).failure_detail
    throttled_host = stats["per_outlet"][outlet_address(7)]
    assert throttled_host["throttled"] == 1
    # the disallowed host saw robots.txt only, never its article
    assert stats["per_outlet"][outlet_address(5)]["requests"].get("article", 0) == 0
    assert max(s["max_concurrent"] for s in stats["per_outlet"].values()) <= 2

    # walls are pages like any other here: the normaliser tells them (it reads the page anyway)
    for url, wall in walls.items():
        assert page(url).outcome == "ok" and page(url).html and not (page(url).bot_challenge or page(url).paywalled)
        assert getattr(page_walls(page(url)), wall), url

    # the failed re-check, and nothing else, also as its outcome alone (keyed by article id); the
    # moved one answered ok: its page goes on, and the normaliser reports it
    results = {r.key.decode(): RecheckResult.model_validate_json(r.value) for r in recheck_records}
    assert set(results) == {article_id(missing)} and len(recheck_records) == 1
    result, p = results[article_id(missing)], page(missing)
    assert (result.outcome, result.status, result.failure) == (p.outcome, p.status, p.failure)
    assert result.final_url == p.final_url and result.fetched_at == p.fetched_at
    assert result.failure == "not_found" and result.status == 404
    assert "/story/" in str(page(moved).final_url) and page(moved).reason == "recheck"

    dlq = await read_until(own_topics, DLQ.full_name(prefix), lambda rs: False, timeout_s=3)
    letters = [DeadLetter.model_validate_json(r.value) for r in dlq]
    assert not [d for d in letters if d.stage == "fetcher"]
