"""One system per machine and data directory: the lock `newswire up` holds while it runs, and the
port check a stage makes before it starts.

A second `newswire up` finds the first by its lock file (whose owner pid, command and start time
it names); a stage whose web port is taken exits at once with `PORT_IN_USE_EXIT`, which the
supervisor reads as "do not restart" (a restart loop would only hide the collision).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: Exit status of a stage process whose web port is taken (EX_CONFIG of sysexits.h): the
#: supervisor does not restart it.
PORT_IN_USE_EXIT = 78


def port_free(host: str, port: int) -> bool:
    """True if nothing listens on `host:port` (we can bind it); any other bind error (a host
    that is no local address) is raised, not taken for a busy port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def who_answers(port: int, host: str = "127.0.0.1") -> str | None:
    """The newswire stage answering /healthz on a port, if one does (else None)."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1) as response:
            body = json.loads(response.read(4096))
    except Exception:  # not newswire, not HTTP, or nothing there
        return None
    stage = body.get("stage") if isinstance(body, dict) else None
    return str(stage) if stage else None


def holder_of(port: int, host: str = "127.0.0.1") -> str:
    """Who holds a taken port, in words: a newswire stage (by its /healthz) or another program."""
    other = who_answers(port, host if host not in ("0.0.0.0", "") else "127.0.0.1")
    return f"a newswire {other} stage answers there" if other else "another program holds it"


def exit_if_port_taken(name: str, host: str, port: int) -> None:
    """Exit at once with `PORT_IN_USE_EXIT` and the reason when `host:port` is taken: two systems
    on one machine would otherwise fight over ports in a silent restart loop."""
    if port_free(host, port):
        return
    print(
        f"{name}: web port {host}:{port} is in use ({holder_of(port, host)}). Is another `newswire up` "
        f"running? Stop it first, or give this stage another port with NEWSWIRE_WEB_PORT.",
        file=sys.stderr, flush=True,
    )
    raise SystemExit(PORT_IN_USE_EXIT)


@dataclass(frozen=True)
class Holder:
    """Who holds an instance lock."""

    pid: int
    command: str
    started_at: float

    def describe(self) -> str:
        """One line: pid, command and start time."""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started_at))
        return f"pid {self.pid}, `{self.command}`, started {when}"


class AlreadyRunning(RuntimeError):
    """Another `newswire up` holds the lock of this data directory."""

    def __init__(self, path: Path, holder: Holder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "its owner could not be read"
        super().__init__(
            f"newswire is already running from this directory ({who}; lock {path}). "
            "Stop it first (Ctrl-C in its terminal"
            + (f", or `kill {holder.pid}`" if holder else "")
            + "): one system per machine and data directory."
        )


class InstanceLock:
    """An exclusive, advisory lock on a file (flock): released by the kernel when the holder
    exits, even by kill -9, so a stale file never blocks the next run."""

    def __init__(self, path: Path, command: str) -> None:
        self.path = path
        self.command = command
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise AlreadyRunning(self.path, read_holder(self.path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": self.command, "started_at": time.time()}))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Give the lock back (the file stays; an unlocked file means nobody runs)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *_: Any) -> None:
        self.release()


def read_holder(path: Path) -> Holder | None:
    """The holder written in a lock file, if it can be read."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return Holder(int(data["pid"]), str(data["command"]), float(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
