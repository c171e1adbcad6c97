"""The bad-input campaign: malformed JSON, wrong types, huge bodies and unknown message types,
through HTTP and straight onto every queue the fleet consumes; random bytes, messages without
content type or without any property, and redelivered poison (a bad message taken once and put
back by a client, so the worker receives it with `redelivered` set).

Every injected message carries `message_id` = `correlation_id` = `chaos-bad-<kind>-<n>` (the
bare ones only a body starting with that), every bad HTTP request an `X-Correlation-Id` of the
same form, so each dead letter found later is explained, or not, by one of them."""

import json
import os
import re
import time
from collections import Counter

import pika

BAD_PREFIX = "chaos-bad-"
POISON = b'{"requestId": '


def consumed_types(topology_dir):
    """{queue: [types]} from topology/<system>/*.yaml: each queue's `consumes` (inline or block
    list), and `<context>.rpc` for a context's `rpc:` endpoints."""
    queues = {}
    for file in sorted(os.listdir(topology_dir)):
        if not file.endswith(".yaml") or file == "gateway.yaml":
            continue
        context, section, queue, in_consumes = file[:-len(".yaml")], None, None, False
        for line in open(os.path.join(topology_dir, file)):
            if re.match(r"^\S", line):
                section, queue, in_consumes = line.split(":")[0].strip(), None, False
                continue
            key = re.match(r"^  ([\w.-]+):", line)
            if key and section == "rpc":
                queues.setdefault(f"{context}.rpc", []).append(f"{context}.{key.group(1)}")
            elif key and section == "queues":
                queue, in_consumes = key.group(1), False
                queues[queue] = []
            inline = re.match(r"^    consumes:\s*\[(.*)\]", line)
            if section == "queues" and queue and inline:
                queues[queue] = [t.strip() for t in inline.group(1).split(",") if t.strip()]
            elif section == "queues" and queue and re.match(r"^    consumes:\s*$", line):
                in_consumes = True
            elif in_consumes and re.match(r"^      - ", line):
                queues[queue].append(line.strip()[2:].strip())
            elif re.match(r"^    \S", line):
                in_consumes = False
    return {q: types for q, types in queues.items() if types}


