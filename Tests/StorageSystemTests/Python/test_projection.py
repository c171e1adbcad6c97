"""The customer's views converge whatever the order and the number of copies of the events."""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest

from conftest import MemoryStore, MemoryTransport, call_events, delivery
from warren_customer import projection
from warren_customer.logs import Logger
from warren_customer.pipeline import Pipeline


def replay(topology, events, copies: int = 1, order=None) -> MemoryStore:
    """Every event delivered `copies` times (same message id each time), in `order`."""
    store, transport = MemoryStore(), MemoryTransport()
    pipeline = Pipeline(topology, store, transport, Logger("test", level="critical"))
    deliveries = []
    for index, (message_type, payload) in enumerate(events):
        for _ in range(copies):
            deliveries.append(delivery(message_type, payload, message_id=f"event-{index}"))
    for item in (order(deliveries) if order else deliveries):
        asyncio.run(pipeline.process(item, topology.queue("customer.projection")))
    assert len(transport.acked) == len(deliveries), "every delivery is acked"
    assert transport.published == [], f"nothing is dead-lettered or retried: {transport.published}"
    return store


@pytest.mark.parametrize("scenario", ["confirmed", "cancelled", "refused"])
def test_every_order_of_a_calls_events_ends_in_the_same_views(topology, scenario):
    events = call_events()[scenario]
    expected = replay(topology, events).views()
    for permutation in itertools.permutations(range(len(events))):
        got = replay(topology, [events[i] for i in permutation]).views()
        assert got == expected, f"{scenario}: order {permutation} ended in {got}, in-order in {expected}"


@pytest.mark.parametrize("seed", range(20))
def test_shuffled_and_duplicated_events_of_many_calls_converge(topology, seed):
    events = []
    for call, scenario in enumerate(["confirmed", "cancelled", "refused"] * 3, start=1):
        events += call_events(call=call, tel=f"0101234{call:04d}")[scenario]
    expected = replay(topology, events).views()
    got = replay(topology, events, copies=3, order=lambda d: random.Random(seed).sample(d, len(d))).views()
    assert got == expected


def test_the_views_say_what_the_customer_sees(topology):
    confirmed = replay(topology, call_events(call=1)["confirmed"]).views()
    assert confirmed[0] == [projection.Page(id=1, tel="01012345678", location="마포", unit="M-101", status="호출확정", rank=30)]
    assert [(n.id, n.event, n.tel) for n in confirmed[1]] == [
        (11, "StorageCalled", "01012345678"), (12, "AssignmentRequested", "01012345678"), (13, "StorageAssigned", "01012345678")]
    assert confirmed[1][2].message == "보관함 M-101 배정: 마포 (호출확정)"

    pages, notes = replay(topology, call_events(call=2)["cancelled"]).views()
    assert (pages[0].status, pages[0].unit) == ("호출취소", "M-101"), "a cancelled call keeps the unit it had, and ends cancelled"
    assert [n.event for n in notes] == ["StorageCalled", "AssignmentRequested", "StorageAssigned", "StorageCallCancelled",
                                        "StorageReleased"]

    pages, notes = replay(topology, call_events(call=3)["refused"]).views()
    assert (pages[0].status, pages[0].unit) == ("호출취소", None)
    assert "no free unit at 마포" in notes[3].message


def test_a_later_stage_is_never_overwritten_by_an_earlier_one(topology):
    events = call_events(call=4)["confirmed"]
    pages, _ = replay(topology, list(reversed(events))).views()
    assert pages[0].status == "호출확정", f"StorageCalled (호출) arriving last must not win: {pages[0]}"


def test_a_notification_learns_the_telephone_number_from_a_later_event(topology):
    assigned = call_events(call=5)["confirmed"][2]
    called = call_events(call=5)["confirmed"][0]
    _, notes = replay(topology, [assigned, called]).views()
    assert [(n.event, n.tel) for n in notes] == [("StorageCalled", "01012345678"), ("StorageAssigned", "01012345678")]
