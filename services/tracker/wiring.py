"""The tracker stage: normalised articles and re-check outcomes in; versions, revision events
and re-check requests out.

- `articles.normalised` -> `track`: new articles, edits, reverts, paywalls (logic.observe).
- `rechecks` -> `recheck_status`: the fetcher's small RecheckResult of every re-check (no HTML):
  404/410 means deleted, a redirect elsewhere starts a redirect to confirm
  (logic.observe_recheck); a 304 is ignored. The re-checks topic is keyed by article id with the
  same partition count as `articles.normalised`, so a result's partition is its article's table
  partition.
- a timer pops due articles from the in-memory due index (index.DueIndex), confirms pending
  redirects and issues re-check FetchRequests keyed by host.
"""

from __future__ import annotations


from newswire.contracts import NormalisedArticle, RecheckResult, utcnow
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
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
    plan_recheck,
    recheck_due,
)
from newswire.tracker.schedule import count_article, outlet_factor
from newswire.tracker.settings import TrackerSettings
from newswire.tracker.state import State, due_at, is_article_state, outlet_key

log = get_logger("newswire.tracker")


def build(settings: TrackerSettings) -> Stage:
    """The tracker's Stage: handlers on normalised articles and re-check outcomes, the `articles`
    table, and the re-check timer."""
    stage = Stage("tracker", settings)
    policy = settings.policy()
    articles = stage.table("articles", source=ARTICLES_NORMALISED, default=None)
    source_topic = ARTICLES_NORMALISED.full_name(stage.prefix)
    index = DueIndex()

    def factor_for(partition: int, host: str) -> float:
        if not settings.recheck_learn_outlets:
            return 1.0
        return outlet_factor(articles.get(outlet_key(partition, host)), policy)

    def store(key: str, partition: int, seen: Observation, host: str | None) -> list[Emit]:
        """Write the observation's state (inside the partition's scope) and say what to emit."""
        if seen.changed and seen.state is not None:
            articles[key] = seen.state
            if partition in index.partitions:
                index.put(key, partition, due_at(seen.state))
        if host and (seen.new_article or seen.first_edit):
            okey = outlet_key(partition, host)
            articles[okey] = count_article(
                articles.get(okey), host, new=seen.new_article, first_edit=seen.first_edit
            )
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
            state: State | None = articles.get(article.article_id)
            seen = observe(
                state, article, now=utcnow(), policy=policy, partition=partition,
                factor=factor_for(partition, article.host),
            )
            return store(article.article_id, partition, seen, article.host)

    @stage.handler(RECHECKS)
    async def recheck_status(result: RecheckResult, ctx: Context) -> list[Emit]:
        if result.outcome == "not_modified":
            return []  # nothing to learn: not even worth the table read
        # RECHECKS has ARTICLES_NORMALISED's partition count and key: the same partition.
        partition = ctx.origin.partition
        with partition_scope(source_topic, partition):
            state: State | None = articles.get(result.article_id)
            seen = observe_recheck(
                state, result, now=utcnow(), redirect_confirm_s=settings.redirect_confirm_s
            )
            return store(result.article_id, partition, seen, None)

    @stage.on_revoked(ARTICLES_NORMALISED)
    async def forget_revoked(partitions: set[int]) -> None:
        # Whatever comes back after the rebalance is indexed afresh from the table.
        index.drop_partitions(partitions)

    @stage.timer(settings.recheck_tick_s)
    async def recheck() -> None:
        if stage.recovering:
            return
        actives = stage.active_partitions(ARTICLES_NORMALISED)
        if lost := index.partitions - actives:
            index.drop_partitions(lost)
        if gained := actives - index.partitions:
            # One pass over the table per assignment (restart, rebalance), never per tick.
            index.add_partitions(
                (
                    (str(key), int(value.get("partition", -1)), due_at(value))
                    for key, value in list(articles.items())
                    if is_article_state(key, value)
                ),
                gained,
            )
            log.info("due_index_built", partitions=sorted(gained), indexed=len(index))
        now = utcnow()
        issued = 0
        for key, partition in index.pop_due(now, settings.recheck_batch_max):
            with partition_scope(source_topic, partition):
                state = articles.get(key)
                if not is_article_state(key, state):
                    continue
                emits: list[Emit] = []
                if is_due(state, now):
                    seen = confirm_redirect(state, now=now)
                    emits = store(key, partition, seen, None)
                    state = seen.state or state
                if recheck_due(state, now):
                    request, state = plan_recheck(
                        key, state, now=now, policy=policy,
                        factor=factor_for(partition, str(state["host"])),
                    )
                    emits.append(Emit(FETCH_REQUESTS, request.host, request))
                    articles[key] = state
                    issued += 1
                index.put(key, partition, due_at(state))
            for emit in emits:
                await stage.send(emit)
        if issued:
            log.info("rechecks_issued", count=issued)

    return stage


def main() -> None:
    """`newswire run tracker`."""
    build(TrackerSettings()).run()
