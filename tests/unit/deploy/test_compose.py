"""docker-compose.yml: validated by the compose CLI when there is one, and statically always.

The static checks read the file with PyYAML (which resolves the `<<` merge keys like compose does)
and hold the deployment to its rules: pinned infrastructure versions equal to the dev stack's, one
image for every stage, restart policy and healthcheck on everything long-running, declared volumes.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yml"

#: Versions the dev stack pins (to be pointed at newswire.devstack later).
KAFKA_VERSION = "4.1.1"
ELASTICSEARCH_VERSION = "8.19.21"

IMAGE = "newswire:latest"
STAGE_PORTS = {
    "poller": 6101,
    "fetcher": 6102,
    "normaliser": 6103,
    "tracker": 6104,
    "enricher": 6105,
    "sink": 6106,
    "archiver": 6108,
}
STATEFUL_STAGES = ("poller", "tracker", "enricher", "archiver")
DATA_DIR = "/var/lib/newswire"
COMMON_ENV = {
    "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS": "kafka:9092",
    "NEWSWIRE_ELASTICSEARCH__HOSTS": '["http://elasticsearch:9200"]',
    "NEWSWIRE_WEB_HOST": "0.0.0.0",
    "NEWSWIRE_LOG_FORMAT": "json",
    "NEWSWIRE_STORE": "rocksdb://",
    "NEWSWIRE_DATA_DIR": DATA_DIR,
}
INSTALL_HINT = (
    "apt-get install -y --no-install-recommends docker-compose (or the Docker 'compose' CLI plugin)"
)


@functools.cache
def compose() -> dict[str, Any]:
    """The parsed compose file (merge keys resolved)."""
    doc = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def services() -> dict[str, dict[str, Any]]:
    """The `services:` mapping."""
    result = compose()["services"]
    assert isinstance(result, dict)
    return result


def env_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict of strings, from either compose syntax."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def compose_command() -> list[str] | None:
    """A compose-capable CLI: the `docker compose` plugin, else standalone `docker-compose`."""
    candidates: list[list[str]] = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for cmd in candidates:
        try:
            done = subprocess.run([*cmd, "version"], capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return cmd
    return None


# --- the compose CLI's own validation ----------------------------------------------------------


def test_compose_config_is_valid() -> None:
    cmd = compose_command()
    if cmd is None:
        pytest.skip(f"no compose-capable docker CLI here; to run this check: {INSTALL_HINT}")
    done = subprocess.run(
        [*cmd, "--project-directory", str(REPO), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, f"{' '.join(cmd)} config -q failed:\n{done.stderr}{done.stdout}"


# --- static checks -----------------------------------------------------------------------------


def test_infrastructure_images_match_the_dev_stack() -> None:
    svc = services()
    assert svc["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert (
        svc["elasticsearch"]["image"]
        == f"docker.elastic.co/elasticsearch/elasticsearch:{ELASTICSEARCH_VERSION}"
    )
    assert svc["kibana"]["image"] == f"docker.elastic.co/kibana/kibana:{ELASTICSEARCH_VERSION}"


def test_every_long_running_service_restarts_and_has_a_healthcheck() -> None:
    long_running = {name: s for name, s in services().items() if name != "setup"}
    assert set(STAGE_PORTS) | {"kafka", "elasticsearch", "kibana"} <= set(long_running)
    for name, service in long_running.items():
        assert service.get("restart") == "unless-stopped", name
        test = (service.get("healthcheck") or {}).get("test")
        assert test and test != ["NONE"], f"{name} has no healthcheck"


def test_stages_share_the_one_image_and_run_their_stage() -> None:
    svc = services()
    for stage, port in STAGE_PORTS.items():
        service = svc[stage]
        assert service["image"] == IMAGE, stage
        assert "build" not in service, f"{stage} must reuse the image that setup builds"
        assert service["command"] == ["run", stage]
        env = env_of(service)
        assert {k: env.get(k) for k in COMMON_ENV} == COMMON_ENV, stage
        assert env["NEWSWIRE_WEB_PORT"] == str(port), stage
        test = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/healthz" in test, stage
        assert "python" in test and "urllib" in test, stage
        assert service["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert len(set(STAGE_PORTS.values())) == len(STAGE_PORTS)


def test_stateful_stages_keep_their_state_in_named_volumes() -> None:
    svc = services()
    for stage in STAGE_PORTS:
        targets = {target: source for source, target in volume_mounts(svc[stage])}
        if stage in STATEFUL_STAGES:
            assert targets.get(DATA_DIR) == f"{stage}-data", stage
        else:
            assert DATA_DIR not in targets, f"{stage} is stateless"


def test_setup_is_a_one_shot_job_after_the_infrastructure() -> None:
    setup = services()["setup"]
    assert setup["image"] == IMAGE
    assert setup.get("build") is not None
    assert setup["restart"] == "no"
    for dep in ("kafka", "elasticsearch", "kibana"):
        assert setup["depends_on"][dep]["condition"] == "service_healthy", dep
    script = " ".join(
        [
            *(setup.get("entrypoint") or []),
            *(setup["command"] if isinstance(setup["command"], list) else [setup["command"]]),
        ]
    )
    for step in ("newswire topics create", "newswire es setup", "newswire kibana import"):
        assert step in script, step
    assert "--url http://kibana:5601" in script
    assert env_of(setup)["NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_kafka_is_a_single_kraft_node_without_auto_created_topics() -> None:
    env = env_of(services()["kafka"])
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_MESSAGE_MAX_BYTES"] == "26214400"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    for key, value in env.items():
        if key.endswith("REPLICATION_FACTOR"):
            assert value == "1", key


def test_elasticsearch_is_a_local_single_node() -> None:
    es = services()["elasticsearch"]
    env = env_of(es)
    assert env["discovery.type"] == "single-node"
    assert "-Xms1g" in env["ES_JAVA_OPTS"] and "-Xmx1g" in env["ES_JAVA_OPTS"]
    assert "wait_for_status=yellow" in " ".join(es["healthcheck"]["test"])
    assert set(es["ulimits"]) >= {"memlock", "nofile"}


def test_every_named_volume_is_declared() -> None:
    declared = set(compose().get("volumes") or {})
    used = {
        source
        for service in services().values()
        for source, _ in volume_mounts(service)
        if source and not source.startswith((".", "/", "~", "$"))
    }
    assert used, "expected named volumes"
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"
    assert declared <= used, f"declared but unused volumes: {sorted(declared - used)}"


def volume_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each volume of a service, from short or long syntax."""
    mounts: list[tuple[str, str]] = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, str):
            source, _, rest = entry.partition(":")
            mounts.append((source, rest.split(":", 1)[0]))
        else:
            mounts.append((str(entry.get("source", "")), str(entry["target"])))
    return mounts


def test_web_reads_elasticsearch_on_its_own_port() -> None:
    """`newswire web`: the one image, its command, port 6107 published on loopback only, a
    healthcheck on /healthz, after setup; no Kafka, no state."""
    web = services()["web"]
    assert web["image"] == IMAGE and "build" not in web
    assert web["command"] == ["web"]
    env = env_of(web)
    assert env["NEWSWIRE_WEB_PORT"] == "6107" and env["NEWSWIRE_WEB_HOST"] == "0.0.0.0"
    assert env["NEWSWIRE_ELASTICSEARCH__HOSTS"] == COMMON_ENV["NEWSWIRE_ELASTICSEARCH__HOSTS"]
    assert web["ports"] == ["127.0.0.1:6107:6107"]
    assert "http://127.0.0.1:6107/healthz" in " ".join(web["healthcheck"]["test"])
    assert web["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert "kafka" not in web["depends_on"] and not volume_mounts(web)
    assert 6107 not in STAGE_PORTS.values()
