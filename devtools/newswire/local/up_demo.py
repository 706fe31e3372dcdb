"""`newswire up --demo`: the whole system on the local news farm, run until every article the farm
published is accounted for and the Guardian edit is one revision (or a timeout, which then says
where each missing article stopped), ending with the ledger, the revision's diff, the story of the
five seed reports and queries that work.

The demo lives in a namespace of its own, so the user's data never mixes with it: its own index
prefix (`<prefix>-demo`, emptied at each start) and topic prefix (`demo-<run>.`, new each run, so
consumer groups and the stages' state start clean; the previous runs' topics are deleted).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newswire.config import CommonSettings
from newswire.farm.ledger import LedgerResult, Outcome, PublishedItem

DEMO_PORT = 8900
#: The demo's feeds ask for a re-poll at least this often (FeedConfig.max_interval_s), so that
#: the poller sees each farm feed several times in a few minutes whatever its estimate says.
DEMO_MAX_INTERVAL_S = 15
DEMO_MIN_INTERVAL_S = 5
#: Topic prefixes of demo runs start so (then a run id and a dot).
DEMO_TOPIC_MARK = "demo-"

#: Stage settings of the demo that are not about feeds: re-checks soon after first sight (the
#: tracker must see the Guardian edit within the demo), the farm's loopback addresses allowed,
#: no politeness delay between a farm host's pages, quick retries.
DEMO_STAGE_ENV: dict[str, str] = {
    "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
    "NEWSWIRE_POLL_TICK_S": "1",
    "NEWSWIRE_RECHECK_INITIAL_S": "10",
    "NEWSWIRE_RECHECK_TICK_S": "2",
    "NEWSWIRE_MIN_HOST_DELAY_S": "0",
    "NEWSWIRE_RETRY__BASE_DELAY_S": "0.5",
}


def demo_settings(base: CommonSettings, run_id: str | None = None) -> CommonSettings:
    """The demo's namespace over the user's settings (same Kafka and Elasticsearch)."""
    run = run_id or uuid.uuid4().hex[:6]
    kafka = base.kafka.model_copy(update={"topic_prefix": f"{base.kafka.topic_prefix}{DEMO_TOPIC_MARK}{run}."})
    es = base.elasticsearch.model_copy(update={"index_prefix": f"{base.elasticsearch.index_prefix}-demo"})
    return base.model_copy(update={"kafka": kafka, "elasticsearch": es})


def stage_env(settings: CommonSettings, state_dir: Path) -> dict[str, str]:
    """The environment that puts a stage process in the demo's namespace."""
    return {
        **DEMO_STAGE_ENV,
        "NEWSWIRE_KAFKA__TOPIC_PREFIX": settings.kafka.topic_prefix,
        "NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX": settings.elasticsearch.index_prefix,
        "NEWSWIRE_DATA_DIR": str(state_dir),
    }


async def reset_namespace(base: CommonSettings, demo: CommonSettings, state_dir: Path) -> list[str]:
    """Remove the demo's indices and templates and delete earlier demo runs' topics and state
    (the user's data is never touched); `up` sets the namespace up afresh next. Returns the
    topics deleted."""
    from newswire.es.client import make_client, wait_healthy
    from newswire.es.setup import teardown
    from newswire.kafka.admin import delete_topics, list_topics

    mark = f"{base.kafka.topic_prefix}{DEMO_TOPIC_MARK}"
    old = [t for t in await list_topics(demo.kafka) if t.startswith(mark) and not t.startswith(demo.kafka.topic_prefix)]
    await delete_topics(demo.kafka, old)
    shutil.rmtree(state_dir, ignore_errors=True)
    client = make_client(demo.elasticsearch)
    try:
        await wait_healthy(client)
        await teardown(client, demo.elasticsearch.index_prefix)  # `up` installs the templates next
    finally:
        await client.close()
    return old


def feed_entries(urls: list[str]) -> list[dict[str, Any]]:
    """The farm's feeds as registry entries that ask for quick re-polls."""
    return [
        {"url": u, "min_interval_s": DEMO_MIN_INTERVAL_S, "max_interval_s": DEMO_MAX_INTERVAL_S}
        for u in urls
    ]


