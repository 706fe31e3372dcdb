"""Kafka client settings, derived once from KafkaSettings for aiokafka (the stream engine's own
settings are the runtime's: `newswire.runtime.engine`)."""

from __future__ import annotations

import ssl
from typing import Any

from newswire.config import KafkaSettings


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """A TLS context when the protocol needs one (CA from settings, else the system's)."""
    if settings.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    return ssl.create_default_context(
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
    )


def aiokafka_kwargs(settings: KafkaSettings) -> dict[str, Any]:
    """Connection keyword arguments shared by aiokafka producers, consumers and admin clients."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    context = ssl_context(settings)
    if context is not None:
        kwargs["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        if not settings.sasl_mechanism or not settings.sasl_username or not settings.sasl_password:
            raise ValueError(
                "SASL needs NEWSWIRE_KAFKA__SASL_MECHANISM, __SASL_USERNAME and __SASL_PASSWORD"
            )
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return kwargs
