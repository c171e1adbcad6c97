"""The reliability protocol for one delivery (DESIGN.md, "Reliability protocol"; the Swift
runtime's DeliveryPipeline.swift), independent of the AMQP client and the database so the
decisions are tested without servers:

- envelope, content type, type and payload checked first: a poison message goes to
  `<context>.dead` with `x-death-reason` and the text, then is acked;
- then ONE transaction: inbox record by message id (a duplicate changes nothing), the views,
  COMMIT; then the ack;
- a lost database (`StoreUnavailable`) is not the message's fault: it propagates unacked and the
  worker retries the same delivery once the database is back;
- any other failure is transient: the delivery goes to the delay queue of its attempt
  (`<context>.retry`, header `warren-retry-queue`), and after the last attempt to the dead
  letters as `retries-exhausted`.
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import contracts, envelope as env, projection
from .envelope import Envelope, PermanentFailure
from .logs import Logger
from .topology import ContextTopology, Queue


@dataclass
class Delivery:
    """A delivery as the pipeline sees it: the body and the AMQP properties, `raw` being the
    client's own object (what the transport acks)."""

    body: bytes
    exchange: str
    routing_key: str
    properties: dict[str, Any]
    headers: dict[str, Any] = field(default_factory=dict)
    raw: Any = None


class Transport(Protocol):
    async def ack(self, delivery: Delivery) -> None: ...

    async def publish(self, exchange: str, routing_key: str, body: bytes, properties: dict[str, Any],
                      headers: dict[str, Any]) -> None:
        """Persistent, mandatory, confirmed by the broker; raises when it is not."""


class Store(Protocol):
    async def apply(self, envelope: Envelope, queue: str, fact: projection.Fact) -> bool:
        """Records the message in the inbox and applies the fact, in one transaction; False
        (and nothing changed) when the inbox already has the message."""


class StoreUnavailable(Exception):
    """The database connection is lost or refused: retry the same delivery after reconnecting."""


class Outcome:
    HANDLED, DUPLICATE, RETRIED, DEAD = "handled", "duplicate", "retried", "dead"


@dataclass
class Counters:
    """What /metrics reports, named like the Swift workers' metrics."""

    outcomes: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)

    def delivered(self, message_type: str) -> None:
        self.deliveries[message_type] = self.deliveries.get(message_type, 0) + 1

    def outcome(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class Pipeline:
    def __init__(self, topology: ContextTopology, store: Store, transport: Transport, logger: Logger,
                 counters: Counters | None = None) -> None:
        self.topology, self.store, self.transport, self.logger = topology, store, transport, logger
        self.counters = counters or Counters()

    def admit(self, delivery: Delivery, envelope: Envelope, queue: Queue) -> dict[str, Any]:
        """The payload of a delivery its handler may see; PermanentFailure otherwise."""
        content_type = delivery.properties.get("content_type")
        if content_type and not content_type.lower().startswith("application/json"):
            raise PermanentFailure(PermanentFailure.WRONG_CONTENT_TYPE,
                                   f"content type is {content_type}: Warren messages are application/json")
        if envelope.type not in queue.consumes or envelope.type not in contracts.CONSUMES:
            raise PermanentFailure(PermanentFailure.UNKNOWN_TYPE,
                                   f"queue {queue.name} takes {', '.join(queue.consumes)}; got type {envelope.type}")
        violations: list[contracts.Violation]
        payload: Any = None
        if not delivery.body:
            violations = [contracts.Violation("$", "is empty: expected a JSON object")]
        else:
            try:
                payload = json.loads(delivery.body.decode("utf-8"))
                violations = contracts.validate(envelope.type, payload)
            except (UnicodeDecodeError, ValueError) as error:
                violations = [contracts.Violation("$", f"is not valid JSON ({error})")]
        if violations:
            raise PermanentFailure(PermanentFailure.SCHEMA_VIOLATION,
                                   f"{envelope.type}: " + "; ".join(str(v) for v in violations))
        return payload

    async def process(self, delivery: Delivery, queue: Queue) -> str:
        logger = self.logger.bind(queue=queue.name)
        try:
            envelope = Envelope.read(message_id=delivery.properties.get("message_id"),
                                     correlation_id=delivery.properties.get("correlation_id"),
                                     type=delivery.properties.get("type"), app_id=delivery.properties.get("app_id"),
                                     timestamp=delivery.properties.get("timestamp"), headers=delivery.headers)
        except PermanentFailure as failure:
            return await self.dead_letter(delivery, queue, failure, logger)
        logger = logger.bind(**envelope.log_fields())
        self.counters.delivered(envelope.type)
        try:
            payload = self.admit(delivery, envelope, queue)
            fact = projection.fact(envelope.type, payload)
        except PermanentFailure as failure:
            return await self.dead_letter(delivery, queue, failure, logger)
        try:
            applied = await self.store.apply(envelope, queue.name, fact)
        except StoreUnavailable:
            raise
        except PermanentFailure as failure:
            return await self.dead_letter(delivery, queue, failure, logger)
        except Exception as error:  # transient: the delay queues
            return await self.retry(delivery, queue, envelope, error, logger)
        await self.transport.ack(delivery)
        if applied:
            self.counters.outcome(Outcome.HANDLED)
            logger.debug("handled", storagecall_id=fact.page.id, status=fact.page.status)
            return Outcome.HANDLED
        self.counters.outcome(Outcome.DUPLICATE)
        logger.debug("duplicate delivery skipped: already handled")
        return Outcome.DUPLICATE

    async def retry(self, delivery: Delivery, queue: Queue, envelope: Envelope, error: Exception, logger: Logger) -> str:
        reason = f"{type(error).__name__}: {error}"
        if envelope.attempt >= queue.attempts or envelope.attempt - 1 >= len(queue.retry_queue_names):
            failure = PermanentFailure(PermanentFailure.RETRIES_EXHAUSTED, f"failed {queue.attempts} time(s), last: {reason}")
            return await self.dead_letter(delivery, queue, failure, logger)
        delay_queue = queue.retry_queue_names[envelope.attempt - 1]
        headers = {**delivery.headers, env.ATTEMPT: envelope.attempt + 1, env.RETRY_QUEUE: queue.name,
                   env.LAST_ERROR: reason[:1000]}
        await self.transport.publish(self.topology.retry_exchange, delay_queue, delivery.body, delivery.properties, headers)
        await self.transport.ack(delivery)
        self.counters.outcome(Outcome.RETRIED)
        logger.warning("handler failed; retrying later", attempt=envelope.attempt, error=reason,
                       **{"retry.queue": delay_queue})
        return Outcome.RETRIED

    async def dead_letter(self, delivery: Delivery, queue: Queue, failure: PermanentFailure, logger: Logger) -> str:
        headers = {**delivery.headers,
                   env.DEATH_REASON: failure.reason,
                   env.DEATH_MESSAGE: failure.message[:2000],
                   env.ORIGINAL_EXCHANGE: delivery.exchange,
                   env.ORIGINAL_ROUTING_KEY: delivery.routing_key,
                   env.ORIGINAL_QUEUE: queue.name,
                   env.FAILED_AT: datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc)}
        await self.transport.publish(self.topology.dead_letter_exchange, delivery.routing_key, delivery.body,
                                     delivery.properties, headers)
        await self.transport.ack(delivery)
        self.counters.outcome(Outcome.DEAD)
        logger.error("message dead-lettered", reason=failure.reason, error=failure.message)
        return Outcome.DEAD
