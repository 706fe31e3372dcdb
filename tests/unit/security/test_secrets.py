"""Secrets stay secret: every settings class hides its SecretStr values in repr, str and JSON
dumps, credential-looking fields are SecretStr, and the credentials still reach the Kafka and
Elasticsearch clients (SASL mechanism, username, password, CA file, API key, basic auth): the
plumbing the local stack (PLAINTEXT Kafka, ES without security) cannot exercise end to end."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from newswire.config import CommonSettings, ElasticsearchSettings, KafkaSettings, ServiceSettings
from newswire.enricher.settings import EnricherSettings
from newswire.es.client import make_client
from newswire.fetcher.settings import FetcherSettings
from newswire.kafka.clients import aiokafka_kwargs, ssl_context
from newswire.runtime.engine import faust_credentials
from newswire.normaliser.settings import NormaliserSettings
from newswire.poller.settings import PollerSettings
from newswire.sink.settings import SinkSettings
from newswire.tracker.settings import TrackerSettings

SETTINGS = (CommonSettings, ServiceSettings, PollerSettings, FetcherSettings, NormaliserSettings,
            TrackerSettings, EnricherSettings, SinkSettings)
CREDENTIAL_NAME = re.compile(r"password|secret|token|api_key|credential|private_key", re.IGNORECASE)


def _secret_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of every SecretStr field (nested settings models too)."""
    out = []
    for name, info in model.model_fields.items():
        for tp in _alternatives(info.annotation):
            if tp is SecretStr:
                out.append(prefix + name)
            elif isinstance(tp, type) and issubclass(tp, BaseModel):
                out += _secret_fields(tp, f"{prefix}{name}.")
    return out


def _alternatives(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(tp) for t in _alternatives(a)]
    return [tp]


