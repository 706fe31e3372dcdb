"""Where the dev stack lives and listens: versions, ports and directories, from the environment.

Everything here is pure (no side effects), so it can be unit-tested and shown by `status`.

Layout (defaults; running as root):

- ``$NEWSWIRE_CACHE_DIR`` (``~/.cache/newswire``): the download cache, outside the work tree.
  ``kafka-4.1.1/libs/*.jar`` and ``elasticsearch-8.19.21/`` (the unzipped distribution), each with a
  ``.resolved`` marker written after a successful resolve, so second runs never call Maven.
- ``$NEWSWIRE_DEVSTACK_HOME`` (``<cache>/devstack``): Kafka's state — config, ``kafka-data/``,
  logs, pid file.
- ``$NEWSWIRE_DEVSTACK_ES_DIR``: Elasticsearch's home copy and state. Elasticsearch refuses to run
  as root, so as root it runs as the ``newswire-es`` system user, which cannot enter ``/root``
  (mode 700). Its files therefore live in ``/var/lib/newswire-devstack`` (owned by that user):
  ``es-8.19.21/`` (a copy of the cached distribution) and ``elasticsearch/`` (config, data, logs,
  pid file). Not as root, the default is ``<devstack home>/elasticsearch`` and ES runs straight
  from the cache, as the current user.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from newswire.devstack.errors import DevstackError

KAFKA_VERSION = "4.1.1"
ES_VERSION = "8.19.21"
#: The Maven coordinates of the Elasticsearch distribution (the minimal "integ-test" zip).
ES_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"

DEFAULT_KAFKA_PORT = 19092
DEFAULT_ES_PORT = 19200
#: The system user Elasticsearch runs as when we are root (it refuses to run as root).
ES_USER = "newswire-es"
#: Root-only default for Elasticsearch's files: readable/writable by ES_USER, unlike /root.
ROOT_ES_DIR = Path("/var/lib/newswire-devstack")
HOST = "127.0.0.1"


@dataclass(frozen=True)
class DevstackConfig:
    """Resolved settings of one dev stack: versions, ports, and every directory it uses."""

    cache_dir: Path
    home: Path
    es_dir: Path
    kafka_port: int
    kafka_controller_port: int
    es_port: int
    es_transport_port: int
    as_root: bool

    # --- Kafka -------------------------------------------------------------------------------
    @property
    def kafka_dist(self) -> Path:
        """Cached Kafka runtime: ``libs/`` with every jar plus the ``.resolved`` marker."""
        return self.cache_dir / f"kafka-{KAFKA_VERSION}"

    @property
    def kafka_state(self) -> Path:
        """Kafka's config, logs and pid file."""
        return self.home / "kafka"

    @property
    def kafka_data(self) -> Path:
        """Kafka's ``log.dirs`` (the topic data and KRaft metadata log)."""
        return self.home / "kafka-data"

    @property
    def kafka_log(self) -> Path:
        """Kafka's server log (log4j2)."""
        return self.kafka_state / "logs" / "server.log"

    @property
    def kafka_stdout(self) -> Path:
        """Kafka's stdout/stderr (JVM crashes and anything printed before log4j2 is up)."""
        return self.kafka_state / "logs" / "stdout.log"

    @property
    def kafka_pidfile(self) -> Path:
        """Pid of the running Kafka JVM."""
        return self.kafka_state / "kafka.pid"

    @property
    def kafka_bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{HOST}:{self.kafka_port}"

    # --- Elasticsearch -----------------------------------------------------------------------
    @property
    def es_cache(self) -> Path:
        """Cached, unzipped Elasticsearch distribution (with the ``.resolved`` marker)."""
        return self.cache_dir / f"elasticsearch-{ES_VERSION}"

    @property
    def es_home(self) -> Path:
        """The ES_HOME we run: a copy the ES user can read when root, else the cache itself."""
        return self.es_dir / f"es-{ES_VERSION}" if self.as_root else self.es_cache

    @property
    def es_state(self) -> Path:
        """Elasticsearch's config, data, logs and pid file."""
        return self.es_dir / "elasticsearch"

    @property
    def es_config(self) -> Path:
        """ES_PATH_CONF."""
        return self.es_state / "config"

    @property
    def es_data(self) -> Path:
        """``path.data``."""
        return self.es_state / "data"

    @property
    def es_logs(self) -> Path:
        """``path.logs``."""
        return self.es_state / "logs"

    @property
    def es_log(self) -> Path:
        """Elasticsearch's plain-text server log (named after the cluster)."""
        return self.es_logs / "newswire-dev.log"

    @property
    def es_stdout(self) -> Path:
        """Elasticsearch's stdout/stderr (startup errors land here first)."""
        return self.es_logs / "stdout.log"

    @property
    def es_pidfile(self) -> Path:
        """Pid of the Elasticsearch launcher process (its process group holds the server JVM)."""
        return self.es_state / "elasticsearch.pid"

    @property
    def es_url(self) -> str:
        """Base URL for Elasticsearch clients."""
        return f"http://{HOST}:{self.es_port}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    """Read a TCP port from ``env[name]``, failing clearly on garbage."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise DevstackError(f"{name}={raw!r} is not a port number") from None
    # The second port (controller / transport) is derived, so it has to fit too.
    if not 1024 <= port <= 65000:
        raise DevstackError(f"{name}={port} is out of range (1024..65000)")
    return port


def load_config(
    env: Mapping[str, str] | None = None, *, as_root: bool | None = None
) -> DevstackConfig:
    """Build the config from the environment (``os.environ`` unless given; pure otherwise).

    Ports: Kafka ``NEWSWIRE_DEVSTACK_KAFKA_PORT`` (19092; its KRaft controller listens on port+1),
    Elasticsearch ``NEWSWIRE_DEVSTACK_ES_PORT`` (19200; its transport listens on port+100).
    """
    env = os.environ if env is None else env
    root = (os.geteuid() == 0) if as_root is None else as_root
    cache_raw = env.get("NEWSWIRE_CACHE_DIR", "").strip()
    cache = Path(cache_raw).expanduser() if cache_raw else Path.home() / ".cache" / "newswire"
    home_raw = env.get("NEWSWIRE_DEVSTACK_HOME", "").strip()
    home = Path(home_raw).expanduser() if home_raw else cache / "devstack"
    es_raw = env.get("NEWSWIRE_DEVSTACK_ES_DIR", "").strip()
    es_default = ROOT_ES_DIR if root else home
    es_dir = Path(es_raw).expanduser() if es_raw else es_default
    kafka_port = _port(env, "NEWSWIRE_DEVSTACK_KAFKA_PORT", DEFAULT_KAFKA_PORT)
    es_port = _port(env, "NEWSWIRE_DEVSTACK_ES_PORT", DEFAULT_ES_PORT)
    ports = {kafka_port, kafka_port + 1, es_port, es_port + 100}
    if len(ports) != 4:
        raise DevstackError(
            f"port clash: Kafka uses {kafka_port} and {kafka_port + 1}, "
            f"Elasticsearch uses {es_port} and {es_port + 100}; pick ports that do not overlap"
        )
    return DevstackConfig(
        cache_dir=cache.absolute(),
        home=home.absolute(),
        es_dir=es_dir.absolute(),
        kafka_port=kafka_port,
        kafka_controller_port=kafka_port + 1,
        es_port=es_port,
        es_transport_port=es_port + 100,
        as_root=root,
    )
