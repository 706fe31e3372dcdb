"""Process figures the benchmarks read from /proc (Linux), and the start and end of a stage process
they run: one copy for every script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a process so far (with `children`, also those of its reaped
    children); 0 when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    # fields[0] is the state (field 3 of proc(5)); utime, stime, cutime, cstime are fields 14-17
    return sum(int(fields[i]) for i in ((11, 12, 13, 14) if children else (11, 12))) / CLK_TCK


def start_py_spy(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling `pid` (200 Hz, raw collapsed stacks into `out`) until `stop_stage`; None when
    py-spy is not installed."""
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not py_spy:
        return None
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop_stage(stage: subprocess.Popen[bytes] | None, spy: subprocess.Popen[bytes] | None = None) -> None:
    """Stop a stage process a benchmark started (and the py-spy sampling it first, so that it
    writes its profile)."""
    if spy is not None:
        spy.send_signal(2)
        spy.wait(timeout=30)
    if stage is not None:
        stage.terminate()
        try:
            stage.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stage.kill()


def end_stage_run(stage: subprocess.Popen[bytes] | None, spy: subprocess.Popen[bytes] | None, kafka: Any) -> None:
    """The end of a bench's stage run: the stage (and its py-spy) stopped, the bench's topics (those
    of `kafka.topic_prefix`) deleted."""
    import asyncio

    from newswire.kafka.admin import delete_topics, list_topics

    stop_stage(stage, spy)
    names = [t for t in asyncio.run(list_topics(kafka)) if t.startswith(kafka.topic_prefix)]
    asyncio.run(delete_topics(kafka, names))
