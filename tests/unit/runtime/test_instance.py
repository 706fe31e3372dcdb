"""One system per machine and data directory: the `newswire up` lock names its holder and is
freed by the kernel when the holder dies; a taken port is seen; a stage on a taken port exits at
once with PORT_IN_USE_EXIT and the supervisor leaves it down with the stage's own reason."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newswire.runtime.instance import (
    PORT_IN_USE_EXIT,
    AlreadyRunning,
    InstanceLock,
    port_free,
    read_holder,
)
from newswire.local.supervisor import Supervisor


def test_second_lock_names_the_first(tmp_path: Path) -> None:
    path = tmp_path / "var" / "newswire-up.lock"
    with InstanceLock(path, "newswire up --demo"):
        holder = read_holder(path)
        assert holder is not None and holder.pid == os.getpid() and holder.command == "newswire up --demo"
        with pytest.raises(AlreadyRunning) as caught:
            InstanceLock(path, "newswire up").acquire()
        message = str(caught.value)
        assert f"pid {os.getpid()}" in message and "`newswire up --demo`" in message
        assert f"kill {os.getpid()}" in message
    InstanceLock(path, "newswire up").acquire()  # released: the next run takes it


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    """kill -9 leaves the file but not the lock: a stale file never blocks the next run."""
    path = tmp_path / "newswire-up.lock"
    code = (
        "import sys, time; from pathlib import Path; from newswire.runtime.instance import InstanceLock;"
        f"lock = InstanceLock(Path({str(path)!r}), 'holder'); lock.acquire(); print('locked', flush=True);"
        "time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"locked"
        with pytest.raises(AlreadyRunning):
            InstanceLock(path, "second").acquire()
    finally:
        child.kill()
        child.wait()
    lock = InstanceLock(path, "third")
    lock.acquire()
    lock.release()


def test_port_free_sees_a_listener() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert not port_free("127.0.0.1", port)
    assert port_free("127.0.0.1", port)


def test_stage_on_a_taken_port_is_not_restarted(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        sup = Supervisor(
            env={**os.environ, "NEWSWIRE_DATA_DIR": str(tmp_path / "state")},
            log_dir=tmp_path / "logs", stages=("poller",), ports={"poller": port},
        )
        sup.start()
        try:
            child = sup.children["poller"]
            assert child.process is not None
            assert child.process.wait(60) == PORT_IN_USE_EXIT
            sup.watch()
            failure = sup.failures["poller"]
            assert f"127.0.0.1:{port} is in use" in failure and "another program holds it" in failure
            time.sleep(0.1)
            sup.watch()
            assert child.restarts == 0  # left down: a restart loop would only hide the collision
            progress = sup.progress()["poller"]
            assert not progress.up and progress.failure == failure
        finally:
            sup.stop(grace_s=5)
