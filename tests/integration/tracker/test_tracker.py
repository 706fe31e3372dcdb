"""Through the real Kafka: the real tracker process turns the Guardian article's observations into
versions 1 and 2 and exactly one revision event, and schedules a re-check.

The run's topics get a sub-prefix of the session prefix (so other tests reading the shared
topics never see these messages; the session fixture still deletes them at the end).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import ArticleVersion, FetchRequest, NormalisedArticle, RevisionEvent, utcnow
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import RevisionArticle, load_revision, locate_fixtures
from newswire.kafka.admin import ensure_topics
from newswire.normaliser.logic import content_hash
from newswire.runtime.codec import encode
from newswire.topics import (
    ARTICLES_NORMALISED,
    ARTICLES_REVISIONS,
    ARTICLES_VERSIONS,
    FETCH_REQUESTS,
    all_topics,
)
from tests.conftest import REPO
from tests.integration.kafka_io import produce, read_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def guardian() -> RevisionArticle:
    root = locate_fixtures()
    path = None if root is None else root / "revisions" / "guardian-kerry-lavrov.json"
    if path is None or not path.is_file():
        pytest.skip("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
    return load_revision(path)


@pytest.fixture(scope="module")
async def kafka(kafka_settings: KafkaSettings, topics: list[str]) -> KafkaSettings:
    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}trk-"})
    await ensure_topics(settings, all_topics())
    return settings


@pytest.fixture
def tracker(kafka: KafkaSettings, tmp_path: Path) -> Iterator[Path]:
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_STORE": os.environ.get("NEWSWIRE_IT_STORE", "memory://"),
        "NEWSWIRE_DATA_DIR": str(tmp_path / "data"),
        "NEWSWIRE_WEB_PORT": str(_free_port()),
        "NEWSWIRE_LOG_FORMAT": "json",
        "NEWSWIRE_RECHECK_TICK_S": "1",
        "NEWSWIRE_RECHECK_INITIAL_S": "3",
        "NEWSWIRE_RECHECK_HORIZON_S": "600",
    }
    log_path = tmp_path / "tracker.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "run", "tracker"],
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
                proc.wait()


def _article(guardian: RevisionArticle, paragraphs: tuple[str, ...]) -> NormalisedArticle:
    url = guardian.url
    return NormalisedArticle(
        article_id=article_id(url), canonical_url=url, url=url, host="www.theguardian.com",
        outlet="The Guardian", title=guardian.title, paragraphs=paragraphs, text="\n\n".join(paragraphs),
        content_hash=content_hash(guardian.title, paragraphs), word_count=len(" ".join(paragraphs).split()),
        language="en", fetched_at=utcnow(),
    )


async def test_versions_revision_and_recheck(
    kafka: KafkaSettings, guardian: RevisionArticle, tracker: Path
) -> None:
    aid = article_id(guardian.url)
    v0, v1 = guardian.versions[0], guardian.versions[1]
    key = aid.encode()
    source = ARTICLES_NORMALISED.full_name(kafka.topic_prefix)
    await produce(kafka, source, [(key, encode(ARTICLES_NORMALISED, _article(guardian, v0)))])
    await produce(kafka, source, [(key, encode(ARTICLES_NORMALISED, _article(guardian, v0)))])
    await produce(kafka, source, [(key, encode(ARTICLES_NORMALISED, _article(guardian, v1)))])

    def versions(records: list) -> list[ArticleVersion]:  # type: ignore[type-arg]
        out = [ArticleVersion.model_validate_json(r.value) for r in records]
        return [v for v in out if v.article_id == aid]

    def log_tail() -> str:
        return tracker.read_text(errors="replace")[-4000:]

    records = await read_until(
        kafka, ARTICLES_VERSIONS.full_name(kafka.topic_prefix), lambda rs: len(versions(rs)) >= 2,
        timeout_s=45,
    )
    found = versions(records)
    # the duplicate was processed before the edit (same partition, in order): still two versions
    assert [v.version for v in found] == [1, 2], log_tail()
    assert found[0].article.paragraphs == v0 and found[1].article.paragraphs == v1
    assert found[1].first_seen == found[0].first_seen

    revisions = [
        RevisionEvent.model_validate_json(r.value)
        for r in await read_until(
            kafka, ARTICLES_REVISIONS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=10
        )
    ]
    assert len(revisions) == 1, log_tail()
    rev = revisions[0]
    assert rev.article_id == aid and (rev.previous_version, rev.version) == (1, 2)
    assert [c.old_index for c in rev.changes] == [5, 6, 7] == list(guardian.changed_paragraph_indexes)
    assert {c.op for c in rev.changes} == {"changed"} and rev.kinds == ("body_edited",)
    assert "<del>Fatah</del><ins>Fateh</ins>" in rev.diff_html

    def rechecks(records: list) -> list[FetchRequest]:  # type: ignore[type-arg]
        out = [FetchRequest.model_validate_json(r.value) for r in records]
        return [r for r in out if r.article_id == aid and r.reason == "recheck"]

    records = await read_until(
        kafka, FETCH_REQUESTS.full_name(kafka.topic_prefix), lambda rs: bool(rechecks(rs)), timeout_s=20
    )
    found_rechecks = rechecks(records)
    assert found_rechecks, log_tail()
    assert str(found_rechecks[0].url) == guardian.url and found_rechecks[0].host == "www.theguardian.com"
    assert all(r.key == b"www.theguardian.com" for r in records)
    # the timer moved the schedule on (its table write worked): no failures, no request per tick
    assert "timer_failed" not in tracker.read_text(errors="replace"), log_tail()
    assert len(found_rechecks) <= 2
