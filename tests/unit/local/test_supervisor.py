"""The supervisor's process plan: several processes of a stage get their own names, web ports
and state directories, and their progress is read as the stage's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newswire.local import supervisor as sv
from newswire.local.supervisor import StageProgress, Supervisor, parse_processes
from newswire.topics import STAGES


class _Popen:
    """Records what would have been started."""

    started: list[_Popen] = []

    def __init__(self, args: list[str], env: dict[str, str], **_: Any) -> None:
        self.args, self.env, self.pid = args, env, 1000 + len(_Popen.started)
        _Popen.started.append(self)

    def poll(self) -> int | None:
        return None


def test_parse_processes() -> None:
    assert parse_processes("enricher=2, normaliser=3") == {"enricher": 2, "normaliser": 3}
    assert parse_processes("") == {}
    for bad in ("enricher", "enricher=0", "nobody=2", "enricher=two"):
        with pytest.raises(ValueError, match="STAGE=N"):
            parse_processes(bad)


def test_instances_get_their_own_port_state_and_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _Popen.started = []
    monkeypatch.setattr(sv.subprocess, "Popen", _Popen)
    ports = {s: 7000 + i for i, s in enumerate(STAGES)}
    sup = Supervisor(
        env={"NEWSWIRE_DATA_DIR": str(tmp_path / "state")}, log_dir=tmp_path / "logs", ports=ports,
        processes={"enricher": 3},
    )
    sup.start()
    assert sorted(sup.children) == sorted([*STAGES, "enricher-2", "enricher-3"])
    enrichers = [p for p in _Popen.started if p.args[-1] == "enricher"]
    assert len(enrichers) == 3 and len(_Popen.started) == len(STAGES) + 2
    assert len({p.env["NEWSWIRE_WEB_PORT"] for p in _Popen.started}) == len(_Popen.started)
    assert enrichers[0].env["NEWSWIRE_WEB_PORT"] == str(ports["enricher"])
    assert {p.env["NEWSWIRE_DATA_DIR"] for p in enrichers} == {
        str(tmp_path / "state"), str(tmp_path / "state" / "enricher-2"), str(tmp_path / "state" / "enricher-3")
    }
    assert (tmp_path / "logs" / "enricher-3.log").exists()

    seen = {}
    def scrape(url: str) -> StageProgress:
        port = int(url.split(":")[2].split("/")[0])
        seen[port] = True
        return StageProgress(up=True, messages_in=port % 100, lag=1.0)

    monkeypatch.setattr(sv, "scrape", scrape)
    progress = sup.progress()
    assert sorted(progress) == sorted(STAGES) and len(seen) == len(STAGES) + 2
    assert progress["enricher"].lag == 3.0
    assert progress["enricher"].messages_in == sum(c.port % 100 for c in sup.children.values() if c.stage == "enricher")
