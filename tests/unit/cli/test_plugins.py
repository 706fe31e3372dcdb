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


def test_running_a_stage_that_is_not_installed_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """An image built for other stages (`--build-arg STAGES=poller`) refuses with the fix, not a
    traceback; a missing module inside an installed stage is not mistaken for that."""
    from newswire.cli import run_cmd

    monkeypatch.setattr(run_cmd, "exit_if_port_taken", lambda *args: None)

    def missing(name: str) -> None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(run_cmd.importlib, "import_module", missing)
    with pytest.raises(typer.BadParameter, match=r"the enricher stage is not installed here \(pip install newswire-enricher\)"):
        run_cmd.run("enricher")

    def broken(name: str) -> None:
        raise ModuleNotFoundError("No module named 'spacy'", name="spacy")

    monkeypatch.setattr(run_cmd.importlib, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="spacy"):
        run_cmd.run("enricher")
