"""Run a stage as its own process for an integration test: the real `newswire run <stage>`
(or a test stage module), on the test's own topics, logging to a file, stopped at the end.

    with StageProcess("fetcher", kafka, tmp_path, env={"NEWSWIRE_MIN_HOST_DELAY_S": "0"}) as p:
        ...            # p.log_path, p.port, p.kill() / p.start() to test restarts
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from newswire.config import KafkaSettings
from newswire.local.supervisor import free_ports
from tests.conftest import REPO


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, outside the ephemeral range (see free_ports)."""
    return free_ports(1)[0]


class StageProcess:
    """One stage process; a context manager that terminates it (then kills it) on exit."""

    def __init__(
        self,
        stage: str,
        kafka: KafkaSettings,
        tmp_path: Path,
        env: Mapping[str, str] | None = None,
        *,
        module: str | None = None,
        name: str | None = None,
    ) -> None:
        self.stage = stage
        self.name = name or stage
        self.port = free_port()
        self.data_dir = tmp_path / f"{self.name}-data"
        self.log_path = tmp_path / f"{self.name}.log"
        self.env = {
            **os.environ,
            "NEWSWIRE_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
            "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "NEWSWIRE_STORE": "rocksdb://",  # the store production runs: recovery is tested on it
            "NEWSWIRE_DATA_DIR": str(self.data_dir),
            "NEWSWIRE_WEB_PORT": str(self.port),
            "NEWSWIRE_LOG_FORMAT": "json",
            "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": '["127.0.0.0/8"]',
            **(env or {}),
        }
        self.argv = (
            [sys.executable, "-m", module, "worker"]
            if module
            else [sys.executable, "-m", "newswire.cli.main", "run", stage]
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> StageProcess:
        """Start (or restart) the process; its output is appended to `log_path`."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean shutdown, no final commit."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        """Everything the process has logged so far (for assertion messages)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> StageProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
