"""Through the real Kafka: the real normaliser process turns a page rendered from a real seed text
into a clean article, passes over a failed fetch, and dead-letters a page with no text.

The run's topics get a sub-prefix of the session prefix (so other tests reading the shared
topics never see these messages; the session fixture still deletes them at the end).
"""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import SeedArticle, load_seed, locate_fixtures
from newswire.kafka.admin import ensure_topics
from newswire.runtime.codec import encode
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES, all_topics
from tests.conftest import REPO
from tests.integration.kafka_io import produce, read_until

CANONICAL = "https://news.example.org/world/2016/sep/09/us-russia-clarity-syria"
FINAL = CANONICAL + "?utm_source=rss&utm_medium=feed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def seed() -> SeedArticle:
    root = locate_fixtures()
    seeds = sorted((root / "seeds").glob("*.txt")) if root is not None else []
    if not seeds:
        pytest.skip("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
    return load_seed(seeds[0])


@pytest.fixture(scope="module")
async def kafka(kafka_settings: KafkaSettings, topics: list[str]) -> KafkaSettings:
    settings = kafka_settings.model_copy(update={"topic_prefix": f"{kafka_settings.topic_prefix}nrm-"})
    await ensure_topics(settings, all_topics())
    return settings


@pytest.fixture
def normaliser(kafka: KafkaSettings, tmp_path: Path) -> Iterator[Path]:
    env = {
        **os.environ,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "NEWSWIRE_STORE": "memory://",
        "NEWSWIRE_DATA_DIR": str(tmp_path / "data"),
        "NEWSWIRE_WEB_PORT": str(_free_port()),
        "NEWSWIRE_LOG_FORMAT": "json",
    }
    log_path = tmp_path / "normaliser.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", "run", "normaliser"],
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


def render(seed: SeedArticle) -> str:
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in seed.paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{e(seed.title)} | Example News</title>
<link rel="canonical" href="{CANONICAL}?utm_campaign=share">
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="{e(seed.title)}">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2016-09-09T18:30:00Z">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a></li>
<li><a href="/business/">Business</a></li><li><a href="/sport/">Sport</a></li></ul></nav></header>
<div class="cookie-banner"><p>We use cookies to give you the best experience. By using this site
you agree to our cookie policy.</p><button>Accept</button></div>
<main><article><h1>{e(seed.title)}</h1>
<div class="byline">By <span class="author">Jane Doe</span></div>
{body}
</article>
<div class="share">Share: <a href="/s/fb">Facebook</a> <a href="/s/x">X</a></div>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Markets rally on hopes of a deal</a></li>
<li><a href="/b">Opposition groups react to the plan</a></li></ul></aside></main>
<footer><p>&copy; 2016 Example News. All rights reserved.</p></footer>
</body></html>"""


def _page(url: str, **update: object) -> bytes:
    fields: dict[str, object] = {
        "article_id": article_id(url), "requested_url": url, "final_url": url, "reason": "new",
        "outcome": "ok", "status": 200, "fetched_at": utcnow(), "headers": {"etag": '"v1"'},
    }
    page = FetchedPage.model_validate({**fields, **update})
    return encode(PAGES, page)


async def test_article_nothing_and_dead_letter(
    kafka: KafkaSettings, seed: SeedArticle, normaliser: Path
) -> None:
    failed_url = "https://news.example.org/world/unreachable"
    empty_url = "https://news.example.org/world/empty"
    good = _page(FINAL, html=render(seed))
    failed = _page(failed_url, outcome="failed", status=None, failure="timeout", failure_detail="read timeout")
    empty = _page(empty_url, html="")
    # the failed and empty pages go first, on the good page's key: the same partition, in order
    key = article_id(FINAL).encode()
    await produce(kafka, PAGES.full_name(kafka.topic_prefix), [(key, failed), (key, empty), (key, good)])

    def log_tail() -> str:
        return normaliser.read_text(errors="replace")[-4000:]

    records = await read_until(
        kafka, ARTICLES_NORMALISED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=45
    )
    articles = [NormalisedArticle.model_validate_json(r.value) for r in records]
    assert len(articles) == 1, log_tail()
    a = articles[0]
    assert records[0].key == a.article_id.encode() == article_id(CANONICAL).encode()
    assert str(a.canonical_url) == CANONICAL and str(a.url) == FINAL
    assert a.title == seed.title and a.outlet == "Example News" and a.authors == ("Jane Doe",)
    assert a.paragraphs == seed.paragraphs
    for boilerplate in ("cookie", "Related stories", "Markets rally", "All rights reserved", "Facebook"):
        assert boilerplate not in a.text
    assert a.language == "en" and not a.flags.too_short and a.etag == '"v1"'
    assert a.published is not None and a.published.isoformat() == "2016-09-09T18:30:00+00:00"

    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in await read_until(kafka, DLQ.full_name(kafka.topic_prefix), lambda rs: len(rs) >= 1, timeout_s=10)
    ]
    assert len(letters) == 1, log_tail()
    letter = letters[0]
    assert letter.stage == "normaliser" and letter.error_class == "permanent"
    assert letter.error_message == "no article text" and letter.value == empty and letter.key == key
    # the failed fetch is no article and no failure of ours: logged, nothing produced
    assert '"page_skipped"' in normaliser.read_text(errors="replace")
