"""`newswire k8s`: Kubernetes manifests generated from the topic registry.

Two files under `deploy/k8s/` are derived from `newswire.topics` rather than written by hand, so
that a partition count or a topic setting lives in one place:

* `newswire k8s topics`: Strimzi `KafkaTopic` resources (the operators overlay), one per registry
  topic with its partitions and configuration, plus the changelog topics of the stages' tables;
* `newswire k8s scaling`: KEDA `ScaledObject`s (the autoscaling component), one per consuming
  stage, on its consumer group and source topics, `maxReplicaCount` = the largest partition count
  among them: the partitions are the unit of parallelism, an instance beyond them sits idle.

`--check` fails when a committed file drifted from the registry (the unit tests run it too).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
import yaml

from newswire.cli._common import console, err_console
from newswire.topics import PUBLIC_TOPICS, STAGES, TABLES, TopicSpec, all_topics

app = typer.Typer(no_args_is_help=True)

K8S_DIR = Path("deploy/k8s")
TOPICS_FILE = K8S_DIR / "overlays" / "operators" / "kafka-topics.yaml"
SCALING_FILE = K8S_DIR / "components" / "autoscaling" / "scaledobjects.yaml"

#: The Strimzi `Kafka` resource the topics belong to (overlays/operators/kafka.yaml).
KAFKA_CLUSTER = "newswire"
#: The stages' container name in every workload (patches and KEDA's env lookup rely on it).
CONTAINER = "stage"
REPLICAS = 3
MIN_INSYNC_REPLICAS = 2

#: How each stage's workload is deployed (deploy/k8s/base): stateful stages keep RocksDB tables on
#: a persistent volume (StatefulSet), the others are Deployments.
WORKLOADS: dict[str, str] = {
    "poller": "StatefulSet",
    "fetcher": "Deployment",
    "normaliser": "Deployment",
    "tracker": "StatefulSet",
    "enricher": "Deployment",
    "sink": "Deployment",
    "archiver": "StatefulSet",  # its WARC files on a volume per pod
}

#: Stages scaled on lag. The poller is not: its work is the feeds' schedule (timers over the
#: feed table), not a backlog on a topic, and its feeds topic is a compacted registry whose lag is
#: ~0; its replicas are set by hand, at most FEEDS.partitions (see deploy/k8s/README.md).
AUTOSCALED: tuple[str, ...] = ("fetcher", "normaliser", "tracker", "enricher", "sink")

#: Lag per replica that KEDA aims at: about one minute of one instance's throughput from the
#: benchmarks (deploy/k8s/README.md, "Capacity model"), so a backlog of a minute or more adds
#: instances and a short burst does not.
LAG_THRESHOLDS: dict[str, int] = {
    "fetcher": 10_000,  # ~300 pages/s per instance through Kafka (bench/fetcher.py --kafka)
    "normaliser": 600,  # ~15 pages/s per core at 64.5 ms CPU/page (bench/normaliser.py)
    "tracker": 5_000,  # 150 revisions/s, 18,000 unchanged re-checks/s (bench/tracker.py)
    "enricher": 200,  # ~3.4 versions/s per core, NER 286 ms + 8.5 ms (bench/enricher.py)
    "sink": 50_000,  # ~2,500 documents/s into Elasticsearch (bench/sink.py)
}


def consumer_group(stage: str, prefix: str = "") -> str:
    """The consumer group of a stage (`Stage` and the sink name it so)."""
    return f"{prefix}newswire-{stage}"


def source_topics(stage: str) -> tuple[TopicSpec, ...]:
    """The public topics a stage consumes, as the registry declares them (internal and retry
    topics are the stage's own business: one partition each, nothing to scale on)."""
    return tuple(spec for spec in PUBLIC_TOPICS if stage in spec.consumers)


def max_replicas(stage: str) -> int:
    """The most instances of a stage that all get work: its largest source topic's partitions."""
    return int(max(spec.partitions for spec in source_topics(stage)))


def kafka_topic(name: str, partitions: int, config: dict[str, str], *, description: str) -> dict[str, Any]:
    """One Strimzi KafkaTopic. `metadata.name` must be a DNS subdomain; Kafka's own name is in
    `spec.topicName`, so a rename on the Kubernetes side never renames the topic."""
    resource_name = name.lower().replace("_", "-")
    return {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaTopic",
        "metadata": {
            "name": resource_name,
            "labels": {"strimzi.io/cluster": KAFKA_CLUSTER, "app.kubernetes.io/part-of": "newswire"},
            "annotations": {"newswire.io/description": description},
        },
        "spec": {
            "topicName": name,
            "partitions": partitions,
            "replicas": REPLICAS,
            "config": {**config, "min.insync.replicas": str(MIN_INSYNC_REPLICAS)},
        },
    }


def kafka_topics(prefix: str = "") -> list[dict[str, Any]]:
    """Every registry topic and every table changelog, as KafkaTopic resources."""
    resources = [
        kafka_topic(
            spec.full_name(prefix), spec.partitions, spec.kafka_config(), description=spec.description
        )
        for spec in all_topics()
    ]
    # Faust would create the tables' changelogs itself, with replication 1
    for table in TABLES:
        resources.append(
            kafka_topic(
                table.full_name(prefix), table.partitions, table.kafka_config(),
                description=f"Changelog of the {table.stage}'s '{table.table}' table (Faust): its "
                "RocksDB state is rebuilt from here when a partition moves.",
            )
        )
    return resources


def scaled_object(stage: str) -> dict[str, Any]:
    """The KEDA ScaledObject of one stage: Kafka lag of its consumer group on each source topic."""
    triggers = [
        {
            "type": "kafka",
            "name": f"lag-{spec.name.replace('.', '-')}",
            "metadata": {
                # the brokers of the stage itself (its ConfigMap), so overlays change one place
                "bootstrapServersFromEnv": "NEWSWIRE_KAFKA__BOOTSTRAP_SERVERS",
                "consumerGroup": consumer_group(stage),
                "topic": spec.name,
                "lagThreshold": str(LAG_THRESHOLDS[stage]),
                "activationLagThreshold": "0",
                "offsetResetPolicy": "earliest",
                # an instance beyond the partition count would get no partition: never add one
                "allowIdleConsumers": "false",
                "scaleToZeroOnInvalidOffset": "false",
                "excludePersistentLag": "false",
            },
        }
        for spec in source_topics(stage)
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {
            "name": stage,
            "labels": {"app.kubernetes.io/part-of": "newswire", "app.kubernetes.io/component": stage},
            "annotations": {
                "newswire.io/max-replicas-from": ", ".join(
                    f"{spec.name} ({spec.partitions} partitions)" for spec in source_topics(stage)
                )
            },
        },
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": WORKLOADS[stage],
                "name": stage,
                "envSourceContainerName": CONTAINER,
            },
            "minReplicaCount": 1,
            "maxReplicaCount": max_replicas(stage),
            "pollingInterval": 30,
            "cooldownPeriod": 300,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    # every change of membership is a consumer-group rebalance: scale down slowly
                    "behavior": {
                        "scaleDown": {
                            "stabilizationWindowSeconds": 600,
                            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}],
                        },
                        "scaleUp": {
                            "stabilizationWindowSeconds": 60,
                            "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}],
                        },
                    }
                }
            },
            "triggers": triggers,
        },
    }


