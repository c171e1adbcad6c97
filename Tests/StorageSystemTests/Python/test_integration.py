"""The customer worker against the real servers (scripts/servers start), as a subprocess on a
private vhost and database: events with the fleet's envelope end in the views; duplicates and
shuffled orders converge; a poison message lands in customer.dead with its reason; a SIGKILL
mid-stream and a restart leave the views exactly right; SIGTERM stops it cleanly.

Needs AMQP_URL, DATABASE_URL, RABBITMQ_MANAGEMENT_URL (scripts/check-python sets them from
scripts/servers env) and the built `warren` (to apply the topology)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

import aio_pika
import psycopg
import pytest

from conftest import PACKAGE, REPO, call_events, envelope_properties

# How long the worker gets to reach a state before a test gives up: a bound on waiting, not
# an expectation about speed; every assertion is on what the views and queues hold.
PATIENCE = 60


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run scripts/servers start and eval \"$(scripts/servers env)\" (scripts/check-python does)")
    return value


def with_path(url: str, path: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + path, parts.query, ""))


def management(method: str, path: str, body: dict | None = None):
    parts = urllib.parse.urlsplit(required("RABBITMQ_MANAGEMENT_URL"))
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    credentials = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
    request.add_header("Authorization", "Basic " + b64encode(credentials.encode()).decode())
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else None


class Namespace:
    """A vhost and a database of their own, with the storage topology applied."""

    def __init__(self) -> None:
        self.name = f"pytest_customer_{uuid.uuid4().hex[:10]}"
        amqp, database = required("AMQP_URL"), required("DATABASE_URL")
        user = urllib.parse.unquote(urllib.parse.urlsplit(amqp).username or "guest")
        management("PUT", f"/api/vhosts/{self.name}", {})
        management("PUT", f"/api/permissions/{self.name}/{urllib.parse.quote(user)}", {"configure": ".*", "write": ".*", "read": ".*"})
        with psycopg.connect(database, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.amqp_url = with_path(amqp, self.name)
        self.database_url = with_path(database, self.name)
        binary = os.environ.get("WARREN_BIN") or str(REPO / ".build" / "debug" / "warren")
        applied = subprocess.run([binary, "topology", "apply", "--system", "storage", "--url", self.amqp_url, str(REPO / "topology")],
                                 capture_output=True, text=True, timeout=120)
        assert applied.returncode == 0, f"warren topology apply failed: {applied.stdout}\n{applied.stderr}"

    def drop(self) -> None:
        management("DELETE", f"/api/vhosts/{self.name}")
        with psycopg.connect(required("DATABASE_URL"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WorkerProcess:
    def __init__(self, namespace: Namespace, log_path) -> None:
        self.namespace, self.log_path = namespace, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        environment = {**os.environ, "AMQP_URL": self.namespace.amqp_url, "DATABASE_URL": self.namespace.database_url,
                       "HEALTH_PORT": str(self.port), "TOPOLOGY_DIR": str(REPO / "topology"), "LOG_LEVEL": "debug",
                       "PYTHONPATH": str(PACKAGE), "SHUTDOWN_GRACE_SECONDS": "10"}
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "warren_customer"], env=environment, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.wait_until(lambda: self.get("/readyz")[0] == 200, "ready (/readyz 200)")

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            return 0, {}

    def wait_until(self, condition, what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}) before {what}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker never became {what}:\n{self.output()}")
            time.sleep(0.1)

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def namespace():
    space = Namespace()
    yield space
    space.drop()


@pytest.fixture
def worker(namespace, tmp_path):
    process = WorkerProcess(namespace, tmp_path / "worker.log")
    process.start()
    yield process
    if process.process.poll() is None:
        process.kill()
    process.log.close()


def publish(namespace: Namespace, messages: list[tuple[str, bytes, dict, dict]]) -> None:
    """(routing key, body, properties, headers), published on the emitting context's events
    exchange with publisher confirms, as a Swift worker's outbox does."""
    async def send():
        connection = await aio_pika.connect(namespace.amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            for routing_key, body, properties, headers in messages:
                exchange = await channel.get_exchange(routing_key.split(".")[0] + ".events", ensure=False)
                props = dict(properties)
                if isinstance(props.get("timestamp"), int):
                    import datetime
                    props["timestamp"] = datetime.datetime.fromtimestamp(props["timestamp"], datetime.timezone.utc)
                await exchange.publish(aio_pika.Message(body=body, headers=headers, **props), routing_key=routing_key)
    asyncio.run(send())


def event_messages(events, *, id_prefix: str, correlation_id: str = "conversation-1"):
    messages = []
    for index, (message_type, payload) in enumerate(events):
        properties, headers = envelope_properties(message_type, message_id=f"{id_prefix}-{index}", correlation_id=correlation_id,
                                                  causation_id=f"cause-{index}")
        messages.append((message_type, json.dumps(payload, ensure_ascii=False).encode("utf-8"), properties, headers))
    return messages


def ready_messages(namespace: Namespace, queue: str) -> int:
    """Messages ready in a queue (a passive declare's count; none of them unacknowledged)."""
    async def count():
        connection = await aio_pika.connect(namespace.amqp_url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            return declared.declaration_result.message_count
    return asyncio.run(count())


def outcomes(worker: "WorkerProcess") -> dict[str, int]:
    """The worker's warren_outcomes_total by outcome, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith("warren_outcomes_total{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('outcome="')[1].split('"')[0]] = int(value)
    return found


def query(namespace: Namespace, sql: str, parameters=()):
    with psycopg.connect(namespace.database_url) as db:
        return db.execute(sql, parameters).fetchall()


def inbox_count(namespace: Namespace) -> int:
    return query(namespace, "SELECT count(*) FROM customer.warren_inbox")[0][0]


def views(namespace: Namespace):
    pages = query(namespace, "SELECT id, tel, location, unit, status FROM customer.mypages ORDER BY id")
    notes = query(namespace, "SELECT id, storagecall_id, tel, event, message FROM customer.notifications ORDER BY id")
    return pages, notes


def many_calls(count: int):
    events = []
    for call in range(1, count + 1):
        scenario = ["confirmed", "cancelled", "refused"][call % 3]
        events += call_events(call=call, tel=f"0101234{call:04d}", location=["마포", "강남"][call % 2])[scenario]
    return events


def expected_views(events):
    """The views the in-memory projection computes for these events, in order, once each."""
    from conftest import MemoryStore
    from warren_customer import projection
    store = MemoryStore()
    from warren_customer.envelope import Envelope
    for index, (message_type, payload) in enumerate(events):
        asyncio.run(store.apply(Envelope(f"x-{index}", "c", message_type), "q", projection.fact(message_type, payload)))
    pages, notes = store.views()
    return ([(p.id, p.tel, p.location, p.unit, p.status) for p in pages],
            [(n.id, n.storagecall_id, n.tel, n.event, n.message) for n in notes])


def test_events_with_the_fleets_envelope_end_in_the_views_and_the_inbox(namespace, worker):
    events = call_events(call=1)["confirmed"]
    publish(namespace, event_messages(events, id_prefix="m"))
    worker.wait_until(lambda: inbox_count(namespace) == 3, "done with the 3 events")
    pages, notes = views(namespace)
    assert pages == [(1, "01012345678", "마포", "M-101", "호출확정")]
    assert [(n[0], n[3]) for n in notes] == [(11, "StorageCalled"), (12, "AssignmentRequested"), (13, "StorageAssigned")]
    inbox = query(namespace, "SELECT message_id, type, queue, correlation_id, causation_id, sender FROM customer.warren_inbox ORDER BY message_id")
    assert inbox[0] == ("m-0", "storagecall.StorageCalled", "customer.projection", "conversation-1", "cause-0", "storagecall"), \
        "the inbox row `warren trace` reads"
    log = worker.output()
    assert "label=warren.worker" in log and "context=customer" in log and "correlation_id=conversation-1" in log


def test_shuffled_and_duplicated_events_converge_to_the_in_order_views(namespace, worker):
    events = many_calls(30)
    messages = event_messages(events, id_prefix="s") * 3
    random.Random(21).shuffle(messages)
    publish(namespace, messages)
    worker.wait_until(lambda: sum(outcomes(worker).values()) == len(messages), f"done with all {len(messages)} deliveries")
    assert outcomes(worker) == {"handled": len(events), "duplicate": 2 * len(events)}
    assert views(namespace) == expected_views(events)
    assert ready_messages(namespace, "customer.dead") == 0, "nothing dead-lettered"


def test_a_poison_message_lands_in_customer_dead_with_its_reason(namespace, worker):
    good = event_messages(call_events(call=9)["confirmed"][:1], id_prefix="g")
    properties, headers = envelope_properties("storagecall.StorageCalled", message_id="poison-1")
    wrong_type = ("storagecall.StorageCalled", json.dumps({"storagecallId": "nine", "tel": "0", "location": "x", "cost": 1,
                                                           "status": "호출"}).encode(), properties, headers)
    properties2, headers2 = envelope_properties("storagecall.StorageCalled", message_id="poison-2")
    not_json = ("storagecall.StorageCalled", b"{oops", properties2, headers2)
    publish(namespace, [wrong_type, not_json] + good)
    worker.wait_until(lambda: inbox_count(namespace) == 1, "done with the good event")
    worker.wait_until(lambda: ready_messages(namespace, "customer.dead") == 2, "2 dead letters")
    letters = management("POST", f"/api/queues/{namespace.name}/customer.dead/get",
                         {"count": 2, "ackmode": "ack_requeue_true", "encoding": "auto"})
    by_id = {letter["properties"]["message_id"]: letter["properties"]["headers"] for letter in letters}
    assert by_id["poison-1"]["x-death-reason"] == "schema-violation"
    assert "`storagecallId` must be an int, got a string" in by_id["poison-1"]["x-death-message"]
    assert by_id["poison-2"]["x-death-reason"] == "schema-violation"
    assert "is not valid JSON" in by_id["poison-2"]["x-death-message"]
    assert by_id["poison-1"]["x-original-queue"] == "customer.projection"
    assert by_id["poison-1"]["x-original-exchange"] == "storagecall.events"
    assert views(namespace)[0] == [(9, "01012345678", "마포", None, "호출")], "the good event after them was handled"
    assert worker.process.poll() is None, "the worker never crashes on bad input"


def test_killed_mid_stream_and_restarted_the_views_end_exactly_right(namespace, worker):
    events = many_calls(150)
    messages = event_messages(events, id_prefix="k")
    random.Random(9).shuffle(messages)
    publish(namespace, messages)
    worker.wait_until(lambda: inbox_count(namespace) >= len(events) // 5, "part-way through the stream")
    worker.kill()
    handled_before = inbox_count(namespace)
    assert handled_before < len(events), "killed mid-stream (every event was already handled: raise the count)"
    worker.start()
    worker.wait_until(lambda: inbox_count(namespace) == len(events), f"done with all {len(events)} events after the restart")
    worker.wait_until(lambda: ready_messages(namespace, "customer.projection") == 0, "done with the queue")
    assert views(namespace) == expected_views(events)
    assert ready_messages(namespace, "customer.dead") == 0


def test_sigterm_stops_consuming_finishes_and_exits_zero(namespace, worker):
    publish(namespace, event_messages(call_events(call=3)["cancelled"], id_prefix="t"))
    worker.wait_until(lambda: inbox_count(namespace) == 5, "done with the 5 events")
    assert worker.terminate() == 0, worker.output()
    log = worker.output()
    assert 'msg="consumers cancelled and in-flight deliveries finished"' in log and 'msg="worker stopped"' in log, log
