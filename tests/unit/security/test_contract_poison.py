"""Invalid UTF-8, lone surrogates, NULs and control characters in every text field of every
contract, through the runtime's real decode path (`Stage.process`, and the retry path): each
poison message becomes a dead letter with the reason and its original bytes, or, where the bytes
are valid JSON text after all, is accepted as a model that re-encodes cleanly. Nothing raises out
of the runtime, and the stage goes on with the next good message.

Only the producer is replaced (a recorder instead of Kafka): the integration test
`tests/integration/security/test_poison_stage.py` sends such messages through a real stage
process and the real broker."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from newswire.config import ServiceSettings
from newswire.contracts import DeadLetter, utcnow
from newswire.contracts.ids import dead_letter_id
from newswire.runtime.codec import decode_as
from newswire.runtime.stage import Context, Emit, Origin, Stage
from newswire.topics import DLQ, TopicSpec, all_topics
from tests.factories import SAMPLES
from tests.unit.security.contract_poison import POISONS, PoisonCase, cases_for, field_positions

POSITIONS = field_positions()
SPEC_OF: dict[type, TopicSpec] = {}
for _spec in all_topics():  # the public ones first; internal ones carry the enricher's dormant stories
    SPEC_OF.setdefault(_spec.value, _spec)
TALLY: Counter[str] = Counter()


@dataclass
class Harness:
    stage: Stage
    handled: list[Any] = field(default_factory=list)
    sent: list[tuple[str, bytes | None, bytes | None]] = field(default_factory=list)

    def dead_letters(self) -> list[DeadLetter]:
        return [decode_as(DeadLetter, v) for name, _, v in self.sent if name == DLQ.name]


class _Recorder:
    """Stands in for a Faust topic's producer: records what the runtime sends."""

    def __init__(self, spec: TopicSpec, sent: list[tuple[str, bytes | None, bytes | None]]) -> None:
        self.spec, self.sent = spec, sent

    async def send(self, key: bytes | None = None, value: bytes | None = None) -> None:
        self.sent.append((self.spec.name, key, value))


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    settings = ServiceSettings(data_dir=tmp_path_factory.mktemp("poison"), store="memory://")  # type: ignore[call-arg]
    h = Harness(Stage("normaliser", settings))  # any registered stage name
    for model, spec in SPEC_OF.items():
        async def handle(value: Any, ctx: Context) -> list[Emit]:
            h.handled.append(value)
            return []

        handle.__name__ = f"handle_{model.__name__}"
        h.stage.handler(spec)(handle)
    h.stage.topic = lambda spec: _Recorder(spec, h.sent)  # type: ignore[method-assign]
    return h


def origin_of(spec: TopicSpec, harness: Harness, payload: bytes, offset: int) -> Origin:
    topic = spec.full_name(harness.stage.prefix)
    return Origin(topic, 0, offset, b"key", payload, {"h": "v"}, 1)


def test_every_contract_and_every_string_field_is_covered() -> None:
    models = {m for m, _ in POSITIONS}
    assert models == set(SAMPLES) == set(SPEC_OF), models ^ set(SPEC_OF)
    nested = {p for _, p in POSITIONS if len(p) > 1}
    assert any(p[:1] == ("item",) for p in nested) and any(p[:1] == ("article",) for p in nested)
    assert len(POSITIONS) >= 150


@pytest.mark.parametrize(
    ("model", "path"), POSITIONS, ids=[f"{m.__name__}.{'.'.join(map(str, p))}" for m, p in POSITIONS]
)
async def test_poison_in_one_field(model: type, path: tuple[str | int, ...], harness: Harness) -> None:
    spec = SPEC_OF[model]
    route = harness.stage._routes[spec.full_name(harness.stage.prefix)]
    good = SAMPLES[model].to_bytes()
    for n, case in enumerate(cases_for(model, path)):
        harness.handled.clear()
        harness.sent.clear()
        await harness.stage.process(route, origin_of(spec, harness, case.payload, n))  # never raises
        _check(case, harness)
        # the stage goes on: the next good message is handled
        harness.handled.clear()
        await harness.stage.process(route, origin_of(spec, harness, good, n + 1))
        assert harness.handled == [SAMPLES[model]], case.id
        TALLY["tried"] += 1


def _check(case: PoisonCase, harness: Harness) -> None:
    letters = harness.dead_letters()
    if harness.handled:  # accepted: the bytes were valid JSON text after all
        (value,) = harness.handled
        assert not letters, case.id
        wire = value.to_bytes()
        wire.decode("utf-8")  # strict
        assert decode_as(case.model, wire) == value, case.id
        TALLY["accepted"] += 1
        return
    (letter,) = letters
    assert letter.value == case.payload and letter.key == b"key", case.id
    assert letter.error_type == "ContractViolation" and letter.error_class == "permanent", case.id
    assert case.model.__name__ in letter.error_message, (case.id, letter.error_message)
    assert letter.headers == {"h": "v"} and letter.retry_at is None
    # the dead letter itself survives its wire form, with the original bytes intact
    assert decode_as(DeadLetter, letter.to_bytes()).value == case.payload
    TALLY["dead_lettered"] += 1


