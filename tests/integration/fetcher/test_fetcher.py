"""The real fetcher, as its own process, against a local news farm and the real Kafka: article
pages come back ok with their HTML, permanent failures as failed pages of the right class."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, FetchRequest, utcnow
from newswire.contracts.ids import article_id, host_of
from newswire.farm import Assign, FarmConfig, outlet_address, run_farm
from newswire.kafka.admin import ensure_topics
from newswire.runtime.codec import encode
from newswire.topics import all_topics, DLQ, FETCH_REQUESTS, PAGES
from tests.conftest import REPO
from tests.integration.kafka_io import produce, read_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def own_kafka(kafka_settings: KafkaSettings, topics: list[str]) -> KafkaSettings:
    """This test's own topics (under the session prefix, so the session deletes them): other
    tests' messages on the shared topics must not reach this stage."""
    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}fetcher."})
    await ensure_topics(settings, all_topics())
    return settings


@pytest.fixture
def fetcher(own_kafka: KafkaSettings, tmp_path: Path) -> Iterator[Path]:
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": own_kafka.topic_prefix,
        "NEWSWIRE_STORE": "memory://",
        "NEWSWIRE_DATA_DIR": str(tmp_path / "data"),
        "NEWSWIRE_WEB_PORT": str(_free_port()),
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
        "NEWSWIRE_MIN_HOST_DELAY_S": "0",
        "NEWSWIRE_TOTAL_TIMEOUT_S": "10",
        "NEWSWIRE_MAX_BODY_BYTES": str(1024 * 1024),
        "NEWSWIRE_RETRY__MAX_ATTEMPTS": "2",
        "NEWSWIRE_RETRY__BASE_DELAY_S": "0.2",
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "fetcher.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "newswire.cli.main", "run", "fetcher"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield log_path
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _request(url: str) -> FetchRequest:
    return FetchRequest(
        url=url, host=host_of(url), article_id=article_id(url), reason="new", requested_at=utcnow()
    )


async def test_fetcher_against_the_farm(own_kafka: KafkaSettings, fetcher: Path) -> None:
    prefix = own_kafka.topic_prefix
    config = FarmConfig(
        outlets=5, port=0,
        behaviours=(
            Assign("redirect-loop", indexes=(2,)),
            Assign("redirecting", indexes=(1,)),
            Assign("huge", indexes=(3,)),
            Assign("broken", indexes=(4,)),
        ),
    )
    async with run_farm(config) as farm:
        articles = farm.articles()
        good = [a for a in articles if a.outlet in (0, 1)]
        looping = next(a for a in articles if a.outlet == 2)
        huge = next(a for a in articles if a.outlet == 3)
        broken = next(a for a in articles if a.outlet == 4)
        base = f"http://{outlet_address(0)}:{farm.port}"
        failures = {
            f"{base}/news/no-such-article": "not_found",
            looping.link: "redirect_loop",
            huge.link: "too_large",
            f"{base}/robots.txt": "not_html",
            "http://10.1.2.3/news/internal": "refused_address",
            f"http://127.0.0.1:{farm.port}/_farm/stats": "not_html",
        }
        requests = [_request(a.link) for a in good] + [_request(u) for u in failures]
        transient = _request(broken.link)
        await produce(
            own_kafka, FETCH_REQUESTS.full_name(prefix),
            [(r.host.encode(), encode(FETCH_REQUESTS, r)) for r in [*requests, transient]],
        )
        wanted = {r.article_id for r in requests}

        def pages_of(records: list) -> dict[str, FetchedPage]:  # type: ignore[type-arg]
            pages = [FetchedPage.model_validate_json(r.value) for r in records]
            return {p.article_id: p for p in pages}

        records = await read_until(
            own_kafka, PAGES.full_name(prefix), lambda rs: wanted <= set(pages_of(rs)), timeout_s=45
        )
        pages = pages_of(records)
        assert wanted <= set(pages), fetcher.read_text()[-3000:]
        assert len(records) == len(requests)  # exactly one page per request

        for a in good:
            page = pages[article_id(a.link)]
            assert page.outcome == "ok" and page.status == 200 and page.failure is None, page
            assert page.html is not None and a.title.split()[0] in page.html
            assert page.charset == "utf-8" and page.content_type == "text/html"
            assert str(page.requested_url) == a.link and page.byte_size > 0
            assert {k for k in page.headers} <= {"etag", "last-modified", "content-type", "content-language", "cache-control", "retry-after"}
            if a.outlet == 1:  # /news/... redirects to the canonical /story/...
                assert page.redirect_chain == (a.link,) and "/story/" in str(page.final_url)
            else:
                assert page.redirect_chain == () and str(page.final_url) == a.link

        for url, failure in failures.items():
            page = pages[article_id(url)]
            assert page.outcome == "failed" and page.failure == failure, (url, page.failure, page.failure_detail)
            assert page.html is None
        loop_page = pages[article_id(looping.link)]
        assert 2 <= len(loop_page.redirect_chain) <= 10 and loop_page.redirect_chain[0] == looping.link
        assert pages[article_id(f"{base}/news/no-such-article")].status == 404

        # a 500 every time: retried by the runtime, then dead-lettered with the original bytes
        def fetcher_letters(rs: list) -> list[DeadLetter]:  # type: ignore[type-arg]
            letters = [DeadLetter.model_validate_json(r.value) for r in rs]
            return [d for d in letters if d.stage == "fetcher"]

        dlq = await read_until(
            own_kafka, DLQ.full_name(prefix), lambda rs: bool(fetcher_letters(rs)), timeout_s=30
        )
        (letter,) = fetcher_letters(dlq)
        assert letter.error_class == "transient" and letter.attempts == 2
        assert letter.value == encode(FETCH_REQUESTS, transient) and "HTTP 500" in letter.error_message
        assert article_id(broken.link) not in pages
