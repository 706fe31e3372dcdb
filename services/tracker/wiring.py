"""The tracker stage: normalised articles in; versions, revision events and re-checks out."""

from __future__ import annotations

from typing import Any


from newswire.contracts import NormalisedArticle, utcnow
from newswire.runtime.logging import get_logger
from newswire.runtime.stage import Context, Emit, Stage
from newswire.runtime.tables import partition_scope
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
        with partition_scope(source_topic, ctx.origin.partition):
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
            with partition_scope(source_topic, int(value["partition"])):
                articles[key] = new_state
        if due:
            log.info("rechecks_issued", count=len(due))

    return stage


def main() -> None:
    """`newswire run tracker`."""
    build(TrackerSettings()).run()
