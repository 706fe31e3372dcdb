"""The error taxonomy and the pure retry policy."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel, ValidationError

from newswire.config import RetrySettings
from newswire.runtime.errors import (
    ContractViolation,
    PermanentError,
    TransientError,
    backoff_delay,
    classify,
    retry_decision,
)

POLICY = RetrySettings(max_attempts=4, base_delay_s=1.0, max_delay_s=10.0, jitter=0.0)


def test_classification() -> None:
    class M(BaseModel):
        x: int

    with pytest.raises(ValidationError) as info:
        M.model_validate({"x": "no"})
    assert classify(info.value) == "permanent"
    assert classify(ContractViolation("bad")) == "permanent"
    assert classify(PermanentError("404")) == "permanent"
    assert classify(TransientError("503")) == "transient"
    assert classify(asyncio.TimeoutError()) == "transient"
    assert classify(ConnectionResetError()) == "transient"
    assert classify(KeyError("bug")) == "permanent"


def test_infrastructure_not_ready_is_transient() -> None:
    from aiokafka.errors import (
        KafkaTimeoutError,
        MessageSizeTooLargeError,
        NotLeaderForPartitionError,
        UnknownTopicOrPartitionError,
    )
    from faust.exceptions import PartitionsMismatch

    # a table's changelog topic not yet visible in metadata (seen on a loaded machine at start-up)
    assert classify(PartitionsMismatch("changelog topic has 0 partitions")) == "transient"
    assert classify(NotLeaderForPartitionError()) == "transient"
    assert classify(UnknownTopicOrPartitionError()) == "transient"
    assert classify(KafkaTimeoutError()) == "transient"
    assert classify(MessageSizeTooLargeError()) == "permanent"  # the message itself is the problem


def test_backoff_grows_exponentially_and_is_capped() -> None:
    assert [backoff_delay(a, POLICY, 0.5) for a in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]


def test_jitter_stays_within_bounds() -> None:
    policy = POLICY.model_copy(update={"jitter": 0.2})
    assert backoff_delay(3, policy, 0.0) == pytest.approx(3.2)
    assert backoff_delay(3, policy, 0.999999) == pytest.approx(4.8, rel=1e-4)


def test_permanent_errors_are_never_retried() -> None:
    decision = retry_decision(1, "permanent", POLICY, 0.5)
    assert not decision.retry and "permanent" in decision.reason


def test_transient_errors_are_retried_until_exhausted() -> None:
    assert [retry_decision(a, "transient", POLICY, 0.5).retry for a in (1, 2, 3, 4)] == [True, True, True, False]
    assert "exhausted" in retry_decision(4, "transient", POLICY, 0.5).reason


def test_retry_after_is_honoured_within_the_cap() -> None:
    assert retry_decision(1, "transient", POLICY, 0.5, retry_after_s=7).delay_s == 7
    assert retry_decision(1, "transient", POLICY, 0.5, retry_after_s=700).delay_s == 10