async def test_poison_replayed_through_the_retry_path(harness: Harness) -> None:
    """A poison message coming back from the retry topic (e.g. a replayed dead letter) is
    dead-lettered again, with its original bytes."""
    tried = 0
    for model, path in POSITIONS[::7]:
        spec = SPEC_OF[model]
        for case in cases_for(model, path)[:3]:
            harness.handled.clear()
            harness.sent.clear()
            envelope = DeadLetter(
                dead_letter_id=dead_letter_id("normaliser", spec.name, 0, 1), stage="normaliser",
                source_topic=spec.full_name(harness.stage.prefix), source_partition=0, source_offset=1,
                key=b"key", value=case.payload, headers={"h": "v"}, error_class="transient",
                error_type="TimeoutError", error_message="slow", attempts=1, failed_at=utcnow(),
                retry_at=utcnow() - timedelta(seconds=1),
            )
            await harness.stage._process_retry(envelope.to_bytes())
            if not harness.handled:
                (letter,) = harness.dead_letters()
                assert letter.value == case.payload and letter.attempts == 2, case.id
            tried += 1
    assert tried > 50


def test_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: the totals for the README's table."""
    expected = len(POSITIONS) * len(POISONS)
    if TALLY["tried"] != expected:
        pytest.skip("only part of the module ran")
    assert TALLY["accepted"] + TALLY["dead_lettered"] == expected
    with capsys.disabled():
        print(f"\ncontract poison: {len(POSITIONS)} string fields x {len(POISONS)} poisons = {expected} tried, "
              f"{TALLY['dead_lettered']} dead-lettered with reason and bytes, {TALLY['accepted']} accepted clean, 0 lost")
    assert Path(__file__).is_file()


async def test_poisoned_retry_envelopes_are_dead_lettered_not_dropped(harness: Harness) -> None:
    """A damaged envelope on a stage's retry topic goes to the dead-letter topic with its bytes
    (it used to be logged and dropped)."""
    from newswire.topics import retry_spec

    retry_topic = retry_spec("normaliser").full_name(harness.stage.prefix)
    tried = 0
    for model, path in POSITIONS:
        if model is not DeadLetter:
            continue
        for n, case in enumerate(cases_for(model, path)):
            harness.handled.clear()
            harness.sent.clear()
            origin = Origin(retry_topic, 0, n, b"normaliser", case.payload, {}, 1)
            await harness.stage._process_retry(case.payload, origin)
            letters = harness.dead_letters()
            assert letters or harness.handled, case.id
            if not harness.handled and letters[0].source_topic == retry_topic:
                assert letters[0].value == case.payload and letters[0].error_type == "ContractViolation"
            tried += 1
    assert tried == 10 * len(POISONS)


async def test_an_output_over_its_topics_limit_is_dead_lettered(tmp_path: Path) -> None:
    """The broker would refuse it after the input's offset is committed (the input lost): the
    runtime refuses it first, so the input becomes a dead letter with the reason."""
    from newswire.contracts import FetchedPage, NormalisedArticle
    from newswire.topics import ARTICLES_NORMALISED, PAGES
    from tests.factories import normalised_article

    stage = Stage("normaliser", ServiceSettings(data_dir=tmp_path, store="memory://"))  # type: ignore[call-arg]
    sent: list[tuple[str, bytes | None, bytes | None]] = []
    huge = "word " * (ARTICLES_NORMALISED.max_message_bytes // 5)

    @stage.handler(PAGES)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        article = normalised_article((huge,) if "huge" in (page.html or "") else ("small",))
        return [Emit(ARTICLES_NORMALISED, article.article_id, article)]

    stage.topic = lambda spec: _Recorder(spec, sent)  # type: ignore[method-assign]
    route = stage._routes[PAGES.full_name(stage.prefix)]
    page = SAMPLES[FetchedPage]
    big_input = page.model_copy(update={"html": "huge"}).to_bytes()
    await stage.process(route, Origin(PAGES.full_name(""), 0, 1, b"k", big_input, {}, 1))
    await stage.process(route, Origin(PAGES.full_name(""), 0, 2, b"k", page.to_bytes(), {}, 1))
    assert [name for name, _, _ in sent] == [DLQ.name, ARTICLES_NORMALISED.name]
    letter = decode_as(DeadLetter, sent[0][2])
    assert letter.value == big_input and "limit of topic newswire.articles.normalised.v1" in letter.error_message
    assert NormalisedArticle.model_validate_json(sent[1][2] or b"").paragraphs == ("small",)
