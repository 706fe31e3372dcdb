"""The core CLI finds each service's commands through the `newswire.cli` entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
import typer

from newswire.cli import plugins
from newswire.cli.plugins import Commands, register_all


def test_registers_in_name_order_and_leaves_out_a_plugin_whose_dependencies_are_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points = [
        EntryPoint("web", "newswire.web.cli:register", plugins.ENTRY_POINT_GROUP),
        EntryPoint("broken", "newswire_no_such_module.cli:register", plugins.ENTRY_POINT_GROUP),
        EntryPoint("poller", "newswire.poller.cli:register", plugins.ENTRY_POINT_GROUP),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points if group == plugins.ENTRY_POINT_GROUP else [])
    root, evals = typer.Typer(), typer.Typer()
    assert register_all(Commands(root=root, eval=evals)) == ["poller", "web"]
    assert "the broken commands are unavailable" in capsys.readouterr().err
    assert {c.name for c in root.registered_commands} == {"backfill", "web"}
    assert {g.name for g in root.registered_groups} == {"feeds"}


def test_every_installed_service_adds_its_commands() -> None:
    from newswire.cli.main import app, eval_app

    assert {c.name for c in eval_app.registered_commands} == {"extraction", "stories"}
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert len(names) == len(set(names)), "two plugins registered the same command"
