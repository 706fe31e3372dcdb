"""Through the real Kafka, the real normaliser process: a new page's article records its
fingerprint; a re-check of it whose bytes changed only outside the article goes out as an
'unchanged' RecheckResult on the re-checks topic (no article); one whose article changed by a
word is extracted again."""

from __future__ import annotations

from pathlib import Path

from newswire.config import KafkaSettings
from newswire.contracts import FetchedPage, NormalisedArticle, RecheckResult, utcnow
from newswire.contracts.ids import article_id
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, PAGES, RECHECKS
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.unit.normaliser.test_fingerprint import BODY, URL, one_word, page


def _page(html: str, reason: str, digest: str, **update: object) -> FetchedPage:
    return FetchedPage.model_validate({
        "article_id": article_id(URL), "requested_url": URL, "final_url": URL, "reason": reason,
        "outcome": "ok", "status": 200, "fetched_at": utcnow(), "html": html, "body_digest": digest, **update,
    })


async def test_new_then_unchanged_then_edited(own_topics: KafkaSettings, tmp_path: Path) -> None:
    kafka = own_topics
    key = article_id(URL).encode()
    pages_topic = PAGES.full_name(kafka.topic_prefix)
    articles_topic = ARTICLES_NORMALISED.full_name(kafka.topic_prefix)
    with StageProcess("normaliser", kafka, tmp_path) as proc:
        await produce(kafka, pages_topic, [(key, encode(PAGES, _page(page(), "new", "1" * 32)))])
        records = await read_until(kafka, articles_topic, lambda rs: len(rs) >= 1, timeout_s=60)
        first = NormalisedArticle.model_validate_json(records[0].value)
        fp = first.fingerprint
        assert fp is not None and fp.body_digest == "1" * 32 and fp.region, proc.log_path.read_text()[-4000:]

        same = _page(page(clock="17:05", ad="42", token="t2"), "recheck", "2" * 32, fingerprint=fp)
        edited = _page(page(one_word(BODY, 3, "spring", "summer")), "recheck", "3" * 32, fingerprint=fp)
        await produce(kafka, pages_topic, [(key, encode(PAGES, same)), (key, encode(PAGES, edited))])

        results = await read_until(kafka, RECHECKS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=60)
        [result] = [RecheckResult.model_validate_json(r.value) for r in results]
        assert result.unchanged == "same_region" and result.body_digest == "2" * 32
        assert results[0].key == key
        records = await read_until(kafka, articles_topic, lambda rs: len(rs) >= 2, timeout_s=60)
        second = NormalisedArticle.model_validate_json(records[1].value)
        assert len(records) == 2  # the unchanged re-check made no article
        assert any("summer" in p for p in second.paragraphs) and second.fingerprint is not None
        assert second.fingerprint.body_digest == "3" * 32
