"""The tracker stage: normalised articles in; versions, revision events and re-checks out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from faust.streams import _current_event

from newswire.contracts import NormalisedArticle, utcnow
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.topics import ARTICLES_NORMALISED, ARTICLES_REVISIONS, ARTICLES_VERSIONS, FETCH_REQUESTS
from newswire.tracker.logic import RecheckPolicy, State, is_due, observe, plan_recheck
from newswire.tracker.settings import TrackerSettings

log = get_logger("newswire.tracker")


def build(settings: TrackerSettings) -> Stage:
    """The tracker's Stage: a handler on normalised articles, the `articles` table, a re-check timer."""
    stage = Stage("tracker", settings)
    policy = RecheckPolicy(
        initial_s=settings.recheck_initial_s,
        growth=settings.recheck_growth,
        horizon_s=settings.recheck_horizon_s,
    )
    articles = stage.table("articles", source=ARTICLES_NORMALISED, default=None)
    source_topic = ARTICLES_NORMALISED.full_name(stage.prefix)

    @stage.handler(ARTICLES_NORMALISED)
    async def track(article: NormalisedArticle, ctx: Context) -> list[Emit]:
        # The key's partition is the source message's, also when the message comes back from
        # the retry topic (whose event would otherwise place the table write).
        with _in_partition(source_topic, ctx.origin.partition):
            state: State | None = articles.get(article.article_id)
            seen = observe(
                state, article, now=utcnow(), policy=policy, partition=ctx.origin.partition
            )
            articles[article.article_id] = seen.state
        out: list[Emit] = []
        if seen.version is not None:
            out.append(Emit(ARTICLES_VERSIONS, article.article_id, seen.version))
        if seen.revision is not None:
            out.append(Emit(ARTICLES_REVISIONS, article.article_id, seen.revision))
            log.info(
                "article_revised", article_id=article.article_id, version=seen.revision.version,
                kinds=list(seen.revision.kinds),
            )
        return out

    @stage.timer(settings.recheck_tick_s)
    async def recheck() -> None:
        app: Any = stage.app
        if getattr(app, "in_recovery", False):
            return
        actives = {
            tp.partition for tp in app.assignor.assigned_actives() if tp.topic == source_topic
        }
        if not actives:
            return
        now = utcnow()
        due = [
            (key, value)
            for key, value in list(articles.items())
            if isinstance(value, dict) and value.get("partition") in actives and is_due(value, now)
        ][: settings.recheck_batch_max]
        for key, value in due:
            request, new_state = plan_recheck(str(key), value, now=now, policy=policy)
            await stage.send(Emit(FETCH_REQUESTS, request.host, request))
            with _in_partition(source_topic, int(value["partition"])):
                articles[key] = new_state
        if due:
            log.info("rechecks_issued", count=len(due))

    return stage


@dataclass
class _Message:
    topic: str
    partition: int


class _Event:
    """Just enough of a Faust event for a table write outside any stream (see `_in_partition`)."""

    def __init__(self, topic: str, partition: int) -> None:
        self.message = _Message(topic, partition)


@contextmanager
def _in_partition(topic: str, partition: int) -> Iterator[None]:
    """Read and write table keys of `partition` of the source topic, whatever the current event.

    Faust finds the partition of a table access (changelog and RocksDB store) from the current
    event and refuses writes without one. A timer has none, and a retried message's event is the
    retry topic's; this lends the right one. The handler records each article's partition in its
    state, so the timer knows it.
    """
    import weakref

    event = _Event(topic, partition)
    token = _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
    try:
        yield
    finally:
        _current_event.reset(token)


def main() -> None:
    """`newswire run tracker`."""
    build(TrackerSettings()).run()
