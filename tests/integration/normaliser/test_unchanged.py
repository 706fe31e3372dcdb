"""Through the real Kafka, the real normaliser process: a new page's article records its
fingerprint; a re-check of it whose bytes changed only outside the article goes out as an
'unchanged' RecheckResult on the re-checks topic (no article); one whose article changed by a
word is extracted again, and reported as an ordinary re-check (final URL, walls); one that
landed on a bot wall, or moved to a page with no article text, is reported too (the page itself
dead-lettered as before)."""

from __future__ import annotations

from pathlib import Path

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle, RecheckResult, utcnow
from newswire.contracts.ids import article_id
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES, RECHECKS
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

        results = await read_until(kafka, RECHECKS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 2, timeout_s=60)
        unchanged, report = [RecheckResult.model_validate_json(r.value) for r in results]
        assert unchanged.unchanged == "same_region" and unchanged.body_digest == "2" * 32
        assert report.unchanged is None and report.outcome == "ok" and report.body_digest == "3" * 32
        assert not (report.bot_challenge or report.paywalled)
        assert {r.key for r in results} == {key}
        records = await read_until(kafka, articles_topic, lambda rs: len(rs) >= 2, timeout_s=60)
        second = NormalisedArticle.model_validate_json(records[1].value)
        assert len(records) == 2  # the unchanged re-check made no article
        assert any("summer" in p for p in second.paragraphs) and second.fingerprint is not None
        assert second.fingerprint.body_digest == "3" * 32


async def test_walled_and_moved_rechecks_are_reported(own_topics: KafkaSettings, tmp_path: Path) -> None:
    kafka = own_topics
    key = article_id(URL).encode()
    wall = _page(
        "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
        "recheck", "4" * 32,
    )
    home = "http://news.example.com/"
    moved = _page("<html><body><nav><a href='/a'>A</a></nav></body></html>", "recheck", "5" * 32,
                  final_url=home, redirect_chain=(URL,))
    empty = _page("<html><body></body></html>", "recheck", "6" * 32, final_url=home, redirect_chain=(URL,))
    pages = [(key, encode(PAGES, p)) for p in (wall, moved, empty)]
    with StageProcess("normaliser", kafka, tmp_path) as proc:
        await produce(kafka, PAGES.full_name(kafka.topic_prefix), pages)
        records = await read_until(kafka, RECHECKS.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 3, timeout_s=60)
        walled, gone, gone_empty = [RecheckResult.model_validate_json(r.value) for r in records]
        assert walled.bot_challenge and walled.outcome == "ok" and walled.unchanged is None, proc.log_path.read_text()[-3000:]
        assert str(gone.final_url) == home and not gone.bot_challenge and gone.body_digest == "5" * 32
        # no article text at all: still reported (how an article that moved away shows), and the
        # page dead-lettered as any page without an article
        assert str(gone_empty.final_url) == home and gone_empty.body_digest == "6" * 32
        letters = await read_until(kafka, DLQ.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=30)
        articles = await read_until(kafka, ARTICLES_NORMALISED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 2, timeout_s=30)
    [letter] = [DeadLetter.model_validate_json(r.value) for r in letters]
    assert letter.stage == "normaliser" and "no article text" in letter.error_message and letter.value == pages[2][1]
    flagged = {str(a.url): a.flags.bot_challenge for a in (NormalisedArticle.model_validate_json(r.value) for r in articles)}
    assert flagged == {URL: True, home: False}  # (by URL: their ids, and so partitions, differ)
