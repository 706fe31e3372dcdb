"""A real local Kafka and Elasticsearch without Docker, for tests, benchmarks and the local default.

Kafka 4.1.1 (one KRaft broker+controller) and Elasticsearch 8.19.21 (one node, security off) are
fetched from Maven Central with ``mvn`` into ``$NEWSWIRE_CACHE_DIR`` once, then run as detached JVMs
on 127.0.0.1 (Kafka 19092, Elasticsearch 19200 by default). Standard library only (it must work
before anything else is configured)::

    from newswire import devstack
    eps = devstack.up()          # idempotent; returns when both are healthy
    eps.kafka_bootstrap          # "127.0.0.1:19092"
    eps.elasticsearch_url        # "http://127.0.0.1:19200"
    devstack.down(purge=False)

See ``newswire.devstack.config`` for where things live on disk and which variables override it.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from newswire.devstack import elasticsearch, kafka, resolve
from newswire.devstack.config import (
    ES_VERSION,
    HOST,
    KAFKA_VERSION,
    DevstackConfig,
    load_config,
)
from newswire.devstack.errors import DevstackError
from newswire.devstack.java import find_java
from newswire.devstack.process import (
    ensure_ports_free,
    listener_of,
    live_pid,
    pid_alive,
    read_pid,
    stop_service,
    tail,
    write_pid,
)

Service = Literal["kafka", "elasticsearch"]
SERVICES: tuple[Service, ...] = ("kafka", "elasticsearch")
LOG_TAIL_ON_FAILURE = 40

__all__ = [
    "SERVICES",
    "DevstackConfig",
    "DevstackError",
    "Endpoints",
    "ServiceStatus",
    "down",
    "endpoints",
    "is_healthy",
    "load_config",
    "log_files",
    "status",
    "up",
]


@dataclass(frozen=True)
class Endpoints:
    """Where clients reach the dev stack."""

    kafka_bootstrap: str
    elasticsearch_url: str


@dataclass(frozen=True)
class ServiceStatus:
    """One server's state as `status` reports it."""

    name: Service
    running: bool
    pid: int | None
    endpoint: str
    healthy: bool
    detail: str
    log: Path

    @property
    def state(self) -> str:
        """``"running"`` or ``"stopped"``."""
        return "running" if self.running else "stopped"


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Default progress sink: say nothing."""


def endpoints(cfg: DevstackConfig | None = None) -> Endpoints:
    """The endpoints the dev stack uses (whether or not it is running)."""
    cfg = cfg or load_config()
    return Endpoints(kafka_bootstrap=cfg.kafka_bootstrap, elasticsearch_url=cfg.es_url)


@contextlib.contextmanager
def _locked(cfg: DevstackConfig) -> Iterator[None]:
    """Serialise up/down across processes (e.g. parallel test workers all calling `up`)."""
    cfg.home.mkdir(parents=True, exist_ok=True)
    with (cfg.home / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- per-service helpers -------------------------------------------------------------------------
def _pidfile(cfg: DevstackConfig, service: Service) -> Path:
    """Where the service's pid is recorded."""
    return cfg.kafka_pidfile if service == "kafka" else cfg.es_pidfile


def _marker(cfg: DevstackConfig, service: Service) -> str:
    """What our process's command line contains (tells it from a recycled pid)."""
    return kafka.pid_marker(cfg) if service == "kafka" else elasticsearch.pid_marker(cfg)


def log_files(service: Service, cfg: DevstackConfig | None = None) -> list[Path]:
    """The server log, then the stdout/stderr capture (JVM errors before logging is up)."""
    cfg = cfg or load_config()
    if service == "kafka":
        return [cfg.kafka_log, cfg.kafka_stdout]
    return [cfg.es_log, cfg.es_stdout]


def _health(cfg: DevstackConfig, service: Service) -> tuple[bool, str]:
    """(healthy, detail) from a real request: Kafka ApiVersions+Metadata, ES cluster health."""
    if service == "kafka":
        try:
            probe = kafka.probe(HOST, cfg.kafka_port)
        except (OSError, ValueError) as exc:  # ValueError covers struct/decoding errors
            return False, f"not serving: {exc}"
        count = len(probe.brokers)
        return True, f"{count} broker{'s' if count > 1 else ''}, cluster id {probe.cluster_id}"
    try:
        body = elasticsearch.cluster_health(cfg.es_url)
    except (OSError, ValueError) as exc:
        return False, f"not serving: {exc}"
    color = body.get("status")
    return color in ("green", "yellow"), f"cluster {body.get('cluster_name')}: {color}"


