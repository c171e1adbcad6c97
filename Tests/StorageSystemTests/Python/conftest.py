"""Shared pieces of the customer worker's tests: the repository's paths, an in-memory store
and transport with the same protocols as the real ones, and the fleet's envelope."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "Sources" / "StorageSystem" / "Python"
if str(PACKAGE) not in sys.path:
    sys.path.insert(0, str(PACKAGE))

from warren_customer import projection  # noqa: E402
from warren_customer.pipeline import Delivery  # noqa: E402
from warren_customer.topology import load  # noqa: E402


class MemoryStore:
    """The PostgreSQL store's contract in memory: inbox by message id, then the views."""

    def __init__(self) -> None:
        self.inbox: dict[str, dict[str, Any]] = {}
        self.pages: dict[int, projection.Page] = {}
        self.notifications: dict[int, projection.Notification] = {}
        self.failure: Exception | None = None

    async def apply(self, envelope, queue, fact) -> bool:
        if self.failure is not None:
            raise self.failure
        if envelope.message_id in self.inbox:
            return False
        self.inbox[envelope.message_id] = {"type": envelope.type, "queue": queue, "correlation_id": envelope.correlation_id,
                                           "causation_id": envelope.causation_id, "sender": envelope.app_id}
        page = projection.merge(self.pages.get(fact.page.id), fact.page)
        self.pages[page.id] = page
        note = projection.notified(fact.notification, page)
        self.notifications.setdefault(note.id, note)
        if page.tel is not None:
            for key, existing in self.notifications.items():
                if existing.storagecall_id == page.id and existing.tel is None:
                    self.notifications[key] = dataclasses.replace(existing, tel=page.tel)
        return True

    def views(self) -> tuple[list, list]:
        return (sorted(self.pages.values(), key=lambda p: p.id), sorted(self.notifications.values(), key=lambda n: n.id))


class MemoryTransport:
    def __init__(self) -> None:
        self.acked: list[Delivery] = []
        self.published: list[dict[str, Any]] = []

    async def ack(self, delivery: Delivery) -> None:
        self.acked.append(delivery)

    async def publish(self, exchange, routing_key, body, properties, headers) -> None:
        self.published.append({"exchange": exchange, "routing_key": routing_key, "body": body,
                               "properties": dict(properties), "headers": dict(headers)})


def envelope_properties(message_type: str, *, message_id: str | None = None, correlation_id: str = "conversation-1",
                        causation_id: str | None = None, attempt: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """The AMQP properties and headers a Swift worker's event carries (Envelope.swift)."""
    message_id = message_id or str(uuid.uuid4())
    headers: dict[str, Any] = {"x-attempt": attempt}
    if causation_id:
        headers["causation-id"] = causation_id
    properties = {"content_type": "application/json", "delivery_mode": 2, "message_id": message_id,
                  "correlation_id": correlation_id, "type": message_type, "timestamp": 1_746_100_800,
                  "app_id": message_type.split(".")[0]}
    return properties, headers


def delivery(message_type: str, payload: Any, **envelope: Any) -> Delivery:
    properties, headers = envelope_properties(message_type, **envelope)
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Delivery(body=body, exchange=message_type.split(".")[0] + ".events", routing_key=message_type,
                    properties=properties, headers=headers)


# One confirmed call, one cancelled after its unit was assigned, one refused for lack of a unit:
# every event the customer consumes, as the Swift contexts publish them.
def call_events(call: int = 7, tel: str = "01012345678", location: str = "마포") -> dict[str, list[tuple[str, dict]]]:
    called = ("storagecall.StorageCalled", {"storagecallId": call, "tel": tel, "location": location, "cost": 25000, "status": "호출"})
    requested = ("storagemanage.AssignmentRequested", {"manageId": call + 100, "storagecallId": call, "location": location, "status": "호출중"})
    assigned = ("storageassign.StorageAssigned", {"assignmentId": call + 200, "storagecallId": call, "location": location,
                                                  "unit": "M-101", "status": "호출확정"})
    cancelled = ("storagecall.StorageCallCancelled", {"storagecallId": call, "tel": tel, "location": location,
                                                      "status": "호출취소", "reason": ""})
    released = ("storageassign.StorageReleased", {"assignmentId": call + 200, "storagecallId": call, "location": location, "unit": "M-101"})
    failed = ("storageassign.StorageAssignFailed", {"storagecallId": call, "location": location, "reason": "no free unit at 마포"})
    refused = ("storagecall.StorageCallCancelled", {"storagecallId": call, "tel": tel, "location": location,
                                                    "status": "호출취소", "reason": "no free unit at 마포"})
    return {
        "confirmed": [called, requested, assigned],
        "cancelled": [called, requested, assigned, cancelled, released],
        "refused": [called, requested, failed, refused],
    }


@pytest.fixture
def topology():
    return load(str(REPO / "topology"), "storage", "customer")