def _credential_named(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, info in model.model_fields.items():
        alts = _alternatives(info.annotation)
        if CREDENTIAL_NAME.search(name):
            out.append((prefix + name, info.annotation))
        for tp in alts:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                out += _credential_named(tp, f"{prefix}{name}.")
    return out


def _with_secrets(cls: type[BaseModel]) -> tuple[BaseModel, dict[str, str]]:
    """An instance of `cls` with a distinct secret in every SecretStr field."""
    values: dict[str, Any] = {}
    secrets = {}
    for n, path in enumerate(_secret_fields(cls)):
        secret = f"s3cr3t-{cls.__name__}-{n}-Zq9"
        secrets[path] = secret
        *parents, leaf = path.split(".")
        node = values
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = secret
    return cls(**values), secrets


@pytest.mark.parametrize("cls", SETTINGS, ids=[c.__name__ for c in SETTINGS])
def test_settings_hide_their_secrets(cls: type[BaseModel]) -> None:
    settings, secrets = _with_secrets(cls)
    assert {"kafka.sasl_password", "elasticsearch.api_key", "elasticsearch.password"} <= set(secrets)
    renderings = [
        repr(settings), str(settings), settings.model_dump_json(), settings.model_dump_json(indent=2),
        json.dumps(settings.model_dump(mode="json")), repr(settings.model_dump()), str(settings.model_dump()),
        repr(settings.kafka), repr(settings.elasticsearch),  # type: ignore[attr-defined]
    ]
    for text in renderings:
        for secret in secrets.values():
            assert secret not in text, (cls.__name__, text[:300])
    assert "**********" in settings.model_dump_json()
    # the values are there for the code that needs them
    assert settings.kafka.sasl_password.get_secret_value() == secrets["kafka.sasl_password"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", SETTINGS, ids=[c.__name__ for c in SETTINGS])
def test_credential_fields_are_secret(cls: type[BaseModel]) -> None:
    for path, annotation in _credential_named(cls):
        assert SecretStr in _alternatives(annotation), f"{cls.__name__}.{path} should be a SecretStr"


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ca")
    cert, key = d / "ca.pem", d / "ca.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=newswire-test-ca",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert


def _ca_names(context: ssl.SSLContext) -> set[str]:
    return {dict(x[0] for x in c["subject"]).get("commonName", "") for c in context.get_ca_certs()}  # type: ignore[misc]


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_kafka_sasl_ssl_reaches_aiokafka_and_faust(mechanism: str, ca_file: Path) -> None:
    kafka = KafkaSettings(
        bootstrap_servers="broker-1:9093,broker-2:9093", security_protocol="SASL_SSL", sasl_mechanism=mechanism,  # type: ignore[arg-type]
        sasl_username="alice", sasl_password=SecretStr("kafka-pw"), ssl_cafile=ca_file,
    )
    kw = aiokafka_kwargs(kafka)
    assert kw["security_protocol"] == "SASL_SSL" and kw["sasl_mechanism"] == mechanism
    assert kw["sasl_plain_username"] == "alice" and kw["sasl_plain_password"] == "kafka-pw"
    assert _ca_names(kw["ssl_context"]) == {"newswire-test-ca"}
    assert kw["ssl_context"].verify_mode == ssl.CERT_REQUIRED and kw["ssl_context"].check_hostname
    creds = faust_credentials(kafka)
    assert type(creds).__name__ == "SASLCredentials"
    assert (creds.username, creds.password, creds.mechanism.value) == ("alice", "kafka-pw", mechanism)
    assert creds.protocol.value == "SASL_SSL" and _ca_names(creds.ssl_context) == {"newswire-test-ca"}
    assert "kafka-pw" not in repr(kafka)


def test_kafka_tls_without_sasl_and_plaintext_sasl(ca_file: Path) -> None:
    tls = KafkaSettings(security_protocol="SSL", ssl_cafile=ca_file)
    kw = aiokafka_kwargs(tls)
    assert kw["security_protocol"] == "SSL" and "sasl_mechanism" not in kw
    assert _ca_names(kw["ssl_context"]) == {"newswire-test-ca"}
    creds = faust_credentials(tls)
    assert type(creds).__name__ == "SSLCredentials" and _ca_names(creds.context) == {"newswire-test-ca"}
    system = ssl_context(KafkaSettings(security_protocol="SSL"))  # no CA file: the system's bundle
    assert system is not None and system.verify_mode == ssl.CERT_REQUIRED
    sasl = KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="a", sasl_password=SecretStr("p"))
    assert "ssl_context" not in aiokafka_kwargs(sasl) and faust_credentials(sasl).ssl_context is None
    assert aiokafka_kwargs(KafkaSettings()) == {"bootstrap_servers": "127.0.0.1:19092", "security_protocol": "PLAINTEXT"}
    assert faust_credentials(KafkaSettings()) is None


def test_incomplete_sasl_settings_fail_clearly_without_the_secret() -> None:
    for missing in ({"sasl_username": None}, {"sasl_mechanism": None}, {"sasl_password": None}):
        kafka = KafkaSettings(**{"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "a",  # type: ignore[arg-type]
                                 "sasl_password": SecretStr("hush-123"), **missing})
        for build in (aiokafka_kwargs, faust_credentials):
            with pytest.raises(ValueError, match="SASL needs") as info:
                build(kafka)
            assert "hush-123" not in str(info.value)


async def test_elasticsearch_api_key_basic_auth_and_ca_reach_the_client(ca_file: Path) -> None:
    api = make_client(ElasticsearchSettings(hosts=["https://es.example:9200"], api_key=SecretStr("es-key"), ca_certs=ca_file))
    basic = make_client(ElasticsearchSettings(hosts=["https://es.example:9200"], username="bob", password=SecretStr("es-pw")))
    both = make_client(ElasticsearchSettings(api_key=SecretStr("es-key"), username="bob", password=SecretStr("es-pw")))
    try:
        assert api._headers["authorization"] == "ApiKey es-key"
        node = api.transport.node_pool.all()[0]
        assert node.config.scheme == "https" and node.config.ca_certs == str(ca_file)
        import base64

        assert basic._headers["authorization"] == "Basic " + base64.b64encode(b"bob:es-pw").decode()
        # both configured: the API key wins (the client refuses the two at once)
        assert both._headers["authorization"] == "ApiKey es-key"
        for client in (api, basic, both):
            assert "es-key" not in repr(client._headers) and "es-pw" not in repr(client._headers)
    finally:
        for client in (api, basic, both):
            await client.close()