def scaled_objects() -> list[dict[str, Any]]:
    """One ScaledObject per autoscaled stage."""
    return [scaled_object(stage) for stage in STAGES if stage in AUTOSCALED]


def render_documents(documents: Iterable[dict[str, Any]], header: str) -> str:
    """A multi-document YAML file with a generated-file header."""
    body = "---\n".join(yaml.safe_dump(doc, sort_keys=False, width=100) for doc in documents)
    return header + body


def render_topics() -> str:
    """deploy/k8s/overlays/operators/kafka-topics.yaml."""
    return render_documents(
        kafka_topics(),
        "# Generated by `newswire k8s topics` from newswire.topics (the registry): do not edit.\n"
        f"# Strimzi KafkaTopics of the `{KAFKA_CLUSTER}` cluster: every registry topic with its "
        "partitions and configuration,\n# and the changelog topics of the stages' tables.\n",
    )


def render_scaling() -> str:
    """deploy/k8s/components/autoscaling/scaledobjects.yaml."""
    return render_documents(
        scaled_objects(),
        "# Generated by `newswire k8s scaling` from newswire.topics (the registry): do not edit.\n"
        "# KEDA ScaledObjects: each stage scales on its consumer group's lag, up to the partition "
        "count of its\n# largest source topic (the unit of parallelism).\n",
    )


def _write_or_check(path: Path, text: str, check: bool, command: str) -> None:
    if check:
        current = path.read_text("utf-8") if path.is_file() else None
        if current != text:
            err_console.print(f"[red]drift[/red] {path}: run `newswire k8s {command}` and commit it")
            raise typer.Exit(1)
        console.print(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    console.print(f"wrote {path}")


@app.command("topics")
def topics(
    out: Path = typer.Option(TOPICS_FILE, help="Output file."),
    check: bool = typer.Option(False, "--check", help="Only check that the file is current."),
) -> None:
    """Write the Strimzi KafkaTopic resources of every registry topic."""
    _write_or_check(out, render_topics(), check, "topics")


@app.command("scaling")
def scaling(
    out: Path = typer.Option(SCALING_FILE, help="Output file."),
    check: bool = typer.Option(False, "--check", help="Only check that the file is current."),
) -> None:
    """Write the KEDA ScaledObjects of the consuming stages."""
    _write_or_check(out, render_scaling(), check, "scaling")
