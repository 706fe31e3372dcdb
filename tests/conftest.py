"""Session fixtures shared by the integration and e2e tiers.

Tests that touch Kafka or Elasticsearch use the real dev stack (`newswire devstack`), started
here if it is not running (and stopped again at the end if this session started it). Every run
gets a unique topic prefix and index prefix, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from newswire.config import ElasticsearchSettings, KafkaSettings

REPO = Path(__file__).resolve().parents[1]

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        if f"{os.sep}e2e{os.sep}" in path:
            item.add_marker(pytest.mark.e2e)

@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id unique to this test session."""
    return uuid.uuid4().hex[:8]

@pytest.fixture(scope="session")
def devstack() -> Iterator[object]:
    """The real local Kafka and Elasticsearch, up for the whole session."""
    from newswire import devstack as stack

    started = False
    if not stack.is_healthy():
        stack.up()
        started = True
    yield stack
    if started and not os.environ.get("NEWSWIRE_KEEP_DEVSTACK"):
        stack.down()

@pytest.fixture(scope="session")
def kafka_settings(devstack: object, run_id: str) -> KafkaSettings:
    """Kafka settings of the dev stack, with this run's topic prefix."""
    return KafkaSettings(topic_prefix=f"test-{run_id}.")

@pytest.fixture(scope="session")
def es_settings(devstack: object, run_id: str) -> ElasticsearchSettings:
    """Elasticsearch settings of the dev stack, with this run's index prefix."""
    return ElasticsearchSettings(index_prefix=f"test-{run_id}")

@pytest.fixture(scope="session")
async def topics(kafka_settings: KafkaSettings) -> AsyncIterator[list[str]]:
    """Every registry topic, created under this run's prefix, deleted at the end."""
    from newswire.kafka.admin import delete_topics, ensure_topics, list_topics
    from newswire.topics import all_topics

    await ensure_topics(kafka_settings)  # the registry's topics and the tables' changelogs
    names = [s.full_name(kafka_settings.topic_prefix) for s in all_topics()]
    yield names
    existing = await list_topics(kafka_settings)
    await delete_topics(kafka_settings, [t for t in existing if t.startswith(kafka_settings.topic_prefix)])

@pytest.fixture
async def own_topics(kafka_settings: KafkaSettings, topics: list[str], request: pytest.FixtureRequest) -> KafkaSettings:
    """Kafka settings with a sub-prefix of this test's own, and every registry topic under it:
    for tests that assert exactly what is on a topic while other tests use the shared ones. The
    session fixture `topics` deletes them at the end (they share the run's prefix)."""
    from newswire.kafka.admin import ensure_topics

    name = uuid.uuid4().hex[:6]
    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}{name}-"})
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="session")
async def es_client(es_settings: ElasticsearchSettings) -> AsyncIterator[object]:
    """An Elasticsearch client with this run's templates installed; everything removed after."""
    from newswire.es.client import make_client, wait_healthy
    from newswire.es.setup import setup, teardown

    client = make_client(es_settings)
    await wait_healthy(client)
    await setup(client, es_settings.index_prefix)
    yield client
    await teardown(client, es_settings.index_prefix)
    await client.close()


@pytest.fixture
async def index_prefix(es_client: object, es_settings: ElasticsearchSettings) -> AsyncIterator[str]:
    """Indices of this test's own (templates installed, removed after)."""
    from newswire.es.setup import setup, teardown

    prefix = f"{es_settings.index_prefix}-{uuid.uuid4().hex[:6]}"
    await setup(es_client, prefix)
    yield prefix
    await teardown(es_client, prefix)


@pytest.fixture(scope="session")
def guardian() -> object:
    """The real Guardian article's two versions (`../shared/fixtures/revisions`, else the copy
    packaged in `newswire.farm`); skips the test only when `$NEWSWIRE_FIXTURES_DIR` names a
    directory without them."""
    from newswire.farm.fixtures import load_revision, locate_fixtures

    root = locate_fixtures()
    path = None if root is None else root / "revisions" / "guardian-kerry-lavrov.json"
    if path is None or not path.is_file():
        pytest.skip("Guardian revision fixture not found (check NEWSWIRE_FIXTURES_DIR)")
    return load_revision(path)
