"""Prometheus metrics every stage exposes on /metrics.

Labels stay low-cardinality (stage, topic, error class): never an article id or a host.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class StageMetrics:
    """The metric families of one stage process, on their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.messages_in = Counter(
            "newswire_messages_in_total",
            "Messages consumed, by topic.",
            ["stage", "topic"],
            registry=self.registry,
        )
        self.messages_out = Counter(
            "newswire_messages_out_total",
            "Messages produced, by topic.",
            ["stage", "topic"],
            registry=self.registry,
        )
        self.messages_failed = Counter(
            "newswire_messages_failed_total",
            "Messages that failed processing, by topic, error class and outcome (retry or dlq).",
            ["stage", "topic", "error_class", "outcome"],
            registry=self.registry,
        )
        self.processing_seconds = Histogram(
            "newswire_processing_seconds",
            "Time to process one message, by topic.",
            ["stage", "topic"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "newswire_consumer_lag",
            "Messages behind the end of the partition, by topic and partition.",
            ["stage", "topic", "partition"],
            registry=self.registry,
        )
