"""The tracker stage: normalised articles and re-check outcomes in; versions, revision events
and re-check requests out.

- `articles.normalised` -> `track`: new articles, edits, reverts, paywalls (logic.observe).
- `rechecks` -> `recheck_status`: the fetcher's small RecheckResult of every re-check (no HTML):
  404/410 means deleted, a redirect elsewhere starts a redirect to confirm
  (logic.observe_recheck); an 'unchanged' result (a 304, the same body from the fetcher, the
  same article region from the normaliser) notes the check and counts for the outlet's learned
  schedule without a full article passing through (logic.observe_unchanged). The re-checks topic
  is keyed by article id with the same partition count as `articles.normalised`, so a result's
  partition is its article's table partition.
- a timer pops due articles from the in-memory due index (index.DueIndex), confirms pending
  redirects and issues re-check FetchRequests keyed by host; the schedule's move it makes is held
  in memory (planned.PlannedChecks) and written with the article's next write, usually the
  re-check's own answer.

The `articles` table holds `ArticleState`s under article ids and `OutletCounters` under outlet
keys (`state`), stored with `to_table` and read with `from_table`. A record a handler cannot read
(written by a newer release in a shape this one does not know, or damaged) is not overwritten:
the message is dead-lettered with the reason, to replay after the deploy; the timer skips it
(logged once).
"""

from __future__ import annotations

import asyncio
from typing import Any

from newswire.contracts import NormalisedArticle, RecheckResult, utcnow
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.runtime.state import StateError, from_table, to_table
from newswire.runtime.tables import partition_scope
from newswire.topics import (
    ARTICLES_NORMALISED,
    ARTICLES_REVISIONS,
    ARTICLES_VERSIONS,
    FETCH_REQUESTS,
    RECHECKS,
)
from newswire.tracker.index import DueIndex
from newswire.tracker.logic import (
    Observation,
    confirm_redirect,
    is_due,
    observe,
    observe_recheck,
    observe_unchanged,
    plan_recheck,
    recheck_due,
)
from newswire.tracker.planned import PlannedChecks
from newswire.tracker.schedule import count_article, count_check, outlet_factor
from newswire.tracker.settings import TrackerSettings
from newswire.tracker.state import ArticleState, OutletCounters, is_outlet_key, outlet_key

log = get_logger("newswire.tracker")

#: The re-check timer lets other work run after this many due articles (see `recheck`).
YIELD_EVERY = 50


