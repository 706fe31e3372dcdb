"""The test stage of the delivery conformance suite (`test_delivery_conformance.py`), run as its
own process like any real stage:

    python -m tests.integration.runtime.conformance_stage worker

It reads numbered pages (`FetchedPage.html` is `conformance:<n>`), holds each for
CONFORMANCE_SLEEP_S seconds, CONFORMANCE_CONCURRENCY at a time, and emits one article keyed by
the input's id (the article id of `url_of(n)`), whose text says who handled it and how (`Handled`),
so that every output, and every duplicate, is countable. By rule, from the environment:

- CONFORMANCE_TRANSIENT: ids (comma-separated) whose first attempt raises
  `TransientError(retry_after_s=CONFORMANCE_RETRY_AFTER_S)`;
- CONFORMANCE_PERMANENT: ids that always raise `PermanentError(PERMANENT_REASON)`;
- CONFORMANCE_JOURNAL: a file to which each handling appends `start` and `done` lines, and the
  process a `boot` line at its start and a `revoked` line at each rebalance.

It uses only `newswire.runtime.Stage`, never the engine: the suite checks whatever runs under it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from newswire.config import ServiceSettings
from newswire.contracts import FetchedPage, NormalisedArticle
from newswire.contracts.ids import article_id, host_of
from newswire.runtime.errors import PermanentError, TransientError
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, PAGES

#: The registry stage the test stage runs as (its retry topic and consumer group), as the other
#: runtime test stages do.
STAGE = "normaliser"
INPUT = PAGES
OUTPUT = ARTICLES_NORMALISED
PREFIX = "conformance:"
PERMANENT_REASON = "conformance rule: permanently unprocessable"


def url_of(n: int) -> str:
    """The URL of input `n` (its output's key is this URL's article id)."""
    return f"https://conformance.example.com/{n}"


@dataclass(frozen=True)
class Handled:
    """What an output says about the handling that produced it."""

    id: int
    pid: int
    attempt: int
    partition: int
    offset: int
    started: float
    """time.time() when the handler started."""
    finished: float


@dataclass(frozen=True)
class Rules:
    sleep_s: float = 0.0
    concurrency: int = 1
    transient: frozenset[int] = frozenset()
    retry_after_s: float = 5.0
    permanent: frozenset[int] = frozenset()
    journal: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Rules:
        env = dict(os.environ if env is None else env)

        def ids(name: str) -> frozenset[int]:
            return frozenset(int(x) for x in env.get(name, "").split(",") if x.strip())

        journal = env.get("CONFORMANCE_JOURNAL")
        return cls(
            sleep_s=float(env.get("CONFORMANCE_SLEEP_S", "0")),
            concurrency=int(env.get("CONFORMANCE_CONCURRENCY", "1")),
            transient=ids("CONFORMANCE_TRANSIENT"),
            retry_after_s=float(env.get("CONFORMANCE_RETRY_AFTER_S", "5")),
            permanent=ids("CONFORMANCE_PERMANENT"),
            journal=Path(journal) if journal else None,
        )


def id_of(page: FetchedPage) -> int:
    html = page.html or ""
    if not html.startswith(PREFIX):
        raise PermanentError(f"not a conformance input: {html[:40]!r}")
    return int(html[len(PREFIX) :])


def _journal(rules: Rules, *fields: object) -> None:
    if rules.journal is not None:
        with open(rules.journal, "a", encoding="utf-8") as out:  # one short append per line
            out.write(" ".join(str(f) for f in fields) + "\n")


def output_of(page: FetchedPage, handled: Handled) -> Emit:
    url = url_of(handled.id)
    article = NormalisedArticle(
        article_id=article_id(url), canonical_url=url, url=url, host=host_of(url),
        title=f"{PREFIX}{handled.id}", text=json.dumps(asdict(handled)), content_hash="0" * 32,
        fetched_at=page.fetched_at,
    )
    return Emit(OUTPUT, article.article_id, article)


def build(settings: ServiceSettings, rules: Rules) -> Stage:
    stage = Stage(STAGE, settings)
    # the moments this process may have been (re)positioned on its partitions: its start and
    # every rebalance (which revokes all of its partitions first)
    _journal(rules, "boot", -1, 0, os.getpid(), -1, -1, time.time())

    @stage.on_revoked(INPUT)
    async def revoked(partitions: set[int]) -> None:
        _journal(rules, "revoked", -1, 0, os.getpid(), -1, -1, time.time())

    @stage.handler(INPUT, concurrency=rules.concurrency)
    async def handle(page: FetchedPage, ctx: Context) -> list[Emit]:
        n, origin, started = id_of(page), ctx.origin, time.time()
        where = (n, origin.attempts, os.getpid(), origin.partition, origin.offset)
        _journal(rules, "start", *where, started)
        if rules.sleep_s:
            await asyncio.sleep(rules.sleep_s)
        if n in rules.permanent:
            _journal(rules, "permanent", *where, time.time())
            raise PermanentError(PERMANENT_REASON)
        if n in rules.transient and origin.attempts == 1:
            _journal(rules, "transient", *where, time.time())
            raise TransientError("conformance rule: try again later", retry_after_s=rules.retry_after_s)
        handled = Handled(n, os.getpid(), origin.attempts, origin.partition, origin.offset, started, time.time())
        _journal(rules, "done", *where, handled.finished)
        return [output_of(page, handled)]

    return stage


if __name__ == "__main__":
    build(ServiceSettings(), Rules.from_env()).run()
