"""The fleet's message envelope (DESIGN.md, "Messages"; Sources/Warren/Messages/Envelope.swift)
and the headers of a dead letter (DeliveryPipeline.swift's `DeadLetter`), as this worker reads
and writes them. The body is the payload JSON only."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

# Headers of the envelope.
CAUSATION_ID = "causation-id"
IN_REPLY_TO = "in-reply-to"
TRACEPARENT = "traceparent"
ATTEMPT = "x-attempt"

# Headers a dead-lettered message carries, for `warren dead` and for people.
DEATH_REASON = "x-death-reason"
DEATH_MESSAGE = "x-death-message"
ORIGINAL_EXCHANGE = "x-original-exchange"
ORIGINAL_ROUTING_KEY = "x-original-routing-key"
ORIGINAL_QUEUE = "x-original-queue"
FAILED_AT = "x-failed-at"

# A delayed retry goes back to the queue this header names (topology/README.md).
RETRY_QUEUE = "warren-retry-queue"
LAST_ERROR = "x-last-error"


class PermanentFailure(Exception):
    """No retry can change it: the delivery goes to `<context>.dead` at once with `reason`
    (the names of PermanentFailure.swift's reasons) and the text in its headers."""

    MISSING_ENVELOPE = "missing-envelope"
    UNKNOWN_TYPE = "unknown-type"
    WRONG_CONTENT_TYPE = "wrong-content-type"
    SCHEMA_VIOLATION = "schema-violation"
    UNDECODABLE_BODY = "undecodable-body"
    REJECTED = "rejected"
    RETRIES_EXHAUSTED = "retries-exhausted"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass(frozen=True)
class Envelope:
    message_id: str
    correlation_id: str
    type: str
    causation_id: str | None = None
    app_id: str | None = None
    timestamp: int | None = None
    traceparent: str | None = None
    attempt: int = 1

    @classmethod
    def read(cls, *, message_id: Any, correlation_id: Any, type: Any, app_id: Any = None, timestamp: Any = None,
             headers: Mapping[str, Any] | None = None) -> "Envelope":
        """The envelope of a delivery, from its AMQP properties; a PermanentFailure
        (missing-envelope) names what is missing."""
        headers = headers or {}
        message_type = _text(type)
        if not message_type:
            raise PermanentFailure(PermanentFailure.MISSING_ENVELOPE, "the `type` property is missing: cannot tell which message this is")
        identifier = _text(message_id)
        if not identifier:
            raise PermanentFailure(PermanentFailure.MISSING_ENVELOPE, "the `message_id` property is missing: duplicates could not be detected")
        attempt = headers.get(ATTEMPT)
        try:
            attempt = int(attempt) if attempt is not None and not isinstance(attempt, bool) else 1
        except (TypeError, ValueError):
            attempt = 1
        if hasattr(timestamp, "timestamp"):
            timestamp = int(timestamp.timestamp())
        return cls(
            message_id=identifier,
            correlation_id=_text(correlation_id) or identifier,
            type=message_type,
            causation_id=_text(headers.get(CAUSATION_ID)),
            app_id=_text(app_id),
            timestamp=int(timestamp) if isinstance(timestamp, (int, float)) else int(time.time()),
            traceparent=_text(headers.get(TRACEPARENT)),
            attempt=max(1, attempt),
        )

    def log_fields(self) -> dict[str, str]:
        """The keys every log line inside a delivery carries (DESIGN.md, "Observability")."""
        return {"message_id": self.message_id, "correlation_id": self.correlation_id,
                "causation_id": self.causation_id or "", "type": self.type}
