"""The tracker started over a table the previous releases wrote: plain dict states (schema 2, and
schema 1 of the first release) and outlet counters without `schema_version`, as they lie in
production changelogs (taken from `tests/unit/tracker/state/legacy_records.json`, made by the
previous release's code). The real tracker, on RocksDB, reads them as they were: an edit of each
legacy article is its version n+1 with one revision, their due re-checks are issued (the live
one's with its stored fingerprint), and the records are written back as typed ones (the article
as `schema_version` 3, the counters counted on from their stored values)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka.partitioner import murmur2
from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.contracts import ArticleVersion, FetchRequest, RevisionEvent, utcnow
from newswire.contracts.fetch import PageFingerprint
from newswire.topics import ARTICLES_NORMALISED, ARTICLES_REVISIONS, ARTICLES_VERSIONS, FETCH_REQUESTS, TABLES
from newswire.tracker.state import outlet_key
from tests.integration.kafka_io import read_until
from tests.integration.poller.test_legacy_state import produce_to
from tests.integration.stage_process import StageProcess
from tests.integration.tracker.test_tracker import ENV, _send
from tests.unit.tracker.test_logic import article

LEGACY = json.loads((Path(__file__).parents[2] / "unit" / "tracker" / "state" / "legacy_records.json").read_text("utf-8"))
LIVE = LEGACY["steps"][0]["key"]  # schema 2: version 10, live, with a fingerprint
OLD = "00112233445566778899aabbccddeeff"  # schema 1 (the first release): version 2
HOST = "www.example.com"
EDIT = ("Kerry flies to Geneva.", "Talks with Lavrov on Syria resumed on Saturday.", "A new paragraph on the ceasefire.")


def diagnosis(log: str) -> str:
    """The stage's log without its periodic re-check lines: what a failure message should show."""
    return "\n".join(line for line in log.splitlines() if "rechecks_issued" not in line)[-6000:]


def partition_of(key: str) -> int:
    """The source partition of a key (Kafka's default partitioner): its table partition."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % ARTICLES_NORMALISED.partitions


async def test_the_previous_releases_table_is_read_as_it_was(own_topics: KafkaSettings, tmp_path: Path) -> None:
    kafka = own_topics
    changelog = next(t for t in TABLES if t.stage == "tracker" and t.table == "articles").full_name(kafka.topic_prefix)
    # first seen a minute ago (within the test's 600 s horizon) and due now; all else as stored
    recent = {"first_seen": (utcnow() - timedelta(minutes=1)).isoformat(), "next_check_at": utcnow().isoformat()}
    live = {**LEGACY["table"][LIVE], **recent, "partition": partition_of(LIVE)}
    old = {**LEGACY["schema1"][OLD], **recent, "partition": partition_of(OLD)}
    assert live["schema"] == 2 and live["version"] == 10 and old["schema"] == 1 and old["version"] == 2
    counters: dict[str, dict[str, Any]] = {}
    for key in (LIVE, OLD):
        okey = outlet_key(partition_of(key), HOST)
        counters[okey] = {"kind": "outlet", "host": HOST, "articles": 120, "edited": 30}  # before re-check verdicts
    for key, value in ((LIVE, live), (OLD, old), *counters.items()):
        partition = partition_of(key) if not key.startswith("~") else int(key.split(":")[1])
        await produce_to(kafka, changelog, partition, key, value)

    with StageProcess("tracker", kafka, tmp_path, env=ENV) as tracker:
        now = utcnow()
        await _send(kafka, [article(EDIT, at=now), article(EDIT, at=now).model_copy(update={"article_id": OLD})])

        def versions(rs: list[ConsumerRecord]) -> dict[str, set[int]]:
            """Version numbers by article (a message delivered twice is published again, with
            the same ids: at least once)."""
            out: dict[str, set[int]] = {}
            for v in (ArticleVersion.model_validate_json(r.value) for r in rs):
                out.setdefault(v.article_id, set()).add(v.version)
            return out

        records = await read_until(kafka, ARTICLES_VERSIONS.full_name(kafka.topic_prefix),
                                   lambda rs: len(versions(rs)) == 2, timeout_s=60)
        assert versions(records) == {LIVE: {11}, OLD: {3}}, diagnosis(tracker.log())
        revisions = {(e.article_id, e.previous_version, e.version, e.revision_id): e for e in (
            RevisionEvent.model_validate_json(r.value) for r in await read_until(
                kafka, ARTICLES_REVISIONS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 2, timeout_s=10))}
        assert sorted(k[:3] for k in revisions) == sorted([(LIVE, 10, 11), (OLD, 2, 3)])
        assert all("body_edited" in e.kinds for e in revisions.values())

        def rechecks(rs: list[ConsumerRecord]) -> dict[str, FetchRequest]:
            return {q.article_id: q for q in (FetchRequest.model_validate_json(r.value) for r in rs)
                    if q.reason == "recheck"}

        # both were due (their stored next_check_at): the timer read them from the table
        records = await read_until(kafka, FETCH_REQUESTS.full_name(kafka.topic_prefix),
                                   lambda rs: {LIVE, OLD} <= set(rechecks(rs)), timeout_s=30)
        assert {LIVE, OLD} <= set(rechecks(records)), diagnosis(tracker.log())
        log = tracker.log()
    assert "record_unreadable" not in log and "Traceback" not in log, log[-4000:]
    # the re-check issued before or after the edit: the fingerprint it carried is a stored one
    assert rechecks(records)[LIVE].fingerprint in (PageFingerprint.model_validate(live["fingerprint"]),
                                                   None)

    stored = await read_until(kafka, changelog, lambda _: False, timeout_s=2)
    latest = {json.loads(r.key): json.loads(r.value) for r in stored}
    assert latest[LIVE]["schema_version"] == 3 and latest[LIVE]["version"] == 11 and "schema" not in latest[LIVE]
    assert latest[OLD]["schema_version"] == 3 and latest[OLD]["version"] == 3 and "hashes" not in latest[OLD]
    assert latest[OLD]["sigs"][:2] == ["", ""] and latest[LIVE]["prev"]["version"] == 10
    # each edit counted as a changed re-check; the schema 1 article's was its first edit
    expected: dict[str, dict[str, int]] = {k: {"articles": 120, "edited": 30, "checks": 0, "changed_checks": 0}
                                           for k in counters}
    for key, first_edit in ((LIVE, False), (OLD, True)):
        c = expected[outlet_key(partition_of(key), HOST)]
        c.update(edited=c["edited"] + first_edit, checks=c["checks"] + 1, changed_checks=c["changed_checks"] + 1)
    for okey, counts in expected.items():
        assert latest[okey] == {"schema_version": 1, "kind": "outlet", "host": HOST, **counts}, okey