# -- progress (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoState:
    """Where the demo stands, judged from one ledger."""

    published: int
    accounted: int
    lost: int
    edits_waiting: int
    """Articles with a scheduled edit whose first version is indexed but not yet edited."""
    revisions: int
    expected_revisions: int
    done: bool

    def line(self) -> str:
        """One line for the live screen."""
        return (
            f"demo: {self.accounted} of {self.published} published articles accounted for; "
            f"revisions {self.revisions} of {self.expected_revisions} expected"
            + ("; releasing the Guardian edit" if self.edits_waiting else "")
            + ("; done" if self.done else "")
        )


_IN_ELASTICSEARCH = frozenset({Outcome.INDEXED, Outcome.DUPLICATE, Outcome.FLAGGED})


def revision_items(items: list[PublishedItem]) -> list[PublishedItem]:
    """The farm's real revision fixtures (the Guardian article): each must become one revision."""
    return [i for i in items if i.source.startswith("revision:")]


def seed_items(items: list[PublishedItem]) -> list[PublishedItem]:
    """The five seed reports of one event: they should make one story."""
    return [i for i in items if i.source.startswith("seed:")]


def judge(result: LedgerResult, items: list[PublishedItem], edits_released: bool) -> DemoState:
    """The demo's state from a ledger: done when nothing is lost or duplicated and every revision
    fixture was seen first and then edited, as exactly one revision."""
    # in Elasticsearch, whatever the enricher made of it (the Guardian text is one of the
    # event's reports, so it may be marked the near-duplicate of a seed)
    indexed = {a.url for a in result.accounts if a.outcome in _IN_ELASTICSEARCH}
    fixtures = revision_items(items)
    waiting = 0 if edits_released else sum(1 for i in fixtures if i.url in indexed and i.versions == 1)
    expected = max(result.expected_edits, len(fixtures))
    lost = len(result.unaccounted)
    done = (
        result.balanced
        and lost == 0
        and (not fixtures or edits_released)
        and result.expected_edits >= len(fixtures)
        and result.seen_revisions >= result.expected_edits
    )
    return DemoState(
        published=result.total,
        accounted=result.total - lost,
        lost=lost,
        edits_waiting=waiting,
        revisions=result.seen_revisions,
        expected_revisions=expected,
        done=done,
    )


def result_line(result: LedgerResult, elapsed_s: float) -> str:
    """The demo's closing line (tests parse it): articles, revisions, lost, and how long."""
    counts = {o.value: n for o, n in result.counts.items() if n and o is not Outcome.UNACCOUNTED}
    parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    return (
        f"demo: {result.total} articles ({parts or 'none'}), {result.seen_revisions} revision"
        f"{'' if result.seen_revisions == 1 else 's'} ({result.expected_edits} expected), "
        f"{len(result.unaccounted)} lost, {len(result.duplicated_articles)} duplicated; "
        f"{'balanced' if result.balanced else 'NOT balanced'}; {elapsed_s:,.0f} s"
    )


# -- I/O ------------------------------------------------------------------------------------------


async def ledger(settings: CommonSettings, control_url: str, *, failed_fetches: bool) -> tuple[LedgerResult, list[PublishedItem]]:
    """The farm's published articles and the ledger of the demo's namespace."""
    from newswire.es.client import make_client
    from newswire.farm.ledger import items_from_farm, run_ledger

    items, dead = await items_from_farm(control_url)
    es: Any = make_client(settings.elasticsearch)
    try:
        result = await run_ledger(
            settings.kafka, es, settings.elasticsearch.index_prefix, items,
            unreachable_outlets=dead, failed_fetches=failed_fetches,
        )
    finally:
        await es.close()
    return result, items


async def release_edits(control_url: str) -> int:
    """Ask the farm to publish its scheduled edits now."""
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.post(f"{control_url.rstrip('/')}/_farm/release-edits") as resp:
            resp.raise_for_status()
            return int((await resp.json())["released"])


async def where_stopped(settings: CommonSettings, result: LedgerResult) -> list[str]:
    """For each lost article, the furthest pipeline topic it reached (the timeout's report)."""
    from newswire.contracts.ids import article_id
    from newswire.farm.trace import last_topic, trace

    lost = {article_id(a.url): a.url for a in result.unaccounted}
    found = await trace(settings.kafka, set(lost))
    lines = [f"  {lost[i]}: {last_topic(found[i])}" for i in sorted(lost, key=lost.__getitem__)]
    stops = Counter(last_topic(found[i]).split(":")[0] for i in lost)
    head = ", ".join(f"{n} {where}" for where, n in stops.most_common())
    return [f"where the {len(lost)} lost articles stopped: {head}", *lines[:20]]


