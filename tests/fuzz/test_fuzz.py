"""Bounded atheris runs of the three fuzz targets (NEWSWIRE_FUZZ_SECONDS each, default 30), and
the regression inputs of crashes found so far.

    pytest tests/fuzz                                   # default: 30 s per target
    NEWSWIRE_FUZZ_SECONDS=600 pytest tests/fuzz         # on demand

A run fails with the crashing input (repr and base64) and the end of the fuzzer's output. The
new corpus entries a run finds stay in a temporary directory; the seed corpus is
`tests/fuzz/corpus/<target>/` (real material: the poller's test feeds and the feedparser corpus,
pages rendered from the seed texts and real pages of the extraction eval set, the Guardian
article's two versions). Crashes found become files under `tests/fuzz/regressions/<target>/`,
replayed by `test_regression_inputs` in every run.
"""

from __future__ import annotations

import base64
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent
#: target -> (harness module, -max_len): long inputs mostly slow a target down, not deepen it.
TARGETS = {"feed": ("fuzz_feed", 16384), "extract": ("fuzz_extract", 8192), "diff": ("fuzz_diff", 4096)}


def fuzz_seconds() -> int:
    return int(os.environ.get("NEWSWIRE_FUZZ_SECONDS", "30"))


@pytest.mark.fuzz
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_fuzz_target(target: str, tmp_path: Path) -> None:
    module, max_len = TARGETS[target]
    seconds = fuzz_seconds()
    work = tmp_path / "corpus"
    work.mkdir()
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    argv = [
        sys.executable, str(HERE / f"{module}.py"),
        f"-max_total_time={seconds}", f"-max_len={max_len}", "-timeout=120", "-rss_limit_mb=3072",
        f"-artifact_prefix={artifacts}/", "-print_final_stats=1", str(work), str(HERE / "corpus" / target),
    ]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=seconds * 3 + 120)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{target}: the fuzzer did not stop in time: {str(exc.stdout)[-2000:]}")
    # crash-, timeout-, oom-, leak- files; not slow-unit- ones (an input over 10 s on a loaded
    # machine: the stages bound time themselves, e.g. the normaliser's extraction timeout)
    crashes = sorted(a for a in artifacts.iterdir() if not a.name.startswith("slow-unit-"))
    if out.returncode != 0 or crashes:
        found = "\n".join(
            f"{c.name}: {c.read_bytes()[:2000]!r}\nbase64: {base64.b64encode(c.read_bytes()[:20000]).decode()}"
            for c in crashes
        )
        keep = Path(tempfile.gettempdir()) / "newswire-fuzz-crashes"
        keep.mkdir(exist_ok=True)
        for c in crashes:
            shutil.copy(c, keep / f"{target}-{c.name}")
        start = max(out.stderr.find("Uncaught Python exception"), out.stderr.find("ERROR: libFuzzer"), 0)
        pytest.fail(
            f"{target}: fuzzer exit {out.returncode}; inputs kept in {keep}\n{found}\n"
            f"--- failure ---\n{out.stderr[max(0, start - 200):start + 4000]}\n--- end of output ---\n{out.stderr[-1500:]}"
        )
    runs = [line for line in out.stderr.splitlines() if line.startswith("Done ")]
    print(f"\nfuzz {target}: {runs[-1] if runs else out.stderr[-300:]} (0 crashes)")


def regression_inputs() -> list[tuple[str, Path]]:
    root = HERE / "regressions"
    return [(t, p) for t in sorted(TARGETS) for p in sorted((root / t).glob("*")) if p.is_file()]


@pytest.mark.parametrize(("target", "path"), regression_inputs(), ids=lambda v: getattr(v, "name", v))
def test_regression_inputs(target: str, path: Path) -> None:
    """Each input once crashed its target or slipped past a guard; it must now pass the
    target's checks (run in-process, no fuzzing)."""
    harness = importlib.import_module(f"tests.fuzz.{TARGETS[target][0]}")
    harness.check(path.read_bytes())
