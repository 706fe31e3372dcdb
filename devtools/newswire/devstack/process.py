"""Detached server processes: start, pid files, liveness, ports, stop, and log tails.

A server is started in its own session (so it outlives the CLI and ^C in the terminal does not reach
it), and its pid is written to a pid file. A pid file only counts when that pid is alive *and* its
command line still names the server (pids get reused): anything else is stale and is removed.
Stopping signals the whole process group (Elasticsearch's launcher has the server JVM as a child).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from newswire.devstack.errors import DevstackError
from newswire.runtime.instance import port_free as port_free  # one bind check for the dev stack and the stages

STOP_GRACE_S = 30.0


# --- pid files -----------------------------------------------------------------------------------
def _cmdline(pid: int) -> str:
    """The process's command line (NULs as spaces); empty if it is gone or unreadable."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (and is not a zombie)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # Field 3, after the parenthesised command name, is the state; Z = zombie, X = dead.
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def read_pid(pidfile: Path, marker: str) -> int | None:
    """The live pid recorded in ``pidfile`` whose command line contains ``marker``, else None.

    A stale pid file (garbage, process gone, or the pid now belongs to something else) is deleted,
    so the next start proceeds as if the server had never run.
    """
    try:
        text = pidfile.read_text().strip()
    except FileNotFoundError:
        return None
    try:
        pid = int(text)
    except ValueError:
        pid = -1
    if pid > 0 and pid_alive(pid) and marker in _cmdline(pid):
        return pid
    pidfile.unlink(missing_ok=True)
    return None


def write_pid(pidfile: Path, pid: int) -> None:
    """Record ``pid`` atomically (write to a temp file, then rename)."""
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    tmp = pidfile.with_name(pidfile.name + ".tmp")
    tmp.write_text(f"{pid}\n")
    tmp.replace(pidfile)


