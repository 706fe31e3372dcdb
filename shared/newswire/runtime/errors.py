"""The error taxonomy and the retry policy.

Two classes only: a *transient* failure may succeed if tried again later (a timeout, a 503, a
broker hiccup); a *permanent* one will fail again as it is (invalid message, a bug, a 404). The
retry policy is a pure function of the attempt number and the class, so it is unit-tested without
Kafka and the same everywhere.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Literal

from aiokafka.errors import KafkaError, KafkaTimeoutError
from faust.exceptions import PartitionsMismatch
from pydantic import ValidationError

from newswire.config import RetrySettings

ErrorClass = Literal["transient", "permanent"]


class StageError(Exception):
    """Base of errors a stage raises on purpose."""

    error_class: ErrorClass = "permanent"


class TransientError(StageError):
    """Try again later: the input is fine, the world was not (timeouts, 429/5xx, outages)."""

    error_class: ErrorClass = "transient"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentError(StageError):
    """Do not try again: the input cannot be processed as it is."""

    error_class: ErrorClass = "permanent"


class ContractViolation(PermanentError):
    """A message did not validate against its topic's contract."""


_TRANSIENT_BUILTINS: tuple[type[BaseException], ...] = (
    TimeoutError,
    asyncio.TimeoutError,
    ConnectionError,
)


def classify(exc: BaseException) -> ErrorClass:
    """The class of an exception. Unknown exceptions are permanent: retrying a bug only delays
    the dead letter that lets someone fix and replay it."""
    if isinstance(exc, StageError):
        return exc.error_class
    if isinstance(exc, ValidationError):
        return "permanent"
    if isinstance(exc, _TRANSIENT_BUILTINS):
        return "transient"
    if _infrastructure_not_ready(exc):
        return "transient"
    return "permanent"


def _infrastructure_not_ready(exc: BaseException) -> bool:
    """Kafka or the stream engine not ready yet: a leader election, a broker restart, or a table's
    changelog topic not yet in the client's metadata (Faust's PartitionsMismatch, seen on a loaded
    machine right after start-up). The message is fine; the moment is not."""
    if isinstance(exc, PartitionsMismatch):
        return True
    return isinstance(exc, KafkaError) and (bool(getattr(exc, "retriable", False)) or isinstance(exc, KafkaTimeoutError))


@dataclass(frozen=True)
class RetryDecision:
    """What to do with a failed message: retry after `delay_s`, or dead-letter it."""

    retry: bool
    delay_s: float
    reason: str


def backoff_delay(attempt: int, policy: RetrySettings, rand: float) -> float:
    """Exponential backoff with jitter: base * 2**(attempt-1), capped, then jittered by +-jitter.

    `rand` is a number in [0, 1) supplied by the caller so that the function stays pure.
    """
    raw: float = min(policy.max_delay_s, policy.base_delay_s * 2.0 ** max(0, attempt - 1))
    spread = raw * policy.jitter
    return float(max(0.0, raw - spread + 2 * spread * rand))


def retry_decision(
    attempt: int,
    error_class: ErrorClass,
    policy: RetrySettings,
    rand: float,
    retry_after_s: float | None = None,
) -> RetryDecision:
    """Decide the fate of a message whose `attempt`-th processing (1-based) failed."""
    if error_class == "permanent":
        return RetryDecision(False, 0.0, "permanent error")
    if attempt >= policy.max_attempts:
        return RetryDecision(False, 0.0, f"retries exhausted after {attempt} attempts")
    delay = backoff_delay(attempt, policy, rand)
    if retry_after_s is not None:
        delay = min(policy.max_delay_s, max(delay, retry_after_s))
    return RetryDecision(True, delay, f"transient error, attempt {attempt} of {policy.max_attempts}")


def jitter_source() -> float:
    """The default randomness for retry jitter (separate so tests can pass their own)."""
    return float(random.random())