class Campaign:
    def __init__(self, amqp_url, topology_dir, http_client_factory, fleet, http_cases=(), log=print):
        """`http_cases`: the system's bad requests, (kind, method, path, body, content type),
        each to be answered 4xx (its plug-in's `bad_http_cases`)."""
        self.amqp_url = amqp_url
        self.http_cases_given = list(http_cases)
        self.queues = consumed_types(topology_dir)
        self.http_client_factory = http_client_factory
        self.fleet = fleet
        self.log = log
        self.sent = Counter()                  # kind -> count (http:KIND or amqp:KIND)
        self.http_outcomes = Counter()         # (kind, status)
        self.injected = {}                     # id -> kind
        self.bare_bodies = {}                  # body prefix -> kind
        self.serial = 0
        self.problems = []

    def next_id(self, kind):
        self.serial += 1
        identifier = f"{BAD_PREFIX}{kind}-{self.serial}"
        self.injected[identifier] = kind
        return identifier

    # -- HTTP ----------------------------------------------------------------------------

    def http_cases(self):
        return self.http_cases_given

    def run_http(self, repeat=3):
        client = self.http_client_factory()
        for _ in range(repeat):
            for kind, method, path, body, content_type in self.http_cases():
                identifier = self.next_id(f"http-{kind}")
                headers = {"X-Correlation-Id": identifier}
                if content_type:
                    headers["Content-Type"] = content_type
                self.sent[f"http:{kind}"] += 1
                # A refusal that only the worker can give (an unknown id, a value its handler
                # refuses) is rightly a 503 while the faults hold the broker or the worker down:
                # asked again for up to a minute, as a client would, until it is refused.
                deadline = time.monotonic() + 60
                while True:
                    try:
                        status, answer_headers, _ = client.request(method, path, body, headers)
                    except Exception as error:
                        status, answer_headers = f"no answer ({type(error).__name__})", {}
                    if status != 503 or time.monotonic() > deadline:
                        break
                    self.http_outcomes[(kind, "503, asked again")] += 1
                    time.sleep(2)
                # Not handled within the ingress's wait (a worker behind its backlog): the
                # outcome is polled at Location, as the 202 says, for up to a minute.
                location = answer_headers.get("Location") or answer_headers.get("location")
                if status == 202 and location:
                    self.http_outcomes[(kind, "202, polled")] += 1
                while status == 202 and location and time.monotonic() < deadline + 60:
                    time.sleep(0.5)
                    try:
                        status, _, _ = client.request("GET", location, None, {"X-Correlation-Id": identifier})
                    except Exception as error:
                        status = f"no answer ({type(error).__name__})"
                self.http_outcomes[(kind, status)] += 1
                if not (isinstance(status, int) and 400 <= status < 500):
                    self.problems.append(f"HTTP {kind}: answered {status}, expected a 4xx")
        client.close()

    # -- AMQP ----------------------------------------------------------------------------

    def amqp_cases(self, queue, types):
        """(kind, body, properties-maker) for one queue."""
        context = queue.split(".")[0]
        valid_type = types[0]
        # Huge AND invalid (requestId of the wrong type): with a valid requestId the body is a
        # well-formed payment.VoidPayment (unknown members are ignored), which the worker rightly
        # handles, voiding a real request's payment, instead of dead-lettering it.
        huge = json.dumps({"requestId": "huge", "pad": "x" * (2 * 1024 * 1024)}).encode()

        def props(identifier, type_=valid_type, content_type="application/json"):
            return pika.BasicProperties(message_id=identifier, correlation_id=identifier, type=type_,
                                        content_type=content_type, delivery_mode=2, app_id="chaos")
        return [
            ("malformed-json", b'{"requestId": 12,', lambda i: props(i)),
            ("wrong-types", json.dumps({"requestId": [True], "id": "x", "price": {}, "requestDate": 7, "payKind": 3}).encode(),
             lambda i: props(i)),
            ("unknown-type", b"{}", lambda i: props(i, type_=f"{context}.NoSuchMessage")),
            ("random-bytes", os.urandom(512), lambda i: props(i)),
            ("no-content-type", b'{"requestId": "seven"}', lambda i: props(i, content_type=None)),
            ("huge-body", huge, lambda i: props(i)),
        ]

    def connect(self, within=120):
        """A confirming channel, waiting out a broker the faults are restarting."""
        deadline = time.monotonic() + within
        while True:
            try:
                connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
                channel = connection.channel()
                channel.confirm_delivery()
                return connection, channel
            except pika.exceptions.AMQPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    @staticmethod
    def close(connection):
        try:
            if connection is not None and connection.is_open:
                connection.close()
        except Exception:
            pass

    def run_amqp(self):
        """Every case onto every consumed queue. A broker restarted by the faults meanwhile is
        waited out and the case sent again under a new id (the first may have arrived: each id
        is known, so whatever dead-letters is explained)."""
        items = []
        for queue, types in sorted(self.queues.items()):
            for kind, body, make in self.amqp_cases(queue, types):
                items.append((queue, kind, body, make))
            items.append((queue, "bare", f"{BAD_PREFIX}amqp-bare-{queue} not json".encode(), None))
        connection, channel = self.connect()
        for queue, kind, body, make in items:
            for attempt in range(5):
                try:
                    if make is None:
                        self.bare_bodies[body.decode()] = "amqp-bare"
                        channel.basic_publish("", queue, body, pika.BasicProperties(), mandatory=True)
                    else:
                        channel.basic_publish("", queue, body, make(self.next_id(f"amqp-{kind}")), mandatory=True)
                    self.sent[f"amqp:{kind}"] += 1
                    break
                except pika.exceptions.AMQPError as error:
                    self.log(f"bad input: {queue} {kind}: {type(error).__name__}; again after reconnecting")
                    self.close(connection)
                    connection, channel = self.connect()
            else:
                self.problems.append(f"bad input: could not send {kind} to {queue} in 5 tries")
        self.close(connection)

    def run_redelivered_poison(self):
        """For each worker: hold it down, publish a poison message onto its first queue, take it
        without acking and close the channel (the broker puts it back, `redelivered`), release
        the worker, which must dead-letter it, not loop on it. A broker restarted by the faults
        meanwhile is waited out and the context's poison sent again (3 tries)."""
        by_context = {}
        for queue, types in sorted(self.queues.items()):
            by_context.setdefault(queue.split(".")[0], (queue, types))
        for context, (queue, types) in sorted(by_context.items()):
            for attempt in range(3):
                connection = None
                self.fleet.hold(context)
                try:
                    connection, channel = self.connect()
                    identifier = self.next_id("amqp-redelivered-poison")
                    channel.basic_publish("", queue, POISON, pika.BasicProperties(
                        message_id=identifier, correlation_id=identifier, type=types[0], content_type="application/json",
                        delivery_mode=2), mandatory=True)
                    # A consumer, not basic.get: single-active-consumer quorum queues refuse basic.get.
                    # What stands before the poison stays unacked and goes back with it.
                    taken = []
                    channel.basic_qos(prefetch_count=5000)
                    channel.basic_consume(queue, lambda ch, method, props, body: taken.append(body == POISON), auto_ack=False)
                    deadline = time.monotonic() + 5
                    while not any(taken) and time.monotonic() < deadline:
                        connection.process_data_events(time_limit=0.1)
                    channel.close()          # nothing acked: all back to the queue, redelivered
                    connection.close()
                    self.sent["amqp:redelivered-poison"] += 1
                    if not any(taken):
                        self.problems.append(f"redelivered poison: could not take it back from {queue}")
                    break
                except pika.exceptions.AMQPError as error:
                    self.log(f"redelivered poison on {queue}: {type(error).__name__}; again after reconnecting")
                    self.close(connection)
                finally:
                    self.fleet.release(context)
            else:
                self.problems.append(f"redelivered poison: could not send it to {queue} in 3 tries (the broker kept failing)")

    # -- where it ended ------------------------------------------------------------------

    def explain(self, message):
        """The injected kind that explains a dead letter, or None."""
        properties = message.get("properties") or {}
        for key in ("message_id", "correlation_id"):
            value = properties.get(key) or ""
            if value.startswith(BAD_PREFIX):
                return self.injected.get(value, value[len(BAD_PREFIX):].rsplit("-", 1)[0])
        payload = message.get("payload") or ""
        for body, kind in self.bare_bodies.items():
            if payload.startswith(body[:60]):
                return kind
        return None

