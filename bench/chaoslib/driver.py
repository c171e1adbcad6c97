"""The load: 100 concurrent clients at a steady total rate, each a thread with a keep-alive
HTTP connection to the ingress, sending what the original system's users sent (the system's
plug-in says what: `chaoslib/systems/<name>.py`, `operation`). Every request carries an
Idempotency-Key; a request whose connection broke before an answer is sent again with the
same key (the same command), up to 3 times."""

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Results:
    """What the clients saw; shared by every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = Counter()             # operation -> requests sent
        self.statuses = Counter()         # (operation, status) -> count; status "error" when no answer
        self.latency = {}                 # operation -> [seconds] of answered requests
        self.created = []                 # reservation ids answered 201
        self.cancelled = set()            # reservation ids whose DELETE answered 2xx
        self.accepted = []                # 202 answers: (operation, location)
        self.retries = 0
        self.cancellable = []             # ids created and not yet cancelled by us
        self.extra = {}                   # what a system's plug-in records besides
        self.client_errors = Counter()    # exceptions raised by the plug-in's operation

    def record(self, operation, status, seconds):
        with self.lock:
            self.statuses[(operation, status)] += 1
            if status != "error":
                self.latency.setdefault(operation, []).append(seconds)

    def by_status(self):
        table = {}
        for (operation, status), count in sorted(self.statuses.items(), key=lambda item: (item[0][0], str(item[0][1]))):
            table.setdefault(operation, {})[str(status)] = count
        return table


class Client:
    """One keep-alive connection to the ingress."""

    def __init__(self, host, port, timeout=10):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes); raises OSError/HTTPException when there was no answer."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Accept": "application/json"}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        try:
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
            payload = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, dict(response.getheaders()), payload
        except Exception:
            self.close()
            raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Driver:
    """Sends operations at `rate` per second in total from `clients` threads until stopped;
    what one operation is, the system's plug-in says (`system.operation`)."""

    def __init__(self, client_factory, rate, clients=100, seed=None, system=None):
        self.client_factory = client_factory
        self.rate, self.clients = rate, clients
        self.system = system
        self.results = Results()
        self.stop_event = threading.Event()
        self.threads = []
        self.random = random.Random(seed)

    def send(self, client, operation, method, path, body, headers=None):
        """Sends once, again with the same Idempotency-Key on a broken connection (3 tries)."""
        key = str(uuid.uuid4())
        with self.results.lock:
            self.results.sent[operation] += 1
        started = time.monotonic()
        for attempt in range(3):
            try:
                status, answer_headers, payload = client.request(method, path, body, dict(headers or {}, **{"Idempotency-Key": key}))
                self.results.record(operation, status, time.monotonic() - started)
                return status, answer_headers, payload
            except Exception:
                if attempt < 2:
                    with self.results.lock:
                        self.results.retries += 1
                    time.sleep(0.2 * (attempt + 1))
        self.results.record(operation, "error", time.monotonic() - started)
        return None, {}, b""

    def one(self, client, rng):
        try:
            self.system.operation(self, client, rng)
        except Exception as error:   # a bug of the plug-in: counted and reported, the client goes on
            with self.results.lock:
                self.results.client_errors[f"{type(error).__name__}: {error}"] += 1

    def run_client(self, index):
        rng = random.Random(self.random.random() + index)
        client = self.client_factory()
        interval = self.clients / self.rate
        next_at = time.monotonic() + rng.random() * interval
        while not self.stop_event.is_set():
            delay = next_at - time.monotonic()
            if delay > 0 and self.stop_event.wait(delay):
                break
            self.one(client, rng)
            next_at = max(next_at + interval, time.monotonic() - interval)
        client.close()

    def start(self):
        for index in range(self.clients):
            thread = threading.Thread(target=self.run_client, args=(index,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)


def created_id(headers, payload):
    """The new resource's id: the Location header's last segment, else the body's `id`."""
    location = headers.get("Location") or headers.get("location")
    if location:
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if tail.isdigit():
            return int(tail)
    try:
        value = json.loads(payload or b"{}").get("id")
        return int(value) if value is not None else None
    except (ValueError, AttributeError, TypeError):
        return None
