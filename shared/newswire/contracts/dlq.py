"""Dead letters: messages a stage could not process, with the original bytes and why."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveInt

from newswire.contracts.base import Contract, UtcDatetime


class DeadLetter(Contract):
    """A message that failed permanently, or ran out of retries. Never edited, only replayed."""

    schema_version: Literal[1] = Field(1, description="Contract version of this message.")
    dead_letter_id: str = Field(description="Hash of stage, topic, partition and offset.")
    stage: str = Field(description="The stage that failed, e.g. 'normaliser'.")
    source_topic: str = Field(description="Topic the message was consumed from.")
    source_partition: NonNegativeInt
    source_offset: NonNegativeInt
    key: bytes | None = Field(None, description="The original key (base64 in JSON).")
    value: bytes | None = Field(None, description="The original value bytes (base64 in JSON).")
    headers: dict[str, str] = Field(default_factory=dict, description="Original headers (decoded).")
    error_class: Literal["transient", "permanent"] = Field(
        description="permanent: will fail again as it is; transient: retries ran out."
    )
    error_type: str = Field(description="Exception type, e.g. 'ValidationError'.")
    error_message: str = Field(description="What went wrong, for a person.")
    attempts: PositiveInt = Field(description="How many times processing was tried.")
    failed_at: UtcDatetime
    retry_at: UtcDatetime | None = Field(
        None,
        description="Only on a stage's internal retry topic: when the message is due again. "
        "Always null on the dead-letter topic.",
    )
