"""examples/consume_enriched.py runs against the real Kafka: valid messages are handled, an
invalid one is reported and skipped, and the exit status says so."""

from __future__ import annotations

import subprocess
import sys

from newswire.config import KafkaSettings
from newswire.topics import ARTICLES_ENRICHED
from tests.conftest import REPO
from tests.factories import enriched_article
from tests.integration.kafka_io import produce


async def test_the_example_consumer_validates_and_prints(own_topics: KafkaSettings) -> None:
    topic = ARTICLES_ENRICHED.full_name(own_topics.topic_prefix)
    article = enriched_article()
    await produce(own_topics, topic, [(b"k", article.to_bytes()), (b"k", b'{"article_id": "nope"}')])
    done = subprocess.run(
        [sys.executable, "examples/consume_enriched.py", "--bootstrap", own_topics.bootstrap_servers,
         "--topic", topic, "--group", f"{own_topics.topic_prefix}example", "--max", "2", "--from-beginning"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr  # one invalid message
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{article.article_id} v1 [www.example.com] Syria talks")
    assert "skipping offset" in lines[1] and lines[-1] == "2 messages, 1 invalid"
