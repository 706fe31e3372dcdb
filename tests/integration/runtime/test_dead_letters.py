"""Through the real Kafka: a poison message lands in the dead-letter topic with its original bytes
and reason, a transient failure is retried without blocking, and `newswire dlq replay` re-injects
dead letters once the fix is in."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES
from tests.conftest import REPO
from tests.factories import fetched_page
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess

GARBAGE = b"\xff\xfe<html> not json at all"


def _page(html: str, n: int) -> bytes:
    page = fetched_page().model_copy(update={"html": html, "final_url": f"https://www.example.com/p/{n}"})
    return encode(PAGES, FetchedPage.model_validate(page.model_dump()))


@pytest.fixture
def probe(own_topics: KafkaSettings, tmp_path: Path) -> Iterator[dict[str, object]]:
    env = {
        "NEWSWIRE_RETRY__BASE_DELAY_S": "0.2",
        "PROBE_FIX": str(tmp_path / "fixed"),
        "PROBE_FLAKY_DIR": str(tmp_path),
    }
    with StageProcess("probe", own_topics, tmp_path, env, module="tests.integration.stages.probe_stage") as p:
        yield {"settings": own_topics, "port": p.port, "fix": tmp_path / "fixed", "env": p.env, "log": p.log_path}


def _articles(records: list) -> set[str]:  # type: ignore[type-arg]
    return {NormalisedArticle.model_validate_json(r.value).text for r in records}


def _letters(records: list) -> list[DeadLetter]:  # type: ignore[type-arg]
    return [DeadLetter.model_validate_json(r.value) for r in records]


async def test_poison_flaky_and_replay(probe: dict[str, object]) -> None:
    kafka_settings = probe["settings"]
    assert isinstance(kafka_settings, KafkaSettings)
    prefix = kafka_settings.topic_prefix
    pages = PAGES.full_name(prefix)
    await produce(
        kafka_settings,
        pages,
        [
            (b"a", _page("good page", 1)),
            (b"b", GARBAGE),
            (b"c", _page("POISON page", 2)),
            (b"d", _page("FLAKY page", 3)),
            (b"e", _page("another good page", 4)),
        ],
    )
    articles_topic = ARTICLES_NORMALISED.full_name(prefix)
    records = await read_until(
        kafka_settings, articles_topic, lambda rs: len(_articles(rs)) >= 3, timeout_s=120
    )
    assert _articles(records) == {"good page", "FLAKY page", "another good page"}, Path(str(probe["log"])).read_text()[-3000:]

    dlq = DLQ.full_name(prefix)
    letters = _letters(await read_until(kafka_settings, dlq, lambda rs: len(rs) >= 2, timeout_s=60))
    assert len(letters) == 2
    by_type = {letter.error_type: letter for letter in letters}
    garbage = by_type["ContractViolation"]
    assert garbage.value == GARBAGE and garbage.key == b"b" and garbage.source_topic == pages
    assert garbage.error_class == "permanent" and garbage.stage == "normaliser" and "FetchedPage" in garbage.error_message
    poison = by_type["PermanentError"]
    assert "poison page" in poison.error_message and poison.attempts == 1

    # health and metrics are served
    port = probe["port"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        assert json.loads(resp.read())["status"] == "ok"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        metrics = resp.read().decode()
    assert 'newswire_messages_failed_total{error_class="transient",outcome="retry"' in metrics
    assert "newswire_processing_seconds_bucket" in metrics

    # the fix is deployed: replay re-injects both; the poison page now succeeds, the garbage fails again
    Path(str(probe["fix"])).touch()
    env = dict(probe["env"])  # type: ignore[arg-type]
    out = subprocess.run(
        [sys.executable, "-m", "newswire.cli.main", "dlq", "replay", "--stage", "normaliser"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert '"replayed": 2' in out.stdout
    records = await read_until(kafka_settings, articles_topic, lambda rs: "POISON page" in _articles(rs), timeout_s=90)
    assert "POISON page" in _articles(records)
    letters = _letters(await read_until(kafka_settings, dlq, lambda rs: len(rs) >= 3, timeout_s=60))
    assert len(letters) == 3 and letters[-1].value == GARBAGE

    # replay remembers: only the new dead letter is replayed the second time
    out = subprocess.run(
        [sys.executable, "-m", "newswire.cli.main", "dlq", "replay", "--stage", "normaliser", "--dry-run"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert '"would_replay": 1' in out.stdout, out.stdout + out.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "newswire.cli.main", "dlq", "list", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert len(listing.stdout.strip().splitlines()) == 3
    time.sleep(0)
