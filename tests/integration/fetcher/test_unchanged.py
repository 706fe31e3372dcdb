"""The real fetcher process against the farm and the real Kafka: a re-check whose body has the
digest of the fetch the article was extracted from is only an 'unchanged' RecheckResult (no page);
one whose digest differs is a page (with the fingerprint, for the normaliser, which reports it),
unless the fetcher's own region test recognises the article in it (a lexbor fingerprint)."""

from __future__ import annotations

from pathlib import Path

from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage, RecheckResult
from newswire.contracts.fetch import PageFingerprint
from newswire.farm import FarmConfig, run_farm
from newswire.runtime.codec import encode
from newswire.topics import FETCH_REQUESTS, PAGES, RECHECKS
from tests.integration.fetcher.messages import fetch_request as _request
from tests.integration.fetcher.test_fetcher import ENV
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess


async def test_same_body_is_reported_unchanged_without_a_page(own_topics: KafkaSettings, tmp_path: Path) -> None:
    prefix = own_topics.topic_prefix
    pages_topic, rechecks_topic = PAGES.full_name(prefix), RECHECKS.full_name(prefix)

    def pages_of(rs: list[ConsumerRecord]) -> list[FetchedPage]:
        return [FetchedPage.model_validate_json(r.value) for r in rs]

    async with run_farm(FarmConfig(outlets=1, port=0)) as farm:
        same_url, other_url = [a.link for a in farm.articles()][:2]
        with StageProcess("fetcher", own_topics, tmp_path, env=ENV) as proc:
            first = [_request(same_url), _request(other_url)]
            await produce(own_topics, FETCH_REQUESTS.full_name(prefix), [(r.host.encode(), encode(FETCH_REQUESTS, r)) for r in first])
            records = await read_until(own_topics, pages_topic, lambda rs: len(rs) >= 2, timeout_s=60)
            digests = {p.article_id: p.body_digest for p in pages_of(records)}
            assert all(digests.values()) and len(set(digests.values())) == 2, proc.log()[-3000:]

            same = _request(same_url, "recheck")
            same = same.model_copy(update={"fingerprint": PageFingerprint(body_digest=digests[same.article_id])})
            other = _request(other_url, "recheck")
            other = other.model_copy(update={"fingerprint": PageFingerprint(body_digest="0" * 32, region=("#x",), region_digest="1" * 32)})
            await produce(own_topics, FETCH_REQUESTS.full_name(prefix), [(r.host.encode(), encode(FETCH_REQUESTS, r)) for r in (same, other)])
            records = await read_until(own_topics, pages_topic, lambda rs: len(rs) >= 3, timeout_s=60)
            results = await read_until(own_topics, rechecks_topic, lambda rs: len(rs) >= 1, timeout_s=30)

    by_id = {r.article_id: r for r in (RecheckResult.model_validate_json(x.value) for x in results)}
    assert by_id[same.article_id].unchanged == "same_body" and by_id[same.article_id].outcome == "ok"
    assert by_id[same.article_id].body_digest == digests[same.article_id]
    assert set(by_id) == {same.article_id}  # the other one's result is the normaliser's
    # the pages topic has several partitions: its records come in no order across them
    later = [p for p in pages_of(records) if p.reason == "recheck"]
    assert [p.article_id for p in later] == [other.article_id]  # no page for the unchanged one
    assert later[0].html and later[0].fingerprint == other.fingerprint


async def test_the_same_region_in_other_bytes_is_reported_unchanged_without_a_page(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    """A re-check whose bytes differ from the last fetch's (here: the digest it carries is
    another's) but whose article region and verdict inputs hash as recorded: the fetcher's region
    test answers it, and no page goes on."""
    from newswire.normaliser.logic import extract_with_fingerprint

    prefix = own_topics.topic_prefix
    pages_topic, rechecks_topic = PAGES.full_name(prefix), RECHECKS.full_name(prefix)
    async with run_farm(FarmConfig(outlets=1, port=0)) as farm:
        url = next(a.link for a in farm.articles())
        with StageProcess("fetcher", own_topics, tmp_path, env=ENV) as proc:
            first = _request(url)
            await produce(own_topics, FETCH_REQUESTS.full_name(prefix), [(first.host.encode(), encode(FETCH_REQUESTS, first))])
            records = await read_until(own_topics, pages_topic, lambda rs: len(rs) >= 1, timeout_s=60)
            page = FetchedPage.model_validate_json(records[0].value)
            assert page.html, proc.log()[-3000:]
            # the fingerprint the normaliser records of this page, with another fetch's digest
            _, recorded = extract_with_fingerprint(page.html, str(page.final_url), "0" * 32)
            assert recorded is not None and recorded.region_parser == "lexbor"
            recheck = _request(url, "recheck").model_copy(update={"fingerprint": recorded})
            await produce(own_topics, FETCH_REQUESTS.full_name(prefix), [(recheck.host.encode(), encode(FETCH_REQUESTS, recheck))])
            results = await read_until(own_topics, rechecks_topic, lambda rs: len(rs) >= 1, timeout_s=60)
            records = await read_until(own_topics, pages_topic, lambda rs: len(rs) >= 1, timeout_s=5)

    result = RecheckResult.model_validate_json(results[0].value)
    assert result.article_id == recheck.article_id and result.unchanged == "same_region"
    assert result.body_digest == page.body_digest != "0" * 32  # the tracker keeps these bytes' digest
    assert [FetchedPage.model_validate_json(r.value).reason for r in records] == ["new"]  # no page for it
