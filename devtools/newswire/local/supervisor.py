"""Supervision of the six stages as child processes (the local default, `newswire up`).

Each stage runs as `newswire run <stage>` in its own process group, as one process or several
(`processes`: its instances share the stage's partitions, as replicas of a Deployment would,
each with its own web port and state directory); a child that exits is restarted with
backoff, except one that exits with `PORT_IN_USE_EXIT` (its port is taken: a restart cannot help,
so it stays down and `failures` says why); stop() sends SIGTERM to all and SIGKILL to what is left
after a grace period.
Progress is read from each stage's own /metrics endpoint, as Prometheus would.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from newswire.runtime.instance import PORT_IN_USE_EXIT
from newswire.runtime.stage import WEB_PORTS
from newswire.topics import STAGES


@dataclass
class Child:
    """One supervised stage process."""

    stage: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    """This instance's own environment (its state directory when a stage has several)."""
    restarts: int = 0
    next_start: float = 0.0
    failure: str | None = None
    """Why it stays down (not restarted), if it does."""


@dataclass
class StageProgress:
    """Counters scraped from a stage's /metrics."""

    up: bool = False
    restarts: int = 0
    failure: str | None = None
    """Why the stage is down for good (e.g. its port is taken), if it is."""
    messages_in: float = 0.0
    messages_out: float = 0.0
    failed: float = 0.0
    lag: float = 0.0


