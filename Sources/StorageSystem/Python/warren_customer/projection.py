"""What each event means for the customer's views, as pure functions: the database layer
(store.py) only reads a call's row, merges, and writes it back, so convergence is decided here
and tested without servers.

Events of one call may arrive in any order and any number of times. The views converge because
every merge is commutative and idempotent:
- `status` is the status of the event of the highest rank (a later stage never loses to an
  earlier one: requested < waiting < confirmed < failed < released < cancelled);
- `tel`, `location`, `unit` are filled by whichever event knows them and never cleared (all
  events of one call carry the same values);
- a notification's id is derived from the call and the event type (one row per pair), its
  text from the event alone, and its `tel` is filled from the call's row once that is known.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

CANCELLED = "호출취소"

# Event type → (rank, notification code). The code makes the notification's id
# (storagecallId * 10 + code): stable whatever the order or the copies.
EVENTS: dict[str, tuple[int, int]] = {
    "storagecall.StorageCalled": (10, 1),
    "storagemanage.AssignmentRequested": (20, 2),
    "storageassign.StorageAssigned": (30, 3),
    "storageassign.StorageAssignFailed": (40, 4),
    "storageassign.StorageReleased": (45, 6),
    "storagecall.StorageCallCancelled": (50, 5),
}

MAX_CALL_ID = (2**63 - 1 - 9) // 10


@dataclass(frozen=True)
class Page:
    """A row of `mypages`: the customer's view of one storage call."""

    id: int
    tel: str | None
    location: str | None
    unit: str | None
    status: str
    rank: int


@dataclass(frozen=True)
class Notification:
    """A row of `notifications`: what the customer was told about one call, per event type."""

    id: int
    storagecall_id: int
    tel: str | None
    event: str
    message: str


@dataclass(frozen=True)
class Fact:
    """One event, reduced to what the views need."""

    page: Page
    notification: Notification


def fact(message_type: str, payload: Mapping[str, Any]) -> Fact:
    """The fact of a validated event (contracts.validate found nothing wrong)."""
    rank, code = EVENTS[message_type]
    call = payload["storagecallId"]
    if not 0 <= call <= MAX_CALL_ID:
        from .envelope import PermanentFailure
        raise PermanentFailure(PermanentFailure.REJECTED, f"storagecallId {call} is outside 0...{MAX_CALL_ID}")
    location = payload.get("location")
    name = message_type.split(".", 1)[1]
    if message_type == "storagecall.StorageCalled":
        status = payload["status"]
        text = f"보관함 호출 접수: {location}, {payload['cost']}원 ({status})"
    elif message_type == "storagemanage.AssignmentRequested":
        status = payload["status"]
        text = f"보관함 배정 요청: {location} ({status})"
    elif message_type == "storageassign.StorageAssigned":
        status = payload["status"]
        text = f"보관함 {payload['unit']} 배정: {location} ({status})"
    elif message_type == "storageassign.StorageAssignFailed":
        status = CANCELLED
        text = f"{location}에 빈 보관함이 없어 호출이 취소됩니다: {payload['reason']}"
    elif message_type == "storageassign.StorageReleased":
        status = CANCELLED
        text = f"보관함 {payload['unit']} 반납: {location}"
    else:  # storagecall.StorageCallCancelled
        status = payload["status"]
        reason = payload["reason"]
        text = f"보관함 호출 취소: {location} ({status})" + (f": {reason}" if reason else "")
    page = Page(id=call, tel=payload.get("tel"), location=location, unit=payload.get("unit"), status=status, rank=rank)
    notification = Notification(id=call * 10 + code, storagecall_id=call, tel=payload.get("tel"), event=name, message=text)
    return Fact(page=page, notification=notification)


def merge(existing: Page | None, incoming: Page) -> Page:
    """The call's row after `incoming`, whatever came before; commutative and idempotent."""
    if existing is None:
        return incoming
    higher = incoming if incoming.rank > existing.rank else existing
    return Page(
        id=existing.id,
        tel=existing.tel if existing.tel is not None else incoming.tel,
        location=existing.location if existing.location is not None else incoming.location,
        unit=existing.unit if existing.unit is not None else incoming.unit,
        status=higher.status,
        rank=higher.rank,
    )


def notified(notification: Notification, page: Page) -> Notification:
    """The notification with the call's telephone number once the call's row knows it."""
    return notification if notification.tel is not None else replace(notification, tel=page.tel)
