"""Through the real Kafka, the real tracker process (StageProcess):

1. the Guardian article's observations give versions 1 and 2 and exactly one revision event,
   a re-check request keyed by host, and a failed re-check (a 404 RecheckResult on the re-checks
   topic, as the fetcher reports it) gives the 'deleted' version 3;
2. killed with SIGKILL mid-stream and restarted, the tracker recovers its table from the
   changelog: replayed messages make no duplicate versions and the next edit is the next number.

Each test runs on its own topics (`own_topics`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.contracts import (
    ArticleVersion,
    FetchRequest,
    NormalisedArticle,
    RecheckResult,
    RevisionEvent,
    utcnow,
)
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import RevisionArticle
from newswire.runtime.codec import encode
from newswire.text import content_hash
from newswire.topics import ARTICLES_NORMALISED, ARTICLES_REVISIONS, ARTICLES_VERSIONS, FETCH_REQUESTS, RECHECKS
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

ENV = {
    "NEWSWIRE_RECHECK_TICK_S": "1",
    "NEWSWIRE_RECHECK_INITIAL_S": "3",
    "NEWSWIRE_RECHECK_HORIZON_S": "600",
}


def _article(guardian: RevisionArticle, paragraphs: tuple[str, ...], at: datetime) -> NormalisedArticle:
    url = guardian.url
    return NormalisedArticle(
        article_id=article_id(url), canonical_url=url, url=url, host="www.theguardian.com",
        outlet="The Guardian", title=guardian.title, paragraphs=paragraphs, text="\n\n".join(paragraphs),
        content_hash=content_hash(guardian.title, paragraphs), word_count=len(" ".join(paragraphs).split()),
        language="en", fetched_at=at,
    )


async def _send(kafka: KafkaSettings, articles: list[NormalisedArticle]) -> None:
    source = ARTICLES_NORMALISED.full_name(kafka.topic_prefix)
    await produce(kafka, source, [(a.article_id.encode(), encode(ARTICLES_NORMALISED, a)) for a in articles])


def _versions(records: list[ConsumerRecord], aid: str) -> list[ArticleVersion]:
    out = [ArticleVersion.model_validate_json(r.value) for r in records]
    return [v for v in out if v.article_id == aid]


async def test_versions_revision_recheck_and_deletion(
    own_topics: KafkaSettings, guardian: RevisionArticle, tmp_path: Path
) -> None:
    kafka = own_topics
    aid = article_id(guardian.url)
    v0, v1 = guardian.versions[0], guardian.versions[1]
    t0 = utcnow()
    with StageProcess("tracker", kafka, tmp_path, env=ENV) as tracker:
        await _send(kafka, [
            _article(guardian, v0, t0),
            _article(guardian, v0, t0 + timedelta(seconds=1)),  # the same text again
            _article(guardian, v1, t0 + timedelta(seconds=2)),
        ])
        versions_topic = ARTICLES_VERSIONS.full_name(kafka.topic_prefix)
        records = await read_until(kafka, versions_topic, lambda rs: len(_versions(rs, aid)) >= 2, timeout_s=60)
        found = _versions(records, aid)
        assert [v.version for v in found] == [1, 2], tracker.log()[-4000:]
        assert found[0].article.paragraphs == v0 and found[1].article.paragraphs == v1
        assert found[1].first_seen == found[0].first_seen

        revisions_topic = ARTICLES_REVISIONS.full_name(kafka.topic_prefix)
        revisions = [
            RevisionEvent.model_validate_json(r.value)
            for r in await read_until(kafka, revisions_topic, lambda rs: len(rs) >= 1, timeout_s=10)
        ]
        assert len(revisions) == 1, tracker.log()[-4000:]
        rev = revisions[0]
        assert rev.article_id == aid and (rev.previous_version, rev.version) == (1, 2)
        assert [c.old_index for c in rev.changes] == [5, 6, 7] == list(guardian.changed_paragraph_indexes)
        assert {c.op for c in rev.changes} == {"changed"} and rev.kinds == ("body_edited",)
        assert "<del>Fatah</del><ins>Fateh</ins>" in rev.diff_html

        def rechecks(rs: list[ConsumerRecord]) -> list[FetchRequest]:
            out = [FetchRequest.model_validate_json(r.value) for r in rs]
            return [r for r in out if r.article_id == aid and r.reason == "recheck"]

        records = await read_until(
            kafka, FETCH_REQUESTS.full_name(kafka.topic_prefix), lambda rs: bool(rechecks(rs)), timeout_s=20
        )
        assert rechecks(records), tracker.log()[-4000:]
        assert str(rechecks(records)[0].url) == guardian.url
        assert all(r.key == b"www.theguardian.com" for r in records)
        assert "timer_failed" not in tracker.log(), tracker.log()[-4000:]

        # the re-check comes back 404: the article is deleted (version 3, carrying its last text)
        gone = RecheckResult(
            article_id=aid, requested_url=guardian.url, final_url=guardian.url,
            outcome="failed", status=404, failure="not_found", failure_detail="HTTP 404", fetched_at=utcnow(),
        )
        await produce(kafka, RECHECKS.full_name(kafka.topic_prefix), [(aid.encode(), encode(RECHECKS, gone))])
        records = await read_until(kafka, versions_topic, lambda rs: len(_versions(rs, aid)) >= 3, timeout_s=30)
        deleted = _versions(records, aid)[2]
        assert (deleted.version, deleted.status) == (3, "deleted"), tracker.log()[-4000:]
        assert deleted.article.paragraphs == v1
        records = await read_until(kafka, revisions_topic, lambda rs: len(rs) >= 2, timeout_s=10)
        last = RevisionEvent.model_validate_json(records[-1].value)
        assert last.kinds == ("deleted",) and last.status == "deleted"


async def test_restart_recovers_state_without_duplicate_versions(
    own_topics: KafkaSettings, guardian: RevisionArticle, tmp_path: Path
) -> None:
    kafka = own_topics
    aid = article_id(guardian.url)
    v0, v1 = guardian.versions[0], guardian.versions[1]
    v2 = (*v1[:-1], v1[-1] + " This article was amended to correct the name of the group.")
    t0 = utcnow()
    first, second = _article(guardian, v0, t0), _article(guardian, v1, t0 + timedelta(seconds=1))
    versions_topic = ARTICLES_VERSIONS.full_name(kafka.topic_prefix)
    tracker = StageProcess("tracker", kafka, tmp_path, env=ENV)
    try:
        tracker.start()
        await _send(kafka, [first, second])
        records = await read_until(kafka, versions_topic, lambda rs: len(_versions(rs, aid)) >= 2, timeout_s=60)
        assert [v.version for v in _versions(records, aid)] == [1, 2], tracker.log()[-4000:]
        # let it commit its offsets and table changelog (Faust commits every ~3 s), then crash:
        # from here on, only the recovered table knows that versions 1 and 2 exist
        await asyncio.sleep(8)
        tracker.kill()  # SIGKILL: no clean shutdown, no final commit

        # while it is down, both messages come again (a producer retry, a replay) and a real edit
        third = _article(guardian, v2, t0 + timedelta(seconds=5))
        await _send(kafka, [first, second, third])
        tracker.start()
        records = await read_until(
            kafka, versions_topic, lambda rs: any(v.version == 3 for v in _versions(rs, aid)), timeout_s=90
        )
    finally:
        tracker.stop()
    found = _versions(records, aid)
    # the replays were recognised from the recovered state: no new version for them. The latest
    # one may be published again with the same id (a crash between the state write and the
    # publish must not lose it), which every consumer's idempotent write absorbs.
    assert sorted({v.version for v in found}) == [1, 2, 3], (found, tracker.log()[-4000:])
    assert [v.version for v in found if v.version != 2] == [1, 3]
    by_number: dict[int, set[str]] = {}
    for v in found:
        by_number.setdefault(v.version, set()).add(v.article.content_hash)
    assert sorted(by_number) == [1, 2, 3], (found, tracker.log()[-4000:])
    # a version number is never reused for another text (re-emitting the same one is idempotent)
    assert all(len(hashes) == 1 for hashes in by_number.values())
    assert by_number[3] == {third.content_hash}
    revisions = [
        RevisionEvent.model_validate_json(r.value)
        for r in await read_until(
            kafka, ARTICLES_REVISIONS.full_name(kafka.topic_prefix),
            lambda rs: any(RevisionEvent.model_validate_json(r.value).version == 3 for r in rs), timeout_s=20,
        )
    ]
    assert {r.version for r in revisions} == {2, 3}
    assert not any("reverted" in r.kinds for r in revisions)  # replays did not undo anything
    v3 = next(r for r in revisions if r.version == 3)
    assert "correction_appended" in v3.kinds and v3.previous_version == 2
