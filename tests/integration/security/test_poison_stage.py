"""Poison messages through a real stage process and the real broker: the normaliser is fed, on
one partition, every FetchedPage string field spoilt with every kind of bad text, plus raw
garbage; each lands on the dead-letter topic with its original bytes and reason, and the good
pages sent after them still become articles. Then a damaged record on the dead-letter topic
itself does not stop `newswire dlq list`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newswire.config import KafkaSettings
from newswire.contracts import DeadLetter, FetchedPage, NormalisedArticle, utcnow
from newswire.contracts.ids import article_id
from newswire.farm.fixtures import load_seed, locate_fixtures
from newswire.runtime.codec import decode_as, encode
from newswire.runtime.errors import ContractViolation
from newswire.topics import ARTICLES_NORMALISED, DLQ, PAGES
from tests.conftest import REPO
from tests.integration.kafka_io import produce, read_until
from tests.integration.stage_process import StageProcess
from tests.unit.normaliser.pages import render_seed
from tests.unit.security.contract_poison import cases_for, field_positions

GARBAGE = [b"", b"\xff\xfe\x00garbage", b"[]", b"null", b'{"schema_version": 1}', b"\xed\xa0\x80" * 10]


def poison_pages() -> list[bytes]:
    """Every FetchedPage poison payload the contract refuses."""
    out = []
    for model, path in field_positions():
        if model is not FetchedPage:
            continue
        for case in cases_for(model, path):
            try:
                decode_as(FetchedPage, case.payload)
            except ContractViolation:
                out.append(case.payload)
    return out + GARBAGE


def good_pages(n: int) -> list[bytes]:
    root = locate_fixtures()
    seeds = sorted((root / "seeds").glob("*.txt")) if root is not None else []
    if not seeds:
        pytest.skip("fixtures not found (set NEWSWIRE_FIXTURES_DIR)")
    out = []
    for i, path in enumerate(seeds[:n]):
        url = f"https://news.example.org/world/poison-test-{i}"
        out.append(encode(PAGES, FetchedPage(
            article_id=article_id(url), requested_url=url, final_url=url, reason="new", outcome="ok",
            status=200, fetched_at=utcnow(), html=render_seed(load_seed(path), canonical=url),
        )))
    return out


async def test_poison_pages_are_dead_lettered_and_the_stage_goes_on(own_topics: KafkaSettings, tmp_path: Path) -> None:
    kafka = own_topics
    poison = poison_pages()
    good = good_pages(3)
    key = b"one-partition"
    # a good page first, then all the poison, then more good pages: same key, same partition, in order
    items: list[tuple[bytes | None, bytes | None]] = [(key, good[0]), *((key, p) for p in poison), (key, None), *((key, g) for g in good[1:])]
    with StageProcess("normaliser", kafka, tmp_path) as proc:
        await produce(kafka, PAGES.full_name(kafka.topic_prefix), items)
        articles = await read_until(
            kafka, ARTICLES_NORMALISED.full_name(kafka.topic_prefix), lambda rs: len(rs) >= len(good), timeout_s=120
        )
        expected = len(poison) + 1  # and the tombstone
        letters_raw = await read_until(kafka, DLQ.full_name(kafka.topic_prefix), lambda rs: len(rs) >= expected, timeout_s=60)
        alive = proc.proc is not None and proc.proc.poll() is None
        log = proc.log()
    assert len(articles) == len(good), log[-3000:]
    assert {str(NormalisedArticle.model_validate_json(r.value).url) for r in articles} == {
        str(FetchedPage.model_validate_json(g).final_url) for g in good
    }
    letters = [DeadLetter.model_validate_json(r.value) for r in letters_raw]
    assert len(letters) == expected, log[-3000:]
    assert sorted((x.value or b"") for x in letters) == sorted([*poison, b""])
    assert all(x.error_type == "ContractViolation" and "FetchedPage" in x.error_message for x in letters)
    assert all(x.stage == "normaliser" and x.source_topic == PAGES.full_name(kafka.topic_prefix) for x in letters)
    assert alive, "the stage process died"
    assert "Traceback" not in log, log[-3000:]
    print(f"\npoison through a real stage: {len(poison) + 1} poison messages, {len(letters)} dead-lettered, "
          f"{len(articles)}/{len(good)} good pages after them became articles")

    # a damaged record on the dead-letter topic itself: listing goes on past it
    await produce(kafka, DLQ.full_name(kafka.topic_prefix), [(b"x", b'{"dead_letter_id": "\xff"}')])
    out = subprocess.run(
        [sys.executable, "-m", "newswire.cli.main", "dlq", "list", "--json", "--limit", "100000"],
        cwd=REPO, env=proc.env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(out.stdout.strip().splitlines()) == expected
