"""Settings come from NEWSWIRE_* once; secrets never show."""

from __future__ import annotations

import pytest

from newswire.config import CommonSettings, ServiceSettings
from newswire.kafka.clients import aiokafka_kwargs


def test_defaults_point_at_the_dev_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("NEWSWIRE_"):
            monkeypatch.delenv(key)
    settings = ServiceSettings()
    assert settings.kafka.bootstrap_servers == "127.0.0.1:19092"
    assert settings.elasticsearch.hosts == ["http://127.0.0.1:19200"]


def test_nested_environment_and_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_USERNAME", "svc")
    monkeypatch.setenv("NEWSWIRE_KAFKA__SASL_PASSWORD", "hunter2")
    monkeypatch.setenv("NEWSWIRE_ELASTICSEARCH__HOSTS", '["https://es1:9200","https://es2:9200"]')
    monkeypatch.setenv("NEWSWIRE_ELASTICSEARCH__API_KEY", "s3cr3t")
    settings = CommonSettings()
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    assert settings.elasticsearch.hosts == ["https://es1:9200", "https://es2:9200"]
    assert "hunter2" not in repr(settings) and "s3cr3t" not in repr(settings)
    assert "hunter2" not in settings.model_dump_json()
    kwargs = aiokafka_kwargs(settings.kafka)
    assert kwargs["sasl_plain_password"] == "hunter2" and kwargs["ssl_context"] is not None


def test_sasl_without_credentials_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    with pytest.raises(ValueError, match="SASL needs"):
        aiokafka_kwargs(CommonSettings().kafka)
