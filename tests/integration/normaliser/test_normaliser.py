"""Through the real Kafka: the real normaliser process turns pages rendered from real seed texts
into clean articles (dateline and wire credit lifted), passes over a failed fetch, and
dead-letters a page with no text and a page too large to parse, each with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import SeedArticle, load_seed, locate_fixtures
from newswire.normaliser.extract import MAX_ELEMENTS
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.unit.normaliser.pages import render_seed

CANONICAL = "https://news.example.org/world/2016/aug/27/us-russia-headway-syria"
FINAL = CANONICAL + "?utm_source=rss&utm_medium=feed"


@pytest.fixture(scope="module")
def seed() -> SeedArticle:
    root = locate_fixtures()
    seeds = sorted((root / "seeds").glob("001_*.txt")) if root is not None else []
    if not seeds:
        pytest.skip("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
    return load_seed(seeds[0])


def _page(url: str, **update: object) -> bytes:
    fields: dict[str, object] = {
        "article_id": article_id(url), "requested_url": url, "final_url": url, "reason": "new",
        "outcome": "ok", "status": 200, "fetched_at": utcnow(), "headers": {"etag": '"v1"'},
    }
    return encode(PAGES, FetchedPage.model_validate({**fields, **update}))


async def test_article_nothing_and_dead_letters(own_topics: KafkaSettings, seed: SeedArticle, tmp_path: Path) -> None:
    kafka = own_topics
    failed = _page("https://news.example.org/world/unreachable", outcome="failed", status=None,
                   failure="timeout", failure_detail="read timeout")
    empty = _page("https://news.example.org/world/empty", html="")
    huge = _page("https://news.example.org/world/huge", html="<html><body>" + "<p>x</p>" * (MAX_ELEMENTS + 1) + "</body></html>")
    good = _page(FINAL, html=render_seed(seed, canonical=CANONICAL + "?utm_campaign=share"))
    # all on the good page's key: one partition, in order
    key = article_id(FINAL).encode()
    with StageProcess("normaliser", kafka, tmp_path) as proc:
        await produce(kafka, PAGES.full_name(kafka.topic_prefix), [(key, failed), (key, empty), (key, huge), (key, good)])

        def log_tail() -> str:
            return proc.log_path.read_text(errors="replace")[-4000:]

        records = await read_until(
            kafka, ARTICLES_NORMALISED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=60
        )
        articles = [NormalisedArticle.model_validate_json(r.value) for r in records]
        assert len(articles) == 1, log_tail()
        a = articles[0]
        assert records[0].key == a.article_id.encode() == article_id(CANONICAL).encode()
        assert str(a.canonical_url) == CANONICAL and str(a.url) == FINAL
        assert a.title == seed.title and a.outlet == "Example News"
        assert a.dateline is not None and a.dateline.place == "Geneva [Switzerland]" and a.wire_source == "ANI"
        assert a.paragraphs[0].startswith("U.S. Secretary of State John Kerry has said")
        assert a.paragraphs[-1] == seed.paragraphs[-2]  # "Source: ANI" lifted off the end
        for boilerplate in ("Related stories", "Markets rally", "All rights reserved", "Source: ANI"):
            assert boilerplate not in a.text
        assert a.language == "en" and not a.flags.too_short and a.etag == '"v1"'
        assert a.published is not None and a.published.isoformat() == "2016-08-27T10:00:00+00:00"
        assert a.provenance["dateline"] == "heuristic" and a.provenance["published"] == "meta"

        letters = [
            DeadLetter.model_validate_json(r.value)
            for r in await read_until(kafka, DLQ.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 2, timeout_s=15)
        ]
        assert len(letters) == 2, log_tail()
        by_value = {letter.value: letter for letter in letters}
        assert by_value[empty].error_message == "no article text"
        assert by_value[huge].error_message.startswith("page too large")
        assert all(x.stage == "normaliser" and x.error_class == "permanent" and x.key == key for x in letters)
        # the failed fetch is no article and no failure of ours: logged, nothing produced
        assert '"page_skipped"' in proc.log_path.read_text(errors="replace")
