"""Through the real Kafka, the real tracker process: an article's fingerprint is carried on its
re-check requests, and an 'unchanged' RecheckResult (no article) moves the body digest the next
re-check carries, without a version."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.contracts import ArticleVersion, FetchRequest, RecheckResult, utcnow
from newswire.contracts.fetch import PageFingerprint
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import RevisionArticle
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_VERSIONS, FETCH_REQUESTS, RECHECKS
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.integration.tracker.test_tracker import ENV, _article, _send, _versions

FP = PageFingerprint(body_digest="1" * 32, region=("#story", "div.body:0"), region_digest="2" * 32)


async def test_fingerprint_on_rechecks_and_unchanged_results(
    own_topics: KafkaSettings, guardian: RevisionArticle, tmp_path: Path
) -> None:
    kafka = own_topics
    aid = article_id(guardian.url)
    t0 = utcnow()
    with StageProcess("tracker", kafka, tmp_path, env=ENV) as tracker:
        first = _article(guardian, guardian.versions[0], t0).model_copy(update={"fingerprint": FP})
        await _send(kafka, [first])

        def rechecks(rs: list[ConsumerRecord]) -> list[FetchRequest]:
            out = [FetchRequest.model_validate_json(r.value) for r in rs]
            return [r for r in out if r.article_id == aid and r.reason == "recheck"]

        requests_topic = FETCH_REQUESTS.full_name(kafka.topic_prefix)
        records = await read_until(kafka, requests_topic, lambda rs: bool(rechecks(rs)), timeout_s=30)
        assert rechecks(records)[0].fingerprint == FP, tracker.log()[-4000:]

        # the normaliser found the article's region unchanged on a page with other bytes
        same = RecheckResult(
            article_id=aid, requested_url=guardian.url, final_url=guardian.url, outcome="ok", status=200,
            fetched_at=utcnow() + timedelta(seconds=1), unchanged="same_region", body_digest="3" * 32,
        )
        await produce(kafka, RECHECKS.full_name(kafka.topic_prefix), [(aid.encode(), encode(RECHECKS, same))])

        def carries_new_digest(rs: list[ConsumerRecord]) -> bool:
            return any(r.fingerprint is not None and r.fingerprint.body_digest == "3" * 32 for r in rechecks(rs))

        records = await read_until(kafka, requests_topic, carries_new_digest, timeout_s=60)
        latest = [r for r in rechecks(records) if r.fingerprint is not None and r.fingerprint.body_digest == "3" * 32]
        assert latest[0].fingerprint is not None and latest[0].fingerprint.region == FP.region
        versions = await read_until(
            kafka, ARTICLES_VERSIONS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=10
        )
        found: list[ArticleVersion] = _versions(versions, aid)
        assert [v.version for v in found] == [1], tracker.log()[-4000:]  # no version from it
        assert "timer_failed" not in tracker.log() and "Traceback" not in tracker.log(), tracker.log()[-4000:]
