"""Process figures the benchmarks read from /proc (Linux): one copy for every script."""

from __future__ import annotations

import os
from pathlib import Path

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
