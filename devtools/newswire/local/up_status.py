"""What `newswire up` shows while it runs: what a user cares about (feeds polled OK and failing,
with the top error classes; articles indexed, revisions caught, stories, dead letters) over each
stage's state and lag, and one line with the likely cause when nothing can be reached.

The counts come from Elasticsearch, where the sink writes them (one small aggregation a refresh);
the stages' state from their own /metrics (the supervisor's scrape). Rendering is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from newswire.net.errors import UNREACHABLE_ERRORS
from newswire.local.supervisor import StageProgress

#: Error classes that mean the feeds' hosts cannot be reached at all from this machine: no route
#: (names, connections, answers), or a guard or TLS layer in the way.
_UNREACHABLE = UNREACHABLE_ERRORS | {"refused_address", "tls"}


@dataclass(frozen=True)
class SystemCounts:
    """The system's output so far, as Elasticsearch has it."""

    feeds_registered: int = 0
    feeds_polled: int = 0
    """Feeds with at least one poll (their latest status is what counts)."""
    feeds_ok: int = 0
    failing: tuple[tuple[str, int], ...] = ()
    """Feeds whose latest poll failed, per error class, most first."""
    articles: int = 0
    revisions: int = 0
    stories: int = 0
    """Stories of two or more articles."""
    dead_letters: int = 0
    reachable: bool = True
    """False when Elasticsearch could not be asked (the counts are then the last known)."""

    @property
    def feeds_failing(self) -> int:
        """Feeds whose latest poll failed."""
        return sum(n for _, n in self.failing)


async def collect_counts(es: Any, index_prefix: str, feeds_registered: int) -> SystemCounts:
    """Read the counts from the sink's indices (missing indices count as 0)."""
    from newswire.es.setup import alias

    await es.indices.refresh(index=f"{index_prefix}-*", ignore_unavailable=True, allow_no_indices=True)

    async def count(family: str, query: Mapping[str, Any] | None = None) -> int:
        kwargs: dict[str, Any] = {"query": query} if query else {}
        try:
            return int((await es.count(index=alias(index_prefix, family), **kwargs))["count"])
        except Exception:  # not created yet (revisions appear with their first monthly index)
            return 0

    polled = ok = 0
    failing: list[tuple[str, int]] = []
    try:
        result = await es.search(
            index=alias(index_prefix, "feeds"), size=0, track_total_hits=True,
            aggs={
                "ok": {"filter": {"term": {"ok": True}}},
                "failing": {
                    "filter": {"term": {"ok": False}},
                    "aggs": {"classes": {"terms": {"field": "error_class", "size": 5}}},
                },
            },
        )
        polled = int(result["hits"]["total"]["value"])
        ok = int(result["aggregations"]["ok"]["doc_count"])
        buckets = result["aggregations"]["failing"]["classes"]["buckets"]
        failing = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
    except Exception:  # the feeds index appears with the sink's first write
        pass
    return SystemCounts(
        feeds_registered=feeds_registered,
        feeds_polled=polled,
        feeds_ok=ok,
        failing=tuple(failing),
        articles=await count("articles"),
        revisions=await count("revisions"),
        stories=await count("stories", {"range": {"size": {"gte": 2}}}),
        dead_letters=await count("dead-letters"),
    )


def diagnosis(counts: SystemCounts) -> str | None:
    """One line with the likely cause when no feed can be reached; None otherwise."""
    if counts.feeds_polled == 0 or counts.feeds_ok > 0 or counts.feeds_failing < counts.feeds_polled:
        return None
    classes = {c for c, _ in counts.failing}
    top = ", ".join(c for c, _ in counts.failing[:3])
    if classes and classes <= _UNREACHABLE:
        return (
            f"No feed can be reached ({counts.feeds_failing} of {counts.feeds_polled} failing: {top}): "
            "this machine seems to have no internet access. `make demo` shows the whole system "
            "on a local news farm without it."
        )
    return f"Every polled feed is failing ({top}): see `newswire feeds status` for each feed's reason."


def feeds_line(counts: SystemCounts) -> str:
    """'feeds: 15 registered, 12 polled OK, 3 failing (dns 2, http_4xx 1)'."""
    failing = counts.feeds_failing
    classes = ", ".join(f"{c} {n}" for c, n in counts.failing)
    waiting = max(0, counts.feeds_registered - counts.feeds_polled)
    parts = [f"{counts.feeds_registered} registered", f"{counts.feeds_ok} polled OK"]
    parts.append(f"{failing} failing" + (f" ({classes})" if classes else ""))
    if waiting:
        parts.append(f"{waiting} not polled yet")
    return "feeds: " + ", ".join(parts)


def _state(p: StageProgress) -> str:
    if p.failure:
        return "[red]down[/red]"
    if p.up:
        return "[green]up[/green]" + (f" ({p.restarts} restarts)" if p.restarts else "")
    return "[yellow]restarting[/yellow]" if p.restarts else "[yellow]starting[/yellow]"


def render_status(
    counts: SystemCounts,
    progress: Mapping[str, StageProgress],
    *,
    title: str,
    notes: Sequence[str] = (),
) -> RenderableType:
    """The live screen: the user's counts, the likely cause of a total failure, the stages."""
    lines = [
        Text(title, style="bold"),
        Text(feeds_line(counts)),
        Text(
            f"articles indexed: {counts.articles:,}   revisions caught: {counts.revisions:,}   "
            f"stories (2+ articles): {counts.stories:,}   dead letters: {counts.dead_letters:,}"
            + ("" if counts.reachable else "   (Elasticsearch not answering: last known counts)")
        ),
    ]
    cause = diagnosis(counts)
    if cause:
        lines.append(Text(cause, style="bold red"))
    lines.extend(Text(n) for n in notes)
    table = Table()
    for column in ("stage", "state", "lag", "in", "out", "failed"):
        table.add_column(column, justify="left" if column in ("stage", "state") else "right")
    for stage, p in progress.items():
        table.add_row(
            stage, _state(p), f"{p.lag:,.0f}", f"{p.messages_in:,.0f}", f"{p.messages_out:,.0f}",
            f"{p.failed:,.0f}",
        )
    down = [f"{stage}: {p.failure}" for stage, p in progress.items() if p.failure]
    return Group(*lines, *([table] if progress else []), *(Text(d, style="red") for d in down))
