"""The servers a chaos run talks to: RabbitMQ's management API, PostgreSQL through psql, and
scripts/servers for stopping and starting them. Standard library only."""

import base64
import csv
import io
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


class Servers:
    """scripts/servers of this checkout; the ports come from WARREN_*_PORT or its last start."""

    def __init__(self, root):
        self.script = os.path.join(root, "scripts", "servers")

    def run(self, *args, check=True):
        started = time.monotonic()
        # A restarted server must come back on the ports the fleet was given, or fail: never
        # on the next free one (scripts/test sets WARREN_PICK_FREE_PORTS=1 for its first start).
        done = subprocess.run([self.script, *args], capture_output=True, text=True,
                              env=dict(os.environ, WARREN_PICK_FREE_PORTS="0"))
        if check and done.returncode != 0:
            raise RuntimeError(f"scripts/servers {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return time.monotonic() - started

    def env(self):
        text = subprocess.run([self.script, "env"], capture_output=True, text=True, check=True).stdout
        values = {}
        for line in text.splitlines():
            if line.startswith("export ") and "=" in line:
                name, value = line[len("export "):].split("=", 1)
                values[name] = value.strip("'")
        return values


class Management:
    """RabbitMQ's management HTTP API (RABBITMQ_MANAGEMENT_URL, user:password in the URL)."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port}"
        token = base64.b64encode(f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json"}

    def request(self, method, path, body=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=self.headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return json.loads(text) if text else None

    def create_vhost(self, vhost, user="guest"):
        quoted = urllib.parse.quote(vhost, safe="")
        self.request("PUT", f"/api/vhosts/{quoted}", {})
        self.request("PUT", f"/api/permissions/{quoted}/{user}", {"configure": ".*", "write": ".*", "read": ".*"})

    def delete_vhost(self, vhost):
        try:
            self.request("DELETE", f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}")
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise

    def queues(self, vhost):
        """Every queue of the vhost: name, messages (ready + unacked, + waiting to be dead-lettered
        for a quorum queue), ready, unacked, dlx (a quorum queue's dead-lettered messages that the
        broker has not yet handed to the dead-letter exchange, at-least-once), consumers."""
        rows = self.request("GET", f"/api/queues/{urllib.parse.quote(vhost, safe='')}"
                                   "?columns=name,messages,messages_ready,messages_unacknowledged,messages_dlx,consumers")
        return [{"name": q["name"], "messages": q.get("messages", 0) or 0, "ready": q.get("messages_ready", 0) or 0,
                 "unacked": q.get("messages_unacknowledged", 0) or 0, "dlx": q.get("messages_dlx", 0) or 0,
                 "consumers": q.get("consumers", 0) or 0} for q in rows]

    def peek(self, vhost, queue, count=5000):
        """Reads up to `count` messages and puts them back (ack_requeue_true): for dead-letter
        queues only, which nobody consumes."""
        path = f"/api/queues/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(queue, safe='')}/get"
        return self.request("POST", path, {"count": count, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 512},
                            timeout=60)


class Database:
    """PostgreSQL through `psql` (CSV out), so the tool needs no driver."""

    def __init__(self, url):
        self.url = url

    def with_name(self, name):
        parts = urllib.parse.urlsplit(self.url)
        return Database(urllib.parse.urlunsplit(parts._replace(path="/" + name)))

    def as_user(self, user, password):
        parts = urllib.parse.urlsplit(self.url)
        host = parts.netloc.rsplit("@", 1)[-1]
        netloc = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{host}"
        return Database(urllib.parse.urlunsplit(parts._replace(netloc=netloc)))

    def ensure_reader(self, role="warren_reader", password="warren_reader"):
        """The read-only role the ingress logs in as (README, "The read-only role"), created
        once per cluster if missing, with the password the tests use; idempotent, and safe
        beside another tool creating it at the same moment. Returns this database as that role."""
        self.execute(f"DO $$ BEGIN CREATE ROLE {role} LOGIN PASSWORD '{password}'; "
                     "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        return self.as_user(role, password)

    def execute(self, sql, timeout=60):
        done = subprocess.run(["psql", self.url, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c", sql],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}\n  in: {sql[:200]}")

    def rows(self, sql, timeout=120):
        """The rows of a query as dicts (values are strings; NULL is None)."""
        done = subprocess.run(["psql", self.url, "-X", "-q", "--csv", "-P", "null=\x01", "-c", sql],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}\n  in: {sql[:200]}")
        reader = csv.DictReader(io.StringIO(done.stdout))
        return [{k: (None if v == "\x01" else v) for k, v in row.items()} for row in reader]

    def value(self, sql):
        rows = self.rows(sql)
        return next(iter(rows[0].values())) if rows else None


def amqp_url_with_vhost(url, vhost):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(vhost, safe="")))