def build(settings: TrackerSettings) -> Stage:
    """The tracker's Stage: handlers on normalised articles and re-check outcomes, the `articles`
    table, and the re-check timer."""
    stage = Stage("tracker", settings)
    policy = settings.policy()
    articles = stage.table("articles", source=ARTICLES_NORMALISED, default=None)
    source_topic = ARTICLES_NORMALISED.full_name(stage.prefix)
    index = DueIndex()
    planned = PlannedChecks()
    unreadable: set[str] = set()

    def article_state(key: str, value: Any = None) -> ArticleState | None:
        """The article's state (`value`: as the table already gave it). Raises `StateError` for
        a record this release cannot read: the caller must not overwrite it."""
        value = articles.get(key) if value is None else value
        return None if value is None else planned.apply(key, from_table(ArticleState, value))

    def skip(record: str, key: str, exc: StateError) -> None:
        if key not in unreadable:
            unreadable.add(key)
            log.warning("record_unreadable", record=record, key=key, error=str(exc))

    def readable_state(key: str, value: Any = None) -> ArticleState | None:
        """`article_state` for the timer: an unreadable record is skipped, logged once."""
        try:
            return article_state(key, value)
        except StateError as exc:
            skip("ArticleState", key, exc)
            return None

    def counters(key: str) -> tuple[bool, OutletCounters | None]:
        """Whether the outlet's counters are readable, and they (None: none yet). Unreadable
        ones (a newer release's) are neither used nor overwritten: logged once."""
        value = articles.get(key)
        try:
            return True, None if value is None else from_table(OutletCounters, value)
        except StateError as exc:
            skip("OutletCounters", key, exc)
            return False, None

    def factor_for(partition: int, host: str) -> float:
        if not settings.recheck_learn_outlets:
            return 1.0
        return outlet_factor(counters(outlet_key(partition, host))[1], policy)

    def store(key: str, partition: int, seen: Observation, host: str | None) -> list[Emit]:
        """Write the observation's state (inside the partition's scope) and say what to emit."""
        if seen.changed and seen.state is not None:
            articles[key] = to_table(seen.state)
            planned.written(key)
            if partition in index.partitions:
                index.put(key, partition, seen.state.due_at())
        if host is None and seen.state is not None and seen.state.host:
            host = seen.state.host
        if host and (seen.new_article or seen.first_edit or seen.verdict is not None):
            okey = outlet_key(partition, host)
            readable, stats = counters(okey)
            if readable:
                if seen.new_article or seen.first_edit:
                    stats = count_article(stats, host, new=seen.new_article, first_edit=seen.first_edit)
                if seen.verdict is not None:
                    stats = count_check(stats, host, changed=seen.verdict == "changed")
                if stats is not None:
                    articles[okey] = to_table(stats)
        out: list[Emit] = []
        if seen.version is not None:
            out.append(Emit(ARTICLES_VERSIONS, key, seen.version))
        if seen.revision is not None:
            out.append(Emit(ARTICLES_REVISIONS, key, seen.revision))
            log.info(
                "article_revised", article_id=key, version=seen.revision.version,
                kinds=list(seen.revision.kinds),
            )
        return out

    @stage.handler(ARTICLES_NORMALISED)
    async def track(article: NormalisedArticle, ctx: Context) -> list[Emit]:
        # The key's partition is the source message's, also when the message comes back from
        # the retry topic (whose event would otherwise place the table write).
        partition = ctx.origin.partition
        with partition_scope(source_topic, partition):
            state = article_state(article.article_id)
            seen = observe(
                state, article, now=utcnow(), policy=policy, partition=partition,
                factor=factor_for(partition, article.host),
            )
            return store(article.article_id, partition, seen, article.host)

    @stage.handler(RECHECKS)
    async def recheck_status(result: RecheckResult, ctx: Context) -> list[Emit]:
        # RECHECKS has ARTICLES_NORMALISED's partition count and key: the same partition.
        partition = ctx.origin.partition
        with partition_scope(source_topic, partition):
            state = article_state(result.article_id)
            if result.unchanged is not None or result.outcome == "not_modified":
                seen = observe_unchanged(state, result, now=utcnow())
            else:
                seen = observe_recheck(
                    state, result, now=utcnow(), redirect_confirm_s=settings.redirect_confirm_s
                )
            return store(result.article_id, partition, seen, None)

    @stage.on_revoked(ARTICLES_NORMALISED)
    async def forget_revoked(partitions: set[int]) -> None:
        # Whatever comes back after the rebalance is indexed afresh from the table.
        index.drop_partitions(partitions)
        planned.drop_partitions(partitions)

    @stage.timer(settings.recheck_tick_s)
    async def recheck() -> None:
        if stage.recovering:
            return
        actives = stage.active_partitions(ARTICLES_NORMALISED)
        if lost := index.partitions - actives:
            index.drop_partitions(lost)
            planned.drop_partitions(lost)
        if gained := actives - index.partitions:
            # One pass over the table per assignment (restart, rebalance), never per tick.
            index.add_partitions(
                (
                    (str(key), state.partition, state.due_at())
                    for key, value in list(articles.items())
                    if not is_outlet_key(key) and (state := readable_state(str(key), value)) is not None
                ),
                gained,
            )
            log.info("due_index_built", partitions=sorted(gained), indexed=len(index))
        now = utcnow()
        issued = 0
        for n, (key, partition) in enumerate(index.pop_due(now, settings.recheck_batch_max), 1):
            if n % YIELD_EVERY == 0:
                # a full batch is about a second of work: the handlers and the consumer run
                # between slices, and a partition revoked meanwhile is written no more
                await asyncio.sleep(0)
            if partition not in index.partitions:
                continue
            with partition_scope(source_topic, partition):
                state = readable_state(key)
                if state is None:
                    continue
                emits: list[Emit] = []
                if is_due(state, now):
                    seen = confirm_redirect(state, now=now)
                    emits = store(key, partition, seen, None)
                    state = seen.state or state
                if recheck_due(state, now):
                    request, state = plan_recheck(
                        key, state, now=now, policy=policy,
                        factor=factor_for(partition, state.host),
                    )
                    emits.append(Emit(FETCH_REQUESTS, request.host, request))
                    # the schedule's move is written with the article's next write (planned.py)
                    if not planned.hold(key, partition, state):
                        articles[key] = to_table(state)
                        planned.written(key)
                    issued += 1
                index.put(key, partition, state.due_at())
            for emit in emits:
                await stage.send(emit)
        if issued:
            log.info("rechecks_issued", count=issued)

    return stage


def main() -> None:
    """`newswire run tracker`."""
    build(TrackerSettings()).run()
