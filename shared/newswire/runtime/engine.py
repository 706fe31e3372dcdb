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


def consumer_transport(app: Any, settings: KafkaSettings) -> Any:
    """Faust's aiokafka transport for `app`, whose consumers fetch with `settings.fetch_min_bytes`
    and `settings.fetch_max_wait_ms`. Faust hard-codes a 1.5 s wait on aiokafka's 1-byte minimum
    and has no setting for either: each fetch then returns as soon as one message arrives, and
    at tens to hundreds of messages per second the work per fetch (request, response, the hop to
    the consumer thread and back) is most of the runtime's CPU per message."""
    from faust.transport.drivers import aiokafka as driver  # local: the engine loads only on the worker path

    class ConsumerThread(driver.AIOKafkaConsumerThread):
        def _create_consumer(self, loop: Any) -> Any:
            consumer = super()._create_consumer(loop)
            # read by `AIOKafkaConsumer.start()` when it builds its fetcher
            consumer._fetch_min_bytes = settings.fetch_min_bytes
            consumer._fetch_max_wait_ms = settings.fetch_max_wait_ms
            return consumer

    class Consumer(driver.Consumer):
        def _new_consumer_thread(self) -> Any:
            return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport(app.conf.broker_consumer, app)