# --- start / stop --------------------------------------------------------------------------------
def start_detached(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout_path: Path,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session with stdout/stderr appended to ``stdout_path``.

    ``user``: run as that user (we must be root); supplementary groups are dropped.
    """
    stdout_path.parent.mkdir(parents=True, exist_ok=True)
    with stdout_path.open("ab") as out:
        out.write(
            f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode()
        )
        out.flush()
        try:
            return subprocess.Popen(
                list(argv),
                cwd=str(cwd),
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                user=user,
                group=_primary_group(user) if user is not None else None,
                extra_groups=[] if user is not None else None,
            )
        except OSError as exc:
            raise DevstackError(f"cannot start {argv[0]}: {exc}") from exc


def _primary_group(user: str) -> int:
    """The primary gid of ``user``."""
    import pwd

    return pwd.getpwnam(user).pw_gid


def _group_alive(pgid: int) -> bool:
    """True while any process of the process group ``pgid`` is alive."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_members(pgid: int, marker: str) -> list[int]:
    """Pids in process group ``pgid`` whose command line contains ``marker``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, ...
        if len(fields) > 2 and int(fields[2]) == pgid and marker in _cmdline(int(proc.name)):
            found.append(int(proc.name))
    return found


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the process group led by ``pid`` (we start servers as session leaders)."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        pgid = pid  # the leader is gone; its group may live on
    with contextlib.suppress(ProcessLookupError):
        if pgid == pid:
            os.killpg(pgid, sig)
        else:  # not a group leader (started by something else): signal just the pid
            os.kill(pid, sig)


def _reap(pid: int) -> None:
    """Collect the exit status if ``pid`` is our child (avoids zombies in long-lived callers)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def stop_pid(pid: int, grace_s: float = STOP_GRACE_S) -> bool:
    """SIGTERM the server's process group, wait up to ``grace_s``, then SIGKILL it.

    Returns True if it stopped on SIGTERM, False if it had to be killed.
    """
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not pid_alive(pid) and not _group_alive(pid):
            return True
        time.sleep(0.2)
    _signal_group(pid, signal.SIGKILL)
    for _ in range(50):
        _reap(pid)
        if not pid_alive(pid) and not _group_alive(pid):
            break
        time.sleep(0.1)
    return False


def live_pid(pidfile: Path, marker: str) -> int | None:
    """Like `read_pid`, but a stale pid file whose process group lives on is cleaned up too.

    (E.g. Elasticsearch's launcher was killed -9 and its server JVM was orphaned, still holding
    the ports.) The leftovers are stopped so that a fresh start can proceed.
    """
    try:
        recorded = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        recorded = -1
    pid = read_pid(pidfile, marker)
    if pid is None and recorded > 0 and group_members(recorded, marker):
        stop_pid(recorded)
    return pid


def stop_service(pidfile: Path, marker: str, grace_s: float = STOP_GRACE_S) -> str:
    """Stop the server recorded in ``pidfile``; returns "stopped", "killed" or "not running".

    Also covers a launcher that died while its children live on: Linux does not reuse a pid while
    a process group of that id exists, so a live group under the recorded pid is still ours.
    """
    try:
        recorded = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        recorded = -1
    pid = read_pid(pidfile, marker)
    if pid is None and recorded > 0 and group_members(recorded, marker):
        pid = recorded
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return "not running"
    graceful = stop_pid(pid, grace_s)
    pidfile.unlink(missing_ok=True)
    return "stopped" if graceful else "killed"


# --- ports ---------------------------------------------------------------------------------------
def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def listener_of(port: int) -> str | None:
    """Best effort: ``"pid 123 (java ...)"`` for the process listening on ``port``, else None."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return f"pid {proc.name} ({_shorten(_cmdline(int(proc.name)))})"
        except OSError:
            continue
    return None


def _shorten(text: str, keep: int = 70) -> str:
    """Head and tail of a long command line (the tail usually names the config file)."""
    return text if len(text) <= 2 * keep else f"{text[:keep]} ... {text[-keep:]}"


def ensure_ports_free(host: str, ports: Mapping[int, str]) -> None:
    """Fail clearly if any port (mapped to a hint naming its setting) is already taken."""
    for port, hint in ports.items():
        if not port_free(host, port):
            who = listener_of(port)
            by = f" by {who}" if who else " by another process"
            raise DevstackError(f"port {host}:{port} is already in use{by}. {hint}")


# --- logs ----------------------------------------------------------------------------------------
def tail(path: Path, n: int = 40, start: int = 0) -> list[str]:
    """The last ``n`` lines of a text file ([] if it does not exist); reads only the end.

    ``start``: ignore everything before this byte offset (e.g. output of earlier runs).
    """
    if n <= 0:
        return []
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            block, data = 65536, b""
            if size < start:  # truncated or rotated since: all of it is new
                start = 0
            while size > start and data.count(b"\n") <= n:
                step = min(block, size - start)
                size -= step
                fh.seek(size)
                data = fh.read(step) + data
    except OSError:
        return []
    return data.decode(errors="replace").splitlines()[-n:]


def follow(paths: Sequence[Path], poll_s: float = 0.5) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, line)`` for lines appended to any of ``paths`` after this call (tail -F).

    The current sizes are taken now, not at the first ``next()``, so nothing written in between
    is lost.
    """
    offsets: dict[Path, int] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            offsets[path] = path.stat().st_size
    return _follow(list(paths), offsets, poll_s)


def _follow(
    paths: list[Path], offsets: dict[Path, int], poll_s: float
) -> Iterator[tuple[Path, str]]:
    """The polling loop of `follow`."""
    pending: dict[Path, bytes] = {}
    while True:
        idle = True
        for path in paths:
            try:
                size = path.stat().st_size
            except OSError:
                continue
            start = offsets.get(path, 0)
            if size < start:  # rotated or truncated
                start = 0
            if size == start:
                continue
            with path.open("rb") as fh:
                fh.seek(start)
                chunk = pending.pop(path, b"") + fh.read(size - start)
            offsets[path] = size
            idle = False
            *lines, rest = chunk.split(b"\n")
            if rest:
                pending[path] = rest
            for line in lines:
                yield path, line.decode(errors="replace")
        if idle:
            time.sleep(poll_s)