@dataclass
class Supervisor:
    """Starts, watches, restarts and stops the stage processes."""

    env: dict[str, str]
    log_dir: Path
    stages: tuple[str, ...] = STAGES
    ports: dict[str, int] = field(default_factory=lambda: dict(WEB_PORTS))
    children: dict[str, Child] = field(default_factory=dict)
    stage_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Extra environment of single stages, over `env` (read at every (re)start)."""
    processes: dict[str, int] = field(default_factory=dict)
    """Processes per stage (1 when absent). Instance 0 is named after its stage, the others
    `<stage>-2`, `<stage>-3`, ..."""
    commands: dict[str, list[str]] = field(default_factory=dict)
    """The `newswire` command of a process that is not a stage (e.g. `{"web": ["web"]}`); a
    stage runs as `newswire run <stage>`."""

    def start(self) -> None:
        """Start every stage (every instance of it)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        extra = iter(free_ports(sum(max(1, self.processes.get(s, 1)) - 1 for s in self.stages)))
        state = Path(self.env.get("NEWSWIRE_DATA_DIR", "var"))
        for stage in self.stages:
            for i in range(max(1, self.processes.get(stage, 1))):
                name = stage if i == 0 else f"{stage}-{i + 1}"
                own = {} if i == 0 else {"NEWSWIRE_DATA_DIR": str(state / name)}
                port = self.ports[stage] if i == 0 else next(extra)
                child = Child(stage, port, self.log_dir / f"{name}.log", env=own)
                self.children[name] = child
                self._spawn(child)

    def _spawn(self, child: Child) -> None:
        env = {
            **self.env, **self.stage_env.get(child.stage, {}), **child.env,
            "NEWSWIRE_WEB_PORT": str(child.port),
        }
        log = open(child.log_path, "ab")
        child.process = subprocess.Popen(
            [sys.executable, "-m", "newswire.cli.main", *self.commands.get(child.stage, ["run", child.stage])],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def watch(self) -> list[str]:
        """Restart children that exited (with backoff); returns the stages restarted now."""
        restarted = []
        now = time.monotonic()
        for child in self.children.values():
            if child.process is None or child.process.poll() is None or child.failure is not None:
                continue
            if child.process.returncode == PORT_IN_USE_EXIT:
                child.failure = _last_line(child.log_path) or f"web port {child.port} is in use"
                continue
            if child.next_start == 0.0:
                child.next_start = now + min(30.0, 2.0 ** min(child.restarts, 5))
            if now >= child.next_start:
                child.restarts += 1
                child.next_start = 0.0
                self._spawn(child)
                restarted.append(child.stage)
        return restarted

    @property
    def failures(self) -> dict[str, str]:
        """Stage processes down for good, with the reason (empty while all run or restart)."""
        return {name: c.failure for name, c in self.children.items() if c.failure is not None}

    def restart(self, name: str, hard: bool = False) -> None:
        """Stop one stage process (SIGKILL if `hard`) and start it again (tests use this)."""
        child = self.children[name]
        self._stop_one(child, hard=hard)
        child.restarts += 1
        self._spawn(child)

    def stop(self, grace_s: float = 30.0, keep: tuple[str, ...] = ()) -> None:
        """Stop every process (but those named in `keep`): SIGTERM, then SIGKILL after
        `grace_s`."""
        doomed = [c for name, c in self.children.items() if name not in keep]
        for child in doomed:
            if child.process is not None and child.process.poll() is None:
                _signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for child in doomed:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait(10)

    def _stop_one(self, child: Child, hard: bool) -> None:
        if child.process is None or child.process.poll() is not None:
            return
        _signal_group(child.process, signal.SIGKILL if hard else signal.SIGTERM)
        try:
            child.process.wait(30)
        except subprocess.TimeoutExpired:
            _signal_group(child.process, signal.SIGKILL)
            child.process.wait(10)

    def progress(self) -> dict[str, StageProgress]:
        """Scrape every stage's /metrics, its instances summed (a stage is up when all are)."""
        out: dict[str, StageProgress] = {}
        for child in self.children.values():
            p = StageProgress() if child.failure else scrape(f"http://127.0.0.1:{child.port}/metrics")
            p.restarts, p.failure = child.restarts, child.failure
            total = out.get(child.stage)
            if total is None:
                out[child.stage] = p
                continue
            total.up = total.up and p.up
            total.restarts += p.restarts
            total.failure = total.failure or p.failure
            total.messages_in += p.messages_in
            total.messages_out += p.messages_out
            total.failed += p.failed
            total.lag += p.lag
        return out


def free_ports(n: int) -> list[int]:
    """`n` TCP ports free on 127.0.0.1 right now, for web ports of processes started side by side
    (tests, benchmarks, several instances on one machine).

    Chosen below the kernel's ephemeral range: a port the kernel handed out (bind to port 0)
    is one it may hand again to any outgoing connection (a Kafka client's) before the process
    that was meant to listen on it binds it."""
    low = _ephemeral_floor()
    rng = random.Random()
    ports: list[int] = []
    for _ in range(100 * max(1, n)):
        if len(ports) == n:
            break
        port = rng.randrange(PRIVATE_PORTS_FROM, low)
        if port in ports or port in RESERVED_PORTS:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    if len(ports) < n:
        raise RuntimeError(f"no {n} free ports between {PRIVATE_PORTS_FROM} and {low}")
    return ports


#: Where free_ports looks (up to the ephemeral range), and ports it never hands out: the stages'
#: and the revision view's defaults, the demo farm's, and the dev stack's.
PRIVATE_PORTS_FROM = 20000
RESERVED_PORTS = frozenset({*range(6101, 6108), 8900, 19092, 19093, 19200, 19300})


def _ephemeral_floor() -> int:
    """The low end of the kernel's ephemeral port range (32768 when it cannot be read)."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768
    return low if low > PRIVATE_PORTS_FROM + 1000 else 32768


def parse_processes(text: str) -> dict[str, int]:
    """`enricher=2,normaliser=2` as {stage: processes}; ValueError names a bad part."""
    out: dict[str, int] = {}
    for part in filter(None, (x.strip() for x in text.split(","))):
        stage, _, n = part.partition("=")
        if stage not in STAGES or not n.isdigit() or int(n) < 1:
            raise ValueError(f"expected STAGE=N (N >= 1, STAGE one of {', '.join(STAGES)}), got {part!r}")
        out[stage] = int(n)
    return out


def _last_line(path: Path) -> str | None:
    """The last non-empty line of a log file (a stage's own last word before it exited)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - 4096))
            lines = [x for x in f.read().decode("utf-8", "replace").splitlines() if x.strip()]
    except OSError:
        return None
    return lines[-1].strip() if lines else None


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def scrape(url: str) -> StageProgress:
    """Sum the newswire counters of one /metrics page."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            text = response.read().decode("utf-8")
    except Exception:
        return StageProgress(up=False)
    progress = StageProgress(up=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "newswire_messages_in_total":
                progress.messages_in += sample.value
            elif sample.name == "newswire_messages_out_total":
                progress.messages_out += sample.value
            elif sample.name == "newswire_messages_failed_total":
                progress.failed += sample.value
            elif sample.name == "newswire_consumer_lag":
                progress.lag += sample.value
    return progress
