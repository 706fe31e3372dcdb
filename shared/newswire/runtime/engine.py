"""The stream engine's connection settings (Faust), derived from KafkaSettings. Only the runtime
imports the engine: a change of engine is a change of this package."""

from __future__ import annotations

from typing import Any

from newswire.config import KafkaSettings
from newswire.kafka.clients import ssl_context


def faust_broker_url(settings: KafkaSettings) -> list[str]:
    """Faust's broker list: kafka://host:port for each bootstrap server."""
    return [f"kafka://{s.strip()}" for s in settings.bootstrap_servers.split(",") if s.strip()]


def faust_credentials(settings: KafkaSettings) -> Any:
    """Faust broker credentials (SASL or TLS), or None for PLAINTEXT."""
    import faust  # local: the engine loads only on the worker path

    context = ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        if not settings.sasl_mechanism or not settings.sasl_username or not settings.sasl_password:
            raise ValueError(
                "SASL needs NEWSWIRE_KAFKA__SASL_MECHANISM, __SASL_USERNAME and __SASL_PASSWORD"
            )
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