async def showcase(settings: CommonSettings, items: list[PublishedItem], web_url: str) -> list[str]:
    """The demo's closing story: the Guardian revision's diff as text, the story of the seed
    reports, and queries that work on what was indexed, with the revision view's pages of each."""
    from newswire.es.client import make_client
    from newswire.es.setup import alias

    prefix = settings.elasticsearch.index_prefix
    es: Any = make_client(settings.elasticsearch)
    out: list[str] = []
    try:
        await es.indices.refresh(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True)
        for item in revision_items(items):
            hits = await _search(es, alias(prefix, "revisions"), {"term": {"canonical_url": item.url}})
            for rev in hits:
                indices = list(rev.get("changed_paragraphs") or [])
                stats = rev.get("stats") or {}
                out += [
                    "",
                    f"Revision v{rev.get('previous_version')} -> v{rev.get('version')} of "
                    f"\"{rev.get('title_new')}\" ({rev.get('outlet') or rev.get('host')}): "
                    f"{_paragraphs(indices)} changed (changed_paragraphs {indices}, counted from 0), "
                    f"+{stats.get('words_added', 0)} / -{stats.get('words_removed', 0)} words; "
                    f"kinds: {', '.join(rev.get('kinds') or [])}",
                    *_clip(str(rev.get("diff_unified") or ""), 40),
                    f"  read it side by side: {web_url.rstrip('/')}/articles/{rev.get('article_id')}",
                ]
        seeds = seed_items(items)
        if seeds:
            docs = await _search(es, alias(prefix, "articles"), {"terms": {"canonical_url": [s.url for s in seeds]}})
            stories = Counter(str(d["story_id"]) for d in docs if d.get("story_id"))
            out.append("")
            if stories:
                story_id, members = stories.most_common(1)[0]
                story = await _search(es, alias(prefix, "stories"), {"term": {"story_id": story_id}})
                title = story[0].get("title") if story else None
                out.append(
                    f"Story \"{title or story_id}\": {members} of the {len(seeds)} seed reports of one event "
                    f"grouped together (story {story_id}):"
                )
                for d in docs:
                    mark = "*" if d.get("story_id") == story_id else " "
                    out.append(f"  {mark} {d.get('outlet') or d.get('host')}: {d.get('title')}")
                out.append(f"  the story's page: {web_url.rstrip('/')}/stories/{story_id}")
            else:
                out.append(f"the {len(seeds)} seed reports were indexed without a story")
    finally:
        await es.close()
    es_url = settings.elasticsearch.hosts[0].rstrip("/")
    out += [
        "",
        f"read them: {web_url} (recent revisions, articles, stories, outlets, search; Atom and RSS feeds of "
        f"changes at {web_url.rstrip('/')}/feeds/revisions.atom)",
        "query them (the demo's own indices; your `make up` data is under the default prefix):",
        f"  curl '{es_url}/{prefix}-articles/_search?q=Lavrov&size=3&_source=title,outlet,canonical_url&pretty'",
        f"  curl '{es_url}/{prefix}-revisions/_search?_source=title_new,changed_paragraphs,diff_unified&pretty'",
        f"  curl '{es_url}/{prefix}-stories/_search?q=size:>1&sort=size:desc&pretty'",
        f"  NEWSWIRE_KAFKA__TOPIC_PREFIX={settings.kafka.topic_prefix} newswire dlq list",
    ]
    return out


async def _search(es: Any, index: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        result = await es.search(index=index, query=query, size=50, ignore_unavailable=True, allow_no_indices=True)
    except Exception:  # an index not created yet: nothing to show
        return []
    return [h["_source"] for h in result["hits"]["hits"]]


def _paragraphs(indices: list[int]) -> str:
    """'paragraphs 6, 7 and 8' (counted from 1, as a reader counts) from 0-based indices."""
    if not indices:
        return "no paragraph"
    names = [str(i + 1) for i in indices]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"paragraph{'s' if len(names) > 1 else ''} {listed}"


def _clip(text: str, lines: int) -> list[str]:
    rows = [f"    {row}" for row in text.splitlines()]
    return rows if len(rows) <= lines else [*rows[:lines], f"    ... ({len(rows) - lines} more lines)"]


def wait_for_file(path: Path, timeout_s: float, alive: Any) -> bool:
    """Wait until `path` exists (the farm writes its feed list once it serves)."""
    deadline = time.monotonic() + timeout_s
    while not path.exists() and time.monotonic() < deadline and alive():
        time.sleep(0.2)
    return path.exists()
