"""The web service's settings, its command, and its start-up refusal on a taken port."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from newswire.cli.main import app as cli
from newswire.runtime.instance import PORT_IN_USE_EXIT
from newswire.web.settings import DEFAULT_PORT, WebSettings
from newswire.web.wiring import limits_of, main


def test_settings_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WebSettings()
    assert (settings.web_host, settings.port(), DEFAULT_PORT) == ("127.0.0.1", 6107, 6107)
    monkeypatch.setenv("NEWSWIRE_WEB_PORT", "0")
    assert WebSettings().port() == 6107
    monkeypatch.setenv("NEWSWIRE_WEB_PORT", "8088")
    monkeypatch.setenv("NEWSWIRE_WEB_PUBLIC_URL", "https://news.example.org")
    monkeypatch.setenv("NEWSWIRE_ELASTICSEARCH__INDEX_PREFIX", "x")
    settings = WebSettings()
    assert settings.port() == 8088 and settings.web_public_url == "https://news.example.org"
    assert settings.elasticsearch.index_prefix == "x"
    monkeypatch.setenv("NEWSWIRE_WEB_MAX_PER_PAGE", "1000")
    with pytest.raises(ValueError):
        WebSettings()


def test_limits_follow_the_settings() -> None:
    limits = limits_of(WebSettings(web_per_page=50, web_max_per_page=40, web_feed_entries=10))
    assert limits.per_page == 40 and limits.max_per_page == 40 and limits.feed_entries == 10


def test_the_command_is_registered() -> None:
    result = CliRunner().invoke(cli, ["web", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output


def test_a_taken_port_exits_78_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(SystemExit) as exit_info:
            main(host="127.0.0.1", port=port)
    assert exit_info.value.code == PORT_IN_USE_EXIT
    assert f"web: web port 127.0.0.1:{port} is in use" in capsys.readouterr().err
