"""Compression bombs and binary bodies from the news farm, through the fetcher's real client and
its decision: every article of every such outlet ends as a failed page with a clear reason, the
bombs are stopped early (a few MB read at most), and a healthy outlet is fetched right after."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter

from newswire.contracts import FetchedPage, FetchRequest, utcnow
from newswire.contracts.ids import article_id, host_of
from newswire.farm import Assign, FarmConfig, OutletBehaviour, run_farm
from newswire.fetcher.adapters import AiohttpPageClient
from newswire.fetcher.logic import decide
from newswire.fetcher.settings import FetcherSettings

#: farm misbehaviour -> the failure the fetcher must report
FAULTS = {
    "gzip_bomb": "too_large",
    "brotli_bomb": "too_large",
    "endless_chunked": "too_large",
    "binary_as_html": "not_html",
    "octet_stream": "not_html",
    "pdf": "not_html",
}
PER_OUTLET = 6
MAX_BODY = 2 * 1024 * 1024


async def test_bombs_and_binaries_from_the_farm() -> None:
    rules = [Assign(OutletBehaviour(page_fault=f), indexes=(i + 1,)) for i, f in enumerate(FAULTS)]  # type: ignore[arg-type]
    config = FarmConfig(outlets=len(FAULTS) + 1, port=0, articles_per_outlet=PER_OUTLET, behaviours=rules, use_fixtures=False)
    settings = FetcherSettings(  # type: ignore[call-arg]
        allow_private_networks=[ipaddress.ip_network("127.0.0.0/8")], min_host_delay_s=0.0,
        per_host_concurrency=PER_OUTLET, total_timeout_s=10.0, fetch_budget_s=15.0, max_body_bytes=MAX_BODY,
    )
    async with run_farm(config) as farm:
        client = AiohttpPageClient(settings)
        try:
            by_outlet = {i: [a.link for a in farm.articles() if a.outlet == i] for i in range(len(FAULTS) + 1)}
            seen: Counter[str] = Counter()
            for i, (fault, failure) in enumerate(FAULTS.items(), start=1):
                links = by_outlet[i]
                assert len(links) >= PER_OUTLET
                results = await asyncio.gather(*(client.fetch(u) for u in links))
                for url, result in zip(links, results):
                    request = FetchRequest(url=url, host=host_of(url), article_id=article_id(url), reason="new", requested_at=utcnow())
                    page = decide(request, result, utcnow(), last_attempt=True)
                    assert isinstance(page, FetchedPage) and page.outcome == "failed", (fault, page)
                    assert page.failure == failure and page.failure_detail, (fault, page.failure, page.failure_detail)
                    assert result.byte_size <= MAX_BODY, (fault, result.byte_size)
                    page.to_bytes().decode("utf-8")
                    seen[fault] += 1
            healthy = await asyncio.gather(*(client.fetch(u) for u in by_outlet[0]))
            assert all(r.status == 200 and r.body for r in healthy)
        finally:
            await client.close()
    assert sum(seen.values()) == len(FAULTS) * PER_OUTLET
    print(f"\nfarm bombs and binaries: {sum(seen.values())} fetches tried ({dict(seen)}), 0 crashed, all failed with a reason")
