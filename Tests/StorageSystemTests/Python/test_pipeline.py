"""The reliability protocol's decisions for one delivery, without servers: poison messages to
the dead letters with the Swift runtime's headers, duplicates acked without effect, transient
failures through the delay queues, a lost database left unacked for the worker to retry."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from conftest import MemoryStore, MemoryTransport, call_events, delivery
from warren_customer.logs import Logger
from warren_customer.pipeline import Pipeline, StoreUnavailable

CALLED = call_events()["confirmed"][0]


def run(topology, item, store=None):
    store = store or MemoryStore()
    transport = MemoryTransport()
    lines: list[str] = []
    pipeline = Pipeline(topology, store, transport, Logger("warren.worker", level="debug", write=lines.append,
                                                            metadata={"context": "customer"}))
    outcome = asyncio.run(pipeline.process(item, topology.queue("customer.projection")))
    return outcome, store, transport, lines


def dead_letter(transport):
    assert len(transport.published) == 1, f"one message published: {transport.published}"
    letter = transport.published[0]
    assert letter["exchange"] == "customer.dead"
    return letter


@pytest.mark.parametrize("body, reason, text", [
    (b"{not json", "schema-violation", "`$` is not valid JSON"),
    (b"", "schema-violation", "`$` is empty"),
    (b'["a list"]', "schema-violation", "`$` must be a JSON object, got an array"),
    (b'{"storagecallId": "7", "tel": "010", "location": "x", "cost": 1, "status": "s"}', "schema-violation",
     "`storagecallId` must be an int, got a string"),
    (b'{"storagecallId": 7, "tel": "010", "location": "x", "status": "s"}', "schema-violation",
     "`cost` is missing: it is a required int"),
    (b'{"storagecallId": 7.5, "tel": "010", "location": "x", "cost": 1, "status": "s"}', "schema-violation",
     "`storagecallId` must be an int, got a number"),
])
def test_a_poison_body_is_dead_lettered_with_its_reason_and_acked(topology, body, reason, text):
    item = delivery("storagecall.StorageCalled", body)
    outcome, store, transport, lines = run(topology, item)
    assert outcome == "dead"
    letter = dead_letter(transport)
    headers = letter["headers"]
    assert headers["x-death-reason"] == reason
    assert text in headers["x-death-message"], headers["x-death-message"]
    assert headers["x-death-message"].startswith("storagecall.StorageCalled: ")
    assert (headers["x-original-exchange"], headers["x-original-routing-key"], headers["x-original-queue"]) == (
        "storagecall.events", "storagecall.StorageCalled", "customer.projection")
    assert isinstance(headers["x-failed-at"], datetime.datetime)
    assert headers["x-attempt"] == 1 and letter["body"] == body, "the original headers and body are kept"
    assert letter["routing_key"] == "storagecall.StorageCalled"
    assert letter["properties"]["message_id"] == item.properties["message_id"]
    assert transport.acked == [item] and store.inbox == {}, "acked, with no effect"
    assert any("level=error" in line and 'msg="message dead-lettered"' in line and f"reason={reason}" in line
               and f"message_id={item.properties['message_id']}" in line and "correlation_id=conversation-1" in line
               for line in lines), lines


def test_an_unknown_type_is_dead_lettered(topology):
    outcome, _, transport, _ = run(topology, delivery("storagecall.StorageCallRenamed", {"storagecallId": 1}))
    assert outcome == "dead"
    headers = dead_letter(transport)["headers"]
    assert headers["x-death-reason"] == "unknown-type"
    assert headers["x-death-message"].startswith("queue customer.projection takes storagecall.StorageCalled, ")
    assert headers["x-death-message"].endswith("; got type storagecall.StorageCallRenamed")


def test_a_message_without_id_or_type_is_dead_lettered_as_missing_envelope(topology):
    item = delivery(*CALLED)
    item.properties["message_id"] = None
    outcome, _, transport, _ = run(topology, item)
    assert outcome == "dead"
    assert dead_letter(transport)["headers"]["x-death-reason"] == "missing-envelope"


def test_a_body_that_is_not_json_by_its_content_type_is_dead_lettered(topology):
    item = delivery(*CALLED)
    item.properties["content_type"] = "text/plain"
    _, _, transport, _ = run(topology, item)
    assert dead_letter(transport)["headers"]["x-death-reason"] == "wrong-content-type"


def test_a_duplicate_is_acked_without_a_second_effect(topology):
    store = MemoryStore()
    first = delivery(*CALLED, message_id="m-1")
    assert run(topology, first, store)[0] == "handled"
    before = store.views()
    outcome, _, transport, lines = run(topology, delivery(*CALLED, message_id="m-1"), store)
    assert outcome == "duplicate" and len(transport.acked) == 1 and transport.published == []
    assert store.views() == before
    assert store.inbox["m-1"] == {"type": "storagecall.StorageCalled", "queue": "customer.projection",
                                  "correlation_id": "conversation-1", "causation_id": None, "sender": "storagecall"}


def test_a_transient_failure_goes_to_the_delay_queue_of_its_attempt(topology):
    store = MemoryStore()
    store.failure = RuntimeError("deadlock detected")
    for attempt, delay_queue in [(1, "customer.retry.1s"), (2, "customer.retry.5s"), (3, "customer.retry.25s")]:
        outcome, _, transport, lines = run(topology, delivery(*CALLED, attempt=attempt), store)
        assert outcome == "retried"
        retried = transport.published[0]
        assert (retried["exchange"], retried["routing_key"]) == ("customer.retry", delay_queue)
        assert retried["headers"]["x-attempt"] == attempt + 1
        assert retried["headers"]["warren-retry-queue"] == "customer.projection"
        assert "deadlock detected" in retried["headers"]["x-last-error"]
        assert len(transport.acked) == 1


def test_the_last_attempt_dead_letters_as_retries_exhausted(topology):
    store = MemoryStore()
    store.failure = RuntimeError("deadlock detected")
    outcome, _, transport, _ = run(topology, delivery(*CALLED, attempt=4), store)
    assert outcome == "dead"
    headers = dead_letter(transport)["headers"]
    assert headers["x-death-reason"] == "retries-exhausted"
    assert headers["x-death-message"] == "failed 4 time(s), last: RuntimeError: deadlock detected"


def test_a_lost_database_is_not_the_messages_fault_it_stays_unacked(topology):
    store = MemoryStore()
    store.failure = StoreUnavailable("connection refused")
    transport = MemoryTransport()
    pipeline = Pipeline(topology, store, transport, Logger("test", level="critical"))
    with pytest.raises(StoreUnavailable):
        asyncio.run(pipeline.process(delivery(*CALLED), topology.queue("customer.projection")))
    assert transport.acked == [] and transport.published == [], "neither acked, retried nor dead-lettered"
