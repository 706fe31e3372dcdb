"""Flow control keeps what it already queued for the streams: only a resume after a suspend (a
rebalance) clears the queues (faust-streaming #596; see newswire.runtime.flow)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mode.utils.queues import FlowControlEvent, FlowControlQueue

from newswire.config import ServiceSettings
from newswire.runtime import flow
from newswire.runtime.stage import Stage


def _queue(event: FlowControlEvent) -> FlowControlQueue[str]:
    """A stream's queue as Faust makes it: cleared on resume."""
    return FlowControlQueue(maxsize=10, flow_control=event, clear_on_resume=True)


def test_a_resume_while_flowing_keeps_the_queued_messages() -> None:
    async def run() -> list[str]:
        flow.install()
        event = FlowControlEvent(initially_suspended=True)
        queue = _queue(event)
        event.resume()  # recovery reads the changelogs
        queue.put_nowait("fetched after the seek")
        event.resume()  # recovery is complete: the streams' partitions resume
        assert event.is_active()
        return [queue.get_nowait() for _ in range(queue.qsize())]

    assert asyncio.run(run()) == ["fetched after the seek"]


def test_a_resume_after_a_suspend_clears_what_the_previous_assignment_queued() -> None:
    async def run() -> tuple[int, bool]:
        flow.install()
        event = FlowControlEvent(initially_suspended=False)
        queue = _queue(event)
        queue.put_nowait("fetched before the rebalance")
        event.suspend()  # a rebalance
        assert not event.is_active()
        event.resume()
        return queue.qsize(), event.is_active()

    assert asyncio.run(run()) == (0, True)


def test_every_stage_runs_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[bool] = []
    monkeypatch.setattr(flow, "install", lambda: installed.append(True))  # other tests installed it already
    Stage("tracker", ServiceSettings(data_dir=str(tmp_path)))
    assert installed == [True]
