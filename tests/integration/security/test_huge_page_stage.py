"""10 MB pages of plain text through the real normaliser process and the real broker: each ends
as an article that fits its topic, or as a dead letter with a reason; never nowhere. (An article
over its topic's size limit used to be refused by the broker after the page's offset was
committed: the page was lost. The runtime now refuses it before sending: a dead letter.)"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.unit.security.html_pages import HUGE


async def test_ten_megabyte_text_page_is_not_lost(own_topics: KafkaSettings, tmp_path: Path) -> None:
    kafka = own_topics
    pages = []
    rng = random.Random(5)
    cjk = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(3_400_000))  # ~10 MB of UTF-8, incompressible
    htmls = {"one-paragraph": HUGE["one-paragraph"]()}
    htmls["cjk-text"] = f"<html><body><article><p>{cjk}</p></article></body></html>"
    for name, html in htmls.items():
        url = f"https://news.example.org/world/huge-{name}"
        pages.append((article_id(url).encode(), encode(PAGES, FetchedPage(
            article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
            status=200, fetched_at=utcnow(), html=html,
        ))))
    with StageProcess("normaliser", kafka, tmp_path) as proc:
        await produce(kafka, PAGES.full_name(kafka.topic_prefix), pages)

        articles: list[Any] = []
        letters: list[Any] = []
        for _ in range(30):  # until every page is accounted for (about a minute at most)
            articles = await read_until(kafka, ARTICLES_NORMALISED.full_name(kafka.topic_prefix),
                                        lambda rs: len(rs) + len(letters) >= len(pages), timeout_s=1)
            letters = await read_until(kafka, DLQ.full_name(kafka.topic_prefix),
                                       lambda rs: len(rs) + len(articles) >= len(pages), timeout_s=1)
            if len(articles) + len(letters) >= len(pages):
                break
        log = proc.log()
    for r in articles:
        NormalisedArticle.model_validate_json(r.value)
        assert len(r.value) <= ARTICLES_NORMALISED.max_message_bytes
    sent = {value for _, value in pages}
    for r in letters:
        letter = DeadLetter.model_validate_json(r.value)
        assert letter.value in sent and "limit of topic" in letter.error_message, letter.error_message[:300]
    assert len(articles) + len(letters) == len(pages), log[-4000:]
    assert "MessageSizeTooLarge" not in log, log[-4000:]
