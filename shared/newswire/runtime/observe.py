"""A stage's observability: /healthz and /metrics on its web server, consumer lag as a gauge, and
one log line per rebalance saying which partitions this instance owns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import generate_latest

from newswire.runtime.logging import get_logger

if TYPE_CHECKING:
    from newswire.runtime.stage import Stage

log = get_logger("newswire.runtime")


def install_web(stage: Stage) -> None:
    """/healthz (503 when the stage crashed or waits, with the reason) and /metrics."""

    @stage.app.page("/healthz")
    async def healthz(view: Any, request: Any) -> Any:
        reason = getattr(stage.app, "crash_reason", None)
        if reason is not None:
            return view.json({"stage": stage.name, "status": "crashed", "reason": repr(reason)}, status=503)
        if stage.waiting is not None:
            return view.json({"stage": stage.name, "status": "waiting", "reason": stage.waiting}, status=503)
        return view.json({"stage": stage.name, "status": "ok"})

    @stage.app.page("/metrics")
    async def metrics(view: Any, request: Any) -> Any:
        # aiohttp refuses a charset inside content_type; Prometheus reads plain text/plain.
        return view.bytes(generate_latest(stage.metrics.registry), content_type="text/plain")


def log_assignment(stage: Stage) -> Any:
    """The rebalance hook that logs which partitions this instance now works on (and keeps standby
    copies of), per topic: after a rebalance, the one place that says who owns what."""

    async def assigned(sender: Any, /, *_: Any, signal: Any = None, **__: Any) -> None:
        try:
            assignor = stage.app.assignor
            summary: dict[str, dict[str, list[int]]] = {"active": {}, "standby": {}}
            for kind, tps in (("active", assignor.assigned_actives()), ("standby", assignor.assigned_standbys())):
                for tp in sorted(tps, key=lambda t: (t.topic, t.partition)):
                    summary[kind].setdefault(tp.topic.removeprefix(stage.prefix), []).append(tp.partition)
            log.info("partitions_assigned", stage=stage.name, **summary)
        except Exception:  # logging must never take the stage down
            log.debug("assignment_log_failed", stage=stage.name, exc_info=True)

    return assigned


def lag_of(highwater: int, last_read: int | None, committed: int | None) -> int:
    """Messages of a partition still waiting: its high-water mark less the next offset to read,
    the further of one past the last message this process read and the group's committed offset
    (a restarted stage with nothing new to do has no lag, not the partition's whole history)."""
    done = max(last_read + 1 if last_read is not None else 0, committed or 0)
    return max(0, highwater - done)


async def update_lag(stage: Stage) -> None:
    """Consumer lag per partition of the topics the stage works on (high-water mark minus
    position), as a gauge."""
    consumer = getattr(stage.app, "consumer", None)
    if consumer is None:
        return
    try:
        for tp in consumer.assignment():
            if tp.topic.endswith("-changelog"):
                continue  # a table's own log: read at recovery, not work waiting for this stage
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            lag = lag_of(highwater, getattr(consumer, "_last_offset", {}).get(tp),
                         getattr(consumer, "_committed_offset", {}).get(tp))
            base = tp.topic[len(stage.prefix) :] if tp.topic.startswith(stage.prefix) else tp.topic
            stage.metrics.consumer_lag.labels(stage.name, base, str(tp.partition)).set(lag)
    except Exception:  # metrics must never take the stage down
        log.debug("lag_update_failed", stage=stage.name, exc_info=True)
