"""The Kibana dashboards against the real Elasticsearch: fixture messages indexed through the
sink's own documents and bulk writer, then every visualization's aggregation, built from its saved
object, must return non-empty buckets (Kibana itself cannot run here)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ElasticsearchSettings
from newswire.contracts import Contract, DeadLetter, EnrichedArticle, Entity, FeedStatus, RevisionEvent, StoryUpdate
from newswire.contracts.ids import article_id, dead_letter_id, feed_id, revision_id, story_id
from newswire.es import kibana, kibana_vis
from newswire.es.setup import alias, setup, teardown
from newswire.sink.adapters import ElasticsearchBulkWriter
from newswire.sink.documents import actions_for, item_outcome
from tests.factories import T0, dead_letter, enriched_article, feed_status, revision_event, story_update

KIBANA_DIR = Path(__file__).resolve().parents[3] / "deploy" / "kibana"
OUTLETS = [("Example", "www.example.com", "en"), ("Le Monde", "www.lemonde.fr", "fr"), ("Daily", "daily.example.org", "en")]
PEOPLE = [("Sergey Lavrov", "person"), ("John Kerry", "person"), ("United Nations", "organisation"), ("Geneva", "place"), ("Syria", "place")]


def _article(n: int) -> EnrichedArticle:
    outlet, host, language = OUTLETS[n % len(OUTLETS)]
    url = f"https://{host}/world/story-{n}"
    base = enriched_article()
    flags = {"paywalled": n == 1, "not_an_article": n == 2, "too_short": False, "bot_challenge": False}
    entities = [Entity(name=name, type=kind, mentions=1 + n % 2, first_offset=0, salience=0.5)  # type: ignore[arg-type]
                for name, kind in PEOPLE[n % 2 : n % 2 + 4]]
    body = {**base.article.model_dump(), "article_id": article_id(url), "canonical_url": url, "url": url,
            "host": host, "outlet": outlet, "language": language, "flags": flags, "title": f"Syria talks {n}"}
    return EnrichedArticle.model_validate({
        **base.model_dump(), "article_id": article_id(url), "revision_id": revision_id(article_id(url), 1),
        "article": body, "language": language, "entities": [e.model_dump() for e in entities],
        "first_seen": T0 + timedelta(hours=n * 7), "last_changed": T0 + timedelta(hours=n * 7),
        "story_id": story_id(article_id(url if n < 4 else "https://x.example/other")),
    })


def fixture_messages() -> list[Contract]:
    """A small newsroom day: articles from three outlets, edits, stories, polls, failures."""
    articles = [_article(n) for n in range(6)]
    revisions: list[Contract] = []
    for n, (art, kinds, prev) in enumerate([(articles[0], ("title_changed",), 1), (articles[0], ("body_edited",), 2),
                                            (articles[1], ("body_edited", "paragraphs_added"), 1)]):
        base = revision_event()
        stats = {**base.stats.model_dump(), "minutes_since_first_seen": 20.0 + 40 * n}
        revisions.append(RevisionEvent.model_validate({
            **base.model_dump(), "article_id": art.article_id, "revision_id": revision_id(art.article_id, prev + 1),
            "version": prev + 1, "previous_version": prev, "canonical_url": str(art.article.canonical_url),
            "host": art.article.host, "outlet": art.article.outlet, "kinds": kinds, "stats": stats,
            "detected_at": base.detected_at + timedelta(hours=n * 5),
        }))
    stories: list[Contract] = [
        story_update(),
        StoryUpdate.model_validate({**story_update().model_dump(), "story_id": "s-other", "size": 4, "title": "Ceasefire in Aleppo",
                                    "outlets": ("Example", "Le Monde", "Daily")}),
    ]
    polls: list[Contract] = []
    for n in range(8):
        update: dict[str, Any] = {"polled_at": T0 + timedelta(hours=n * 3), "duration_ms": 100 + 50 * n}
        if n % 3 == 2:
            update |= {"error_class": "timeout" if n < 6 else "http_5xx", "status_code": None, "consecutive_failures": 1}
        polls.append(FeedStatus.model_validate({**feed_status().model_dump(), **update}))
    polls.append(FeedStatus.model_validate({
        **feed_status().model_dump(), "feed_id": feed_id("https://gone.example.net/rss"), "feed_url": "https://gone.example.net/rss",
        "polled_at": T0 + timedelta(days=1), "error_class": "gone", "status_code": 410, "disabled": True,
        "disabled_reason": "gone (HTTP 410)", "consecutive_failures": 3,
    }))
    letters: list[Contract] = [dead_letter()] + [
        DeadLetter.model_validate({**dead_letter().model_dump(), "stage": stage, "error_type": err,
                                   "dead_letter_id": dead_letter_id(stage, "t", 0, i), "failed_at": T0 + timedelta(hours=i)})
        for i, (stage, err) in enumerate([("fetcher", "TooLarge"), ("sink", "DocumentRejected")])
    ]
    return [*articles, *revisions, *stories, *polls, *letters]


@pytest.fixture(scope="module")
async def indexed(es_client: Any, es_settings: ElasticsearchSettings) -> AsyncIterator[str]:
    """The fixture messages, stored by the sink's code, in indices of this test's own."""
    prefix = f"{es_settings.index_prefix}-{uuid.uuid4().hex[:6]}"
    await setup(es_client, prefix)
    actions = [a for m in fixture_messages() for a in actions_for(m, prefix)]
    results = await ElasticsearchBulkWriter(es_client).write(actions)
    assert [item_outcome(s) for s, _ in results] == ["ok"] * len(actions), results
    await es_client.indices.refresh(index=f"{prefix}-*")
    yield prefix
    await teardown(es_client, prefix)


def _visualizations() -> list[kibana_vis.Visualization]:
    return kibana_vis.visualizations(kibana.load_dir(KIBANA_DIR))


@pytest.mark.parametrize("vis", _visualizations(), ids=lambda v: v.id)
async def test_every_visualization_returns_buckets(vis: kibana_vis.Visualization, es_client: Any, indexed: str) -> None:
    assert vis.family is not None and vis.problems == []
    assert kibana_vis.field_problems(vis, kibana_vis.mapping_fields(vis.family)) == []
    body = kibana_vis.search_body(vis)
    response = await es_client.search(index=alias(indexed, vis.family), **body)
    assert kibana_vis.non_empty_buckets(response, vis) > 0, body
    assert kibana_vis.leaf_buckets(response, vis) > 0, body