def _log_sizes(cfg: DevstackConfig, service: Service) -> tuple[int, int]:
    """Sizes of the server log and stdout capture (0 if absent): where new output begins."""
    sizes = []
    for path in log_files(service, cfg):
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes[0], sizes[1]


def _failure_log(
    cfg: DevstackConfig, service: Service, *, died: bool, log_start: tuple[int, int]
) -> str:
    """The last lines this start wrote to the server's log, plus its stdout capture when it died
    or logged nothing (``log_start``: both files' sizes when we started it, so an earlier run's
    output is never passed off as this one's).
    """
    main, stdout = log_files(service, cfg)
    parts = []
    lines = tail(main, LOG_TAIL_ON_FAILURE, start=log_start[0])
    if lines:
        parts.append(f"--- last {len(lines)} lines of {main}:\n" + "\n".join(lines))
    if died or not lines:
        out = tail(stdout, LOG_TAIL_ON_FAILURE, start=log_start[1])
        if out:
            parts.append(f"--- last {len(out)} lines of {stdout}:\n" + "\n".join(out))
    return "\n".join(parts) or f"(nothing logged yet in {main} or {stdout})"


_LABEL = {"kafka": f"Kafka {KAFKA_VERSION}", "elasticsearch": f"Elasticsearch {ES_VERSION}"}


# --- public API ----------------------------------------------------------------------------------
def up(timeout: float = 180, *, progress: Progress = _quiet) -> Endpoints:
    """Start whatever is not running, wait until both are healthy, return the endpoints.

    Idempotent: with both healthy already it only checks. A stale pid file (process gone) is
    cleaned up and the server started. Raises DevstackError with a clear message (missing mvn or
    Java, port taken, or a timeout with the last 40 lines of the failing server's log).
    """
    cfg = load_config()
    deadline = time.monotonic() + timeout
    with _locked(cfg):
        pids: dict[Service, int | None] = {
            s: live_pid(_pidfile(cfg, s), _marker(cfg, s)) for s in SERVICES
        }
        to_start = [s for s in SERVICES if pids[s] is None]
        started: dict[Service, float] = {}
        log_start = {s: _log_sizes(cfg, s) for s in SERVICES}
        if not to_start:
            progress("Kafka and Elasticsearch are already running")
        else:
            _check_ports(cfg, to_start)
            java = find_java()
            kafka_libs: Path | None = None
            es_dist: Path | None = None
            if "kafka" in to_start:
                kafka_libs = _resolve(
                    cfg.kafka_dist, "kafka", progress, lambda: resolve.resolve_kafka(cfg, java)
                )
            if "elasticsearch" in to_start and cfg.as_root and resolve.is_resolved(cfg.es_home):
                es_dist = cfg.es_home  # the ES user's copy is complete: the cache is not needed
            elif "elasticsearch" in to_start:
                es_dist = _resolve(
                    cfg.es_cache,
                    "elasticsearch",
                    progress,
                    lambda: resolve.resolve_elasticsearch(cfg, java),
                )
            if es_dist is not None:
                elasticsearch.prepare(cfg, es_dist)
                progress(f"starting {_LABEL['elasticsearch']} on {cfg.es_url}")
                pid = elasticsearch.start(cfg, java)
                write_pid(cfg.es_pidfile, pid)
                pids["elasticsearch"], started["elasticsearch"] = pid, time.monotonic()
            if kafka_libs is not None:
                props = kafka.prepare(cfg, java, kafka_libs)
                progress(f"starting {_LABEL['kafka']} on {cfg.kafka_bootstrap}")
                pid = kafka.start(cfg, java, kafka_libs, props)
                write_pid(cfg.kafka_pidfile, pid)
                pids["kafka"], started["kafka"] = pid, time.monotonic()
        _wait_healthy(cfg, pids, started, log_start, deadline, timeout, progress)
    return endpoints(cfg)


def _resolve(cached: Path, service: Service, progress: Progress, fetch: Callable[[], Path]) -> Path:
    """Run ``fetch`` (a resolve), announcing and timing it when it is not a cache hit."""
    if resolve.is_resolved(cached):
        return fetch()
    progress(f"resolving {_LABEL[service]} from Maven Central into {cached} (first run only)...")
    t0 = time.monotonic()
    result = fetch()
    progress(f"resolved {_LABEL[service]} in {time.monotonic() - t0:.1f}s")
    return result


