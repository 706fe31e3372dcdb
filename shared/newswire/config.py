"""Configuration: one pydantic-settings class per service, all read from `NEWSWIRE_*`.

Kafka and Elasticsearch settings are shared by every service and nested, so that
`NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS=kafka:9092` or `NEWSWIRE_ELASTICSEARCH__API_KEY=...` configure
them. Settings are read once at start-up (`Settings()`), then passed down; the logic modules never
read the environment. Credentials are `SecretStr`, so they never appear in logs or reprs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Where the dev stack listens (see `newswire devstack`); the defaults point there.
DEV_KAFKA = "127.0.0.1:19092"
DEV_ELASTICSEARCH = "http://127.0.0.1:19200"


class KafkaSettings(BaseModel):
    """How to reach Kafka."""

    bootstrap_servers: str = Field(DEV_KAFKA, description="Comma-separated host:port list.")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(None, description="CA bundle for TLS to the brokers.")
    topic_prefix: str = Field(
        "", description="Prefix for every topic name (isolates test runs and tenants)."
    )
    compression: Literal["none", "gzip", "lz4", "zstd"] = Field(
        "zstd", description="Producer compression: zstd is about gzip's ratio at a third of its CPU."
    )
    linger_ms: int = Field(
        5, ge=0, description="How long a producer waits to fill a batch: fewer, larger produce requests "
        "(less client and broker CPU) for a few milliseconds of latency."
    )
    batch_bytes: int = Field(262_144, gt=0, description="Largest producer batch per partition.")
    fetch_min_bytes: int = Field(
        16_384, ge=1, description="A stage's consumer fetch returns once this many bytes wait for it "
        "(or after fetch_max_wait_ms): fewer, fuller fetches, a third to a quarter of the runtime's CPU "
        "per message at 50-200 messages/s (bench/runtime.py), for up to fetch_max_wait_ms of latency "
        "per stage when traffic is light.",
    )
    fetch_max_wait_ms: int = Field(
        100, ge=0, description="Longest a stage's consumer fetch waits for fetch_min_bytes."
    )


class ElasticsearchSettings(BaseModel):
    """How to reach Elasticsearch."""

    hosts: list[str] = Field(default_factory=lambda: [DEV_ELASTICSEARCH])
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    ca_certs: Path | None = Field(None, description="CA bundle for TLS to the cluster.")
    index_prefix: str = Field("newswire", description="Prefix of every index, template and alias.")
    request_timeout_s: PositiveFloat = 30.0


class RetrySettings(BaseModel):
    """Retry policy for transient failures (see newswire.runtime.errors.retry_decision)."""

    max_attempts: PositiveInt = Field(5, description="Attempts before a message is dead-lettered.")
    base_delay_s: PositiveFloat = 1.0
    max_delay_s: PositiveFloat = 300.0
    jitter: float = Field(0.2, ge=0.0, le=1.0, description="Relative jitter of each delay.")
    concurrency: PositiveInt = Field(
        32,
        description="Retry messages handled at once: many deferred messages (e.g. a host backing "
        "off) wait side by side instead of one after another.",
    )


class CommonSettings(BaseSettings):
    """Settings every newswire process shares. Services subclass it and add their own fields."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSWIRE_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"


class ServiceSettings(CommonSettings):
    """Settings of a stage process (a Faust worker)."""

    web_host: str = Field("127.0.0.1", description="Bind address of /healthz and /metrics.")
    web_port: int = Field(0, description="Port of /healthz and /metrics; 0 picks the stage default.")
    store: str = Field(
        "rocksdb://", description="Table store: 'rocksdb://' (RocksDB via rocksdict) or 'memory://'."
    )
    data_dir: Path = Field(Path("var"), description="Where tables keep their local state.")
    consumer_group: str | None = Field(None, description="Override of the consumer group id.")
    ensure_topics: bool = Field(
        True, description="Create missing registry topics at start-up (idempotent)."
    )
    processing_timeout_s: PositiveFloat = Field(
        120.0, description="A message taking longer than this fails as transient."
    )