def _check_ports(cfg: DevstackConfig, services: list[Service]) -> None:
    """Fail before starting anything if a port we need is taken by something else."""
    ports: dict[int, str] = {}
    if "kafka" in services:
        hint = "Stop it or set NEWSWIRE_DEVSTACK_KAFKA_PORT (Kafka uses that port and port+1)."
        ports[cfg.kafka_port] = ports[cfg.kafka_controller_port] = hint
    if "elasticsearch" in services:
        hint = (
            "Stop it or set NEWSWIRE_DEVSTACK_ES_PORT (Elasticsearch uses that port and port+100)."
        )
        ports[cfg.es_port] = ports[cfg.es_transport_port] = hint
    ensure_ports_free(HOST, ports)


def _wait_healthy(
    cfg: DevstackConfig,
    pids: dict[Service, int | None],
    started: dict[Service, float],
    log_start: dict[Service, tuple[int, int]],
    deadline: float,
    timeout: float,
    progress: Progress,
) -> None:
    """Poll both servers until healthy; on death or timeout stop what we started and raise."""
    pending = set(SERVICES)
    details: dict[Service, str] = {}
    while pending:
        for service in sorted(pending):
            pid = pids[service]
            assert pid is not None
            healthy, details[service] = _health(cfg, service)
            if healthy:
                pending.discard(service)
                if service in started:
                    took = time.monotonic() - started[service]
                    progress(f"{_LABEL[service]} healthy after {took:.1f}s ({details[service]})")
                continue
            if not pid_alive(pid):
                _abort(cfg, started)
                raise DevstackError(
                    f"{_LABEL[service]} exited during startup.\n"
                    + _failure_log(cfg, service, died=True, log_start=log_start[service])
                )
        if not pending:
            break
        if time.monotonic() >= deadline:
            service = sorted(pending)[0]
            _abort(cfg, started)
            raise DevstackError(
                f"{_LABEL[service]} did not become healthy within {timeout:.0f}s "
                f"({details.get(service, 'no answer')}); stopped what this `up` started.\n"
                + _failure_log(cfg, service, died=False, log_start=log_start[service])
            )
        time.sleep(0.5)


def _abort(cfg: DevstackConfig, started: dict[Service, float]) -> None:
    """Stop the servers this `up` started (never ones that were already running)."""
    for service in started:
        stop_service(_pidfile(cfg, service), _marker(cfg, service), grace_s=10)


def down(purge: bool = False, *, progress: Progress = _quiet) -> None:
    """Stop both servers (SIGTERM, up to 30 s, then SIGKILL); ``purge`` also deletes their data.

    Safe to call when nothing runs. Caches (downloads, ES home copy) and logs are kept.
    """
    cfg = load_config()
    with _locked(cfg):
        for service in SERVICES:
            outcome = stop_service(_pidfile(cfg, service), _marker(cfg, service))
            progress(f"{_LABEL[service]}: {outcome}")
        if purge:
            for data in (cfg.kafka_data, cfg.es_data):
                if data.exists():
                    shutil.rmtree(data)
                    progress(f"deleted {data}")
            (cfg.kafka_state / kafka.CLUSTER_ID_FILE).unlink(missing_ok=True)


def status() -> dict[Service, ServiceStatus]:
    """Each server's state: running or not, pid, endpoint, health (a real request), log path."""
    cfg = load_config()
    result: dict[Service, ServiceStatus] = {}
    for service in SERVICES:
        pid = read_pid(_pidfile(cfg, service), _marker(cfg, service))
        endpoint = cfg.kafka_bootstrap if service == "kafka" else cfg.es_url
        if pid is None:
            healthy, detail = False, "not started"
            port = cfg.kafka_port if service == "kafka" else cfg.es_port
            who = listener_of(port)
            if who:
                detail = f"not ours: port {port} is held by {who}"
        else:
            healthy, detail = _health(cfg, service)
        result[service] = ServiceStatus(
            name=service,
            running=pid is not None,
            pid=pid,
            endpoint=endpoint,
            healthy=healthy,
            detail=detail,
            log=log_files(service, cfg)[0],
        )
    return result


def is_healthy() -> bool:
    """True when both servers are running and answer healthy requests."""
    return all(s.running and s.healthy for s in status().values())
