"""The storage rental system (issue 21): polyglot on one topology.

Contexts: storagemanage (serves the RequestAssignment RPC; Swift on an embedded SQLite file,
WarrenEmbedded), storageassign (assigns a free unit at the call's location; PostgreSQL),
storagecall (the calls; PostgreSQL), customer (the customer's views; a Python worker,
Sources/StorageSystem/Python/run, as `warren up storage` runs it).

Load, as the original's users typed it: `POST /storagecalls {tel, location, status: "호출", cost}`
(60 %; Korean locations of Seoul, 마포/강남/서초/..., each with its units in STORAGE_UNITS, enough
for the run; one in ten at 종로, which has two units, so "no free unit → 호출취소" compensations
happen), `DELETE /storagecalls/{id}` of a call the clients created (40 %; sometimes one cancelled
already). The slowed RPC server is storagemanage (STORAGEMANAGE_LATENCY_MS, 400-620 ms). Every
worker is SIGKILLed at random, the Python customer worker and storagemanage (SQLite) included.

How the shared machinery meets the two contexts that are not `warren worker` on PostgreSQL
(without touching it): the fleet starts `customer` as its Python program (a hook on
`Fleet._spawn` for that one process only) and does not ask `warren worker storage/customer`
whether it exists; storagemanage's inbox and outbox, which live in its SQLite file, are mirrored
twice a second into a PostgreSQL schema `storagemanage` of the run's database (`SqliteMirror`),
so quiescence waits on its outbox too and the inbox counts include it. The SQLite file is the
run's own (WARREN_SQLITE_PATH in the log directory), read read-only with python's sqlite3.

Invariants:
- calls: every 201 is one stored call with the tel, location, cost and status word sent, and it
  ends 호출확정 or 호출취소 (never 호출/호출중 once quiet), as does every stored call; a DELETE
  answered 200 left it 호출취소; a call stored without a 201 only for a POST not answered;
- units: each 호출확정 call holds exactly one unit of its location, recorded in storageassigns;
  no unit held by two calls or by a call that is not live (cancelled, dropped or unknown); a
  cancelled call holds no unit and its assignment, if any, is released;
- storagemanage: its SQLite records equal storagecall's (tel, location, cost, final status, the
  unit when confirmed); a record without a stored call is a dropped one (the caller gave up:
  503), 호출취소, in `drops`; its outbox is empty;
- customer: one mypage per call any event was published about, its status the highest event's
  and its unit the assigned one; notifications exactly one per call and event type published,
  each naming the call's location, with the call's tel once known;
- korean: every status, location and notification is intact UTF-8 in PostgreSQL, SQLite and
  through GET /storagecalls/{id} (a sample).
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter

from ..driver import Client, created_id
from .base import Slowed, System, quoted

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PYTHON_WORKER = os.path.join(ROOT, "Sources", "StorageSystem", "Python", "run")

CALLED, WAITING, CONFIRMED, CANCELLED = "호출", "호출중", "호출확정", "호출취소"
FINAL = {CONFIRMED, CANCELLED}
# Seoul's districts (종로 apart: the scarce location).
DISTRICTS = ["마포", "강남", "서초", "송파", "용산", "성동", "광진", "동대문", "중랑", "성북", "강북", "도봉", "노원", "은평",
             "서대문", "양천", "강서", "구로", "금천", "영등포", "동작", "관악", "강동", "중구", "영등포역"]
SCARCE = "종로"
SCARCE_UNITS = ["J-1", "J-2"]
UNITS_PER_LOCATION = 30
# What each event of a call means for the customer's page (customer/projection.py's ranks).
EVENT_RANK = {"StorageCalled": 10, "AssignmentRequested": 20, "StorageAssigned": 30, "StorageAssignFailed": 40,
              "StorageReleased": 45, "StorageCallCancelled": 50}
EVENT_CODE = {"StorageCalled": 1, "AssignmentRequested": 2, "StorageAssigned": 3, "StorageAssignFailed": 4,
              "StorageCallCancelled": 5, "StorageReleased": 6}


def locations_and_units(units):
    """(ample locations, STORAGE_UNITS) for about `units` units, UNITS_PER_LOCATION each (so
    storageassign's seeding of a location's units stays small), plus 종로's two."""
    # STORAGE_UNITS is one environment variable: Linux refuses one longer than 128 KiB
    # (MAX_ARG_STRLEN), about 15,000 units here.
    units = min(units, 15000)
    count = max(len(DISTRICTS), -(-units // UNITS_PER_LOCATION))
    names = [DISTRICTS[i % len(DISTRICTS)] + ("" if i < len(DISTRICTS) else str(i // len(DISTRICTS) + 1)) for i in range(count)]
    parts = [f"{name}={','.join(f'{i}-{j}' for j in range(UNITS_PER_LOCATION))}" for i, name in enumerate(names)]
    parts.append(f"{SCARCE}={','.join(SCARCE_UNITS)}")
    return names, ";".join(parts)


def listener_pid(port):
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    match = re.search(r"pid=(\d+)", out)
    return int(match.group(1)) if match else None


def cpu_seconds(pid):
    """(user + system seconds, start time) of a process, or None."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), fields[19]
    except (OSError, IndexError, TypeError):
        return None


def listener_environment(port):
    """The environment of the process listening on `port` (the ingress): its DATABASE_URL is
    the run's database."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    match = re.search(r"pid=(\d+)", out)
    if not match:
        return {}
    try:
        with open(f"/proc/{match.group(1)}/environ", "rb") as handle:
            pairs = handle.read().split(b"\0")
    except OSError:
        return {}
    return dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)


def sql_text(value):
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def read_sqlite(path, query, arguments=()):
    """Rows of a read-only query on storagemanage's file (WAL: a live writer is fine)."""
    connection = sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, timeout=10)
    try:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute(query, arguments).fetchall()]
    finally:
        connection.close()


class SqliteMirror:
    """storagemanage's inbox and outbox, copied from its SQLite file into the PostgreSQL schema
    `storagemanage` of the run's database twice a second: the shared quiescence and broker
    checks read every context's `warren_outbox` and `warren_inbox` there."""

    def __init__(self, sqlite_path, database):
        self.path, self.database = sqlite_path, database
        self.last_inbox_rowid = 0
        self.outbox = None
        self.stop_event = threading.Event()
        self.errors = Counter()
        database.execute("""
            CREATE SCHEMA IF NOT EXISTS storagemanage;
            COMMENT ON SCHEMA storagemanage IS 'bench/chaoslib: a mirror of storagemanage''s SQLite inbox and outbox';
            CREATE TABLE IF NOT EXISTS storagemanage.warren_inbox (message_id text PRIMARY KEY, type text, queue text);
            CREATE TABLE IF NOT EXISTS storagemanage.warren_outbox (id bigint PRIMARY KEY, exchange text, routing_key text,
                attempts int NOT NULL DEFAULT 0)""")
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        while not self.stop_event.wait(0.5):
            try:
                self.sync()
            except Exception as error:   # the file not there yet, the database restarting
                self.errors[type(error).__name__] += 1

    def sync(self):
        if not os.path.exists(self.path):
            return
        outbox = [(r["id"], r["exchange"], r["routing_key"], r["attempts"]) for r in read_sqlite(
            self.path, "SELECT id, exchange, routing_key, attempts FROM warren_outbox ORDER BY id")]
        inbox = read_sqlite(self.path, "SELECT rowid AS r, message_id, type, queue FROM warren_inbox WHERE rowid > ? "
                                       "ORDER BY rowid LIMIT 2000", (self.last_inbox_rowid,))
        statements = []
        if outbox != self.outbox:
            statements.append("DELETE FROM storagemanage.warren_outbox")
            if outbox:
                statements.append("INSERT INTO storagemanage.warren_outbox VALUES " + ",".join(
                    f"({i}, {sql_text(e)}, {sql_text(k)}, {int(a)})" for i, e, k, a in outbox))
        if inbox:
            statements.append("INSERT INTO storagemanage.warren_inbox VALUES " + ",".join(
                f"({sql_text(r['message_id'])}, {sql_text(r['type'])}, {sql_text(r['queue'])})" for r in inbox)
                + " ON CONFLICT DO NOTHING")
        if statements:
            self.database.execute("BEGIN; " + "; ".join(statements) + "; COMMIT")
            self.outbox = outbox
            if inbox:
                self.last_inbox_rowid = inbox[-1]["r"]

    def stop(self):
        self.stop_event.set()


FLEETS = []   # the run's fleet, seen by the spawn hook (for the scheduled SIGKILLs)


def python_env():
    """The customer worker's virtual environment, made before the fleet starts (scripts/python-env:
    installs the pinned requirements once), so its first start is not a pip install racing the
    fleet's 120 s readiness wait."""
    subprocess.run([os.path.join(ROOT, "scripts", "python-env")], stdout=subprocess.DEVNULL, check=True)


def install_hooks():
    """The fleet of bench/chaos runs `warren worker SYSTEM/CONTEXT`: the customer context is
    the Python program instead (as `warren up storage` runs it), and bench/chaos's check that
    `warren` knows every context skips it. Only the process `storage/customer` is affected."""
    from .. import fleet as fleet_module
    if getattr(fleet_module.Fleet._spawn, "storage_hook", False):
        return
    original_spawn = fleet_module.Fleet._spawn

    def spawn(fleet, process):
        FLEETS[:] = [fleet]
        if process.arguments != ["worker", "storage/customer"]:
            return original_spawn(fleet, process)
        log = open(process.log_path, "ab")
        process.popen = subprocess.Popen([PYTHON_WORKER], cwd=ROOT, env=process.environment, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        process.started_at = time.monotonic()
        process.starts += 1
        process.metrics_seen.append({})
    spawn.storage_hook = True
    fleet_module.Fleet._spawn = spawn

    main = sys.modules.get("__main__")
    original_missing = getattr(main, "missing_contexts", None)
    if original_missing is not None and not getattr(original_missing, "storage_hook", False):
        def missing_contexts(warren, system):
            if system.name != "storage":
                return original_missing(warren, system)

            class Swift:
                name = system.name
                contexts = [c for c in system.contexts if c != "customer"]
            missing = original_missing(warren, Swift)
            return missing + ([] if os.access(PYTHON_WORKER, os.X_OK) else ["customer"])
        missing_contexts.storage_hook = True
        main.missing_contexts = missing_contexts


class Call:
    def __init__(self, identifier, tel, location, cost, status):
        self.id, self.tel, self.location, self.cost, self.status = identifier, tel, location, cost, status
        self.deleted = False      # a DELETE answered 200
        self.asked = False        # a DELETE without a definite answer
        self.lock = threading.Lock()


class Storage(System):
    name = "storage"
    contexts = ["storagemanage", "storageassign", "storagecall", "customer"]
    slowed = [Slowed("storagemanage", "STORAGEMANAGE_LATENCY_MS", "400-620")]
    main_operation = "call"
    main_route = "POST /storagecalls"
    e2e_script = "e2e-storage.lua"
    e2e_saga = "calls confirmed (호출확정 in storagecall, and on the customer's mypage with its unit)"
    scarce_share = 0.10
    post_share = 0.60

    def __init__(self):
        self.calls = {}
        self.lock = threading.Lock()
        self.sqlite_path = None
        self.mirror = None
        self.ingress_port = None
        self.locations = []
        self.run = None
        self.kills = []
        self.duration, self.faults = 0, False

    # -- chaos ---------------------------------------------------------------------------

    def add_options(self, parser):
        install_hooks()
        parser.add_argument("--storage-units", type=int,
                            help="units in STORAGE_UNITS besides 종로's two (storage; default: enough for the run)")

    def vhost_and_database(self, run):
        self.run = run
        return super().vhost_and_database(run)

    def fleet_environment(self, args):
        install_hooks()
        python_env()
        os.environ.setdefault("PGCLIENTENCODING", "UTF8")
        # Every POST may keep a unit (DELETEs free some): enough units that only 종로 runs out.
        units = args.storage_units or max(600, int(args.rate * args.duration * self.post_share * 0.6))
        self.locations, spec = locations_and_units(units)
        run_dir = os.path.join(ROOT, ".local", "chaos", self.run or uuid.uuid4().hex[:8])
        os.makedirs(run_dir, exist_ok=True)
        self.sqlite_path = os.path.join(run_dir, "storagemanage.sqlite")
        self.duration, self.faults = args.duration, not args.no_faults
        from ..services import Database, Servers
        database = Database(Servers(ROOT).env()["DATABASE_URL"]).with_name(super().vhost_and_database(self.run)[1])
        self.mirror = SqliteMirror(self.sqlite_path, database).start()
        return {"STORAGE_UNITS": spec, "WARREN_SQLITE_PATH": self.sqlite_path, "PYTHONUNBUFFERED": "1"}

    def prepare(self, client, log):
        self.ingress_port = client.port
        if self.faults and FLEETS:
            # Besides the random ones: the Python worker and storagemanage (SQLite) are each
            # SIGKILLed at least once mid-stream, whatever the random picks.
            threading.Thread(target=self.scheduled_kills, args=(FLEETS[0], log), daemon=True).start()
        log(f"storage: {len(self.locations)} locations with {UNITS_PER_LOCATION} units each, {SCARCE} with "
            f"{len(SCARCE_UNITS)}; storagemanage's SQLite file {self.sqlite_path}")
        return []

    def scheduled_kills(self, fleet, log):
        started = time.monotonic()
        for at, name in ((0.30, "customer"), (0.80, "storagemanage")):
            time.sleep(max(0.0, started + at * self.duration - time.monotonic()))
            for _ in range(50):   # it may be restarting after a random kill
                pid = fleet.kill(name)
                if pid:
                    self.kills.append(f"{name} (pid {pid}) at t={time.monotonic() - started:.1f}s")
                    log(f"storage: SIGKILL {name} (pid {pid}), scheduled")
                    break
                time.sleep(0.2)

    def operation(self, driver, client, rng):
        results = driver.results
        extra = results.extra
        with self.lock:
            deletable = [c for c in self.calls.values() if not c.asked] if rng.random() >= self.post_share else []
        if deletable:
            call = rng.choice(deletable)
            if call.deleted and rng.random() > 0.1:
                return
            if not call.lock.acquire(blocking=False):
                return
            try:
                status, _, payload = driver.send(client, "cancel", "DELETE", f"/storagecalls/{call.id}", None)
                with results.lock:
                    extra.setdefault("cancels", Counter())[status] += 1
                    if status == 200:
                        call.deleted = True
                        results.cancelled.add(call.id)
                        try:
                            answered = json.loads(payload or b"{}").get("status")
                        except ValueError:
                            answered = None
                        if answered != CANCELLED:
                            extra.setdefault("wrong_answers", []).append(
                                f"call {call.id}: DELETE answered 200 with status {answered!r}, not {CANCELLED}")
                    elif status is None or status == 202 or status >= 500:
                        call.asked = True
                    else:
                        extra.setdefault("wrong_answers", []).append(
                            f"call {call.id}: DELETE answered {status}: {payload[:160]!r}")
            finally:
                call.lock.release()
            return
        location = SCARCE if rng.random() < self.scarce_share else rng.choice(self.locations)
        tel = f"010{rng.randrange(10 ** 8):08d}"
        cost = rng.choice([15000, 20000, 25000, 30000])
        body = {"tel": tel, "location": location, "cost": cost}
        word = CALLED
        if rng.random() < 0.9:
            body["status"] = CALLED       # the original's `status=호출`; else left out (stored 호출)
        status, headers, payload = driver.send(client, "call", "POST", "/storagecalls", body)
        with results.lock:
            extra.setdefault("calls", Counter())[status] += 1
            if status == 201:
                identifier = created_id(headers, payload)
                results.created.append(identifier)
                if identifier is not None:
                    try:
                        answered = json.loads(payload or b"{}")
                    except ValueError:
                        answered = {}
                    if answered.get("location") != location or answered.get("status") != word:
                        extra.setdefault("wrong_answers", []).append(
                            f"call {identifier}: 201 with location {answered.get('location')!r} status "
                            f"{answered.get('status')!r}, sent {location!r} {word!r}")
                    with self.lock:
                        self.calls[identifier] = Call(identifier, tel, location, cost, word)
            elif status == 202 or status is None:
                extra["unanswered_calls"] = extra.get("unanswered_calls", 0) + 1
            elif status not in (503,):
                extra.setdefault("wrong_answers", []).append(f"POST /storagecalls answered {status}: {payload[:160]!r}")

    def bad_http_cases(self):
        huge = json.dumps({"tel": "01012345678", "location": "마포", "cost": 1, "pad": "가" * (2_800_000)},
                          ensure_ascii=False).encode()   # about 8 MiB of Korean
        good = lambda **k: json.dumps(dict({"tel": "01012345678", "location": "마포", "status": CALLED, "cost": 25000}, **k),
                                      ensure_ascii=False).encode()
        return [
            ("malformed-json", "POST", "/storagecalls", '{"tel": "010", "location": "마포'.encode(), "application/json"),
            ("wrong-types", "POST", "/storagecalls", good(cost="이만오천원"), "application/json"),
            ("missing-fields", "POST", "/storagecalls", b"{}", "application/json"),
            ("empty-tel", "POST", "/storagecalls", good(tel=" "), "application/json"),
            ("negative-cost", "POST", "/storagecalls", good(cost=-1), "application/json"),
            ("huge-body", "POST", "/storagecalls", huge, "application/json"),
            ("random-bytes", "POST", "/storagecalls", os.urandom(2048), "application/json"),
            ("invalid-utf8", "POST", "/storagecalls", b'{"tel": "010", "location": "\xb8\xb6\xc6\xf7", "cost": 1}',
             "application/json"),
            ("wrong-content-type", "POST", "/storagecalls", "tel=010&location=마포".encode(), "text/plain"),
            ("unknown-route", "POST", "/storagecallz", b"{}", "application/json"),
            ("bad-id", "DELETE", "/storagecalls/abc", b"", "application/json"),
            ("unknown-call", "DELETE", "/storagecalls/987654321", b"", "application/json"),
        ]

    # -- the invariants ------------------------------------------------------------------

    def checks(self, database, results, args):
        q = database.rows
        waited_sqlite = self.wait_sqlite_outbox(60)
        calls = {int(r["id"]): r for r in q(
            f"SELECT id, tel, location, status, cost, cancel_reason FROM {quoted('storagecall')}.storagecalls")}
        units = {r["unit"]: r for r in q(f"SELECT unit, location, storagecall_id FROM {quoted('storageassign')}.units")}
        assigns = {int(r["storagecall_id"]): r for r in q(
            f"SELECT id, storagecall_id, location, unit, status FROM {quoted('storageassign')}.storageassigns")}
        failures = {int(r["storagecall_id"]): r for r in q(
            f"SELECT storagecall_id, location, reason FROM {quoted('storageassign')}.failures")}
        pages = {int(r["id"]): r for r in q(f"SELECT id, tel, location, unit, status FROM {quoted('customer')}.mypages")}
        notes = q(f"SELECT id, storagecall_id, tel, event, message FROM {quoted('customer')}.notifications")
        records = {int(r["storagecall_id"]): r for r in read_sqlite(
            self.sqlite_path, "SELECT id, storagecall_id, tel, location, cost, status, unit FROM storagemanages")}
        drops = {int(r["storagecall_id"]) for r in read_sqlite(self.sqlite_path, "SELECT storagecall_id FROM drops")}
        sqlite_outbox = read_sqlite(self.sqlite_path, "SELECT id, exchange, routing_key, attempts FROM warren_outbox")
        self.sqlite_inbox = read_sqlite(self.sqlite_path, "SELECT count(*) AS n FROM warren_inbox")[0]["n"]
        self.figures = {"calls_stored": len(calls), "final": dict(Counter(r["status"] for r in calls.values())),
                        "compensated_no_unit": len(failures), "storagemanage_records": len(records),
                        "storagemanage_dropped": len(drops), "storagemanage_inbox": self.sqlite_inbox,
                        "mirror_errors": dict(self.mirror.errors) if self.mirror else {}}
        return {
            "calls": self.check_calls(results, calls),
            "units": self.check_units(calls, units, assigns),
            "storagemanage": self.check_storagemanage(calls, records, drops, assigns, sqlite_outbox, waited_sqlite),
            "customer": self.check_customer(calls, records, assigns, failures, pages, notes),
            "korean": self.check_korean(calls, records, pages),
        }

    def wait_sqlite_outbox(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not read_sqlite(self.sqlite_path, "SELECT 1 FROM warren_outbox LIMIT 1"):
                    return True
            except sqlite3.Error:
                pass
            time.sleep(0.5)
        return False

    def check_calls(self, results, calls):
        violations = list(results.extra.get("wrong_answers", []))
        for identifier, count in Counter(results.created).items():
            if identifier is None:
                violations.append(f"{count} answers 201 to POST /storagecalls without a call id")
            elif count > 1:
                violations.append(f"call {identifier}: answered 201 to {count} requests")
        for identifier, known in self.calls.items():
            row = calls.get(identifier)
            if row is None:
                violations.append(f"call {identifier}: answered 201 but not stored")
                continue
            if (row["tel"], row["location"], int(row["cost"])) != (known.tel, known.location, known.cost):
                violations.append(f"call {identifier}: stored {row['tel']} {row['location']!r} {row['cost']}, "
                                  f"sent {known.tel} {known.location!r} {known.cost}")
            if known.deleted and row["status"] != CANCELLED:
                violations.append(f"call {identifier}: its DELETE answered 200, but it is {row['status']!r}")
        for identifier, row in calls.items():
            if row["status"] not in FINAL:
                violations.append(f"call {identifier} ({row['location']}): stuck {row['status']!r} after settling")
        unknown = sorted(set(calls) - set(self.calls))
        unanswered = results.extra.get("unanswered_calls", 0)
        if len(unknown) > unanswered:
            violations.append(f"{len(unknown)} calls stored without a 201 (e.g. {unknown[:5]}), only {unanswered} "
                              f"POSTs were not answered")
        return violations

    def check_units(self, calls, units, assigns):
        violations = []
        held = {}
        for unit, row in units.items():
            if row["storagecall_id"] is not None:
                held.setdefault(int(row["storagecall_id"]), []).append(unit)
        for identifier, row in calls.items():
            mine = held.get(identifier, [])
            assign = assigns.get(identifier)
            if row["status"] == CONFIRMED:
                if len(mine) != 1:
                    violations.append(f"call {identifier}: {CONFIRMED} holding {len(mine)} units {mine}")
                elif assign is None or assign["unit"] != mine[0] or assign["status"] != CONFIRMED:
                    violations.append(f"call {identifier}: holds {mine[0]}, its assignment says {assign}")
                elif units[mine[0]]["location"] != row["location"]:
                    violations.append(f"call {identifier} at {row['location']}: holds {mine[0]} of {units[mine[0]]['location']}")
            elif row["status"] == CANCELLED:
                if mine:
                    violations.append(f"call {identifier}: {CANCELLED} but still holds {mine} (never freed)")
                if assign is not None and assign["status"] != CANCELLED:
                    violations.append(f"call {identifier}: {CANCELLED} but its assignment of {assign['unit']} is {assign['status']!r}")
        for identifier, mine in held.items():
            if identifier not in calls:
                violations.append(f"units {mine} held by call {identifier}, which storagecall does not have (a dropped call's unit not freed)")
        live = Counter(a["unit"] for a in assigns.values() if a["status"] == CONFIRMED)
        for unit, count in live.items():
            if count > 1:
                violations.append(f"unit {unit}: assigned to {count} live calls")
        return violations

    def check_storagemanage(self, calls, records, drops, assigns, outbox, waited):
        violations = []
        if outbox:
            violations.append(f"SQLite outbox: {len(outbox)} rows never published (e.g. {outbox[0]})"
                              + ("" if waited else " after 60 s of waiting"))
        for identifier, row in calls.items():
            record = records.get(identifier)
            if record is None:
                violations.append(f"call {identifier}: stored by storagecall, no record in storagemanage's SQLite file")
                continue
            want = (row["tel"], row["location"], int(row["cost"]), row["status"])
            have = (record["tel"], record["location"], int(record["cost"]), record["status"])
            if want != have:
                violations.append(f"call {identifier}: SQLite has {have}, storagecall {want}")
            elif row["status"] == CONFIRMED and record["unit"] != (assigns.get(identifier) or {}).get("unit"):
                violations.append(f"call {identifier}: SQLite unit {record['unit']}, assigned {(assigns.get(identifier) or {}).get('unit')}")
        for identifier, record in records.items():
            if identifier in calls:
                continue
            if identifier not in drops or record["status"] != CANCELLED:
                violations.append(f"SQLite record of call {identifier} ({record['status']!r}): storagecall has no such call, "
                                  f"and it is {'dropped' if identifier in drops else 'not dropped'}")
        return violations

    def check_customer(self, calls, records, assigns, failures, pages, notes):
        """The views against what the events imply: which events were published follows from
        the tables of the contexts that published them."""
        violations = []
        implied = {}
        for identifier, row in calls.items():
            implied.setdefault(identifier, {})["StorageCalled"] = None
            if row["status"] == CANCELLED:
                implied[identifier]["StorageCallCancelled"] = CANCELLED
        for identifier in records:
            implied.setdefault(identifier, {})["AssignmentRequested"] = WAITING
        for identifier, assign in assigns.items():
            implied.setdefault(identifier, {})["StorageAssigned"] = CONFIRMED
            if assign["status"] == CANCELLED:
                implied[identifier]["StorageReleased"] = CANCELLED
        for identifier in failures:
            implied.setdefault(identifier, {})["StorageAssignFailed"] = CANCELLED
        by_call = {}
        for note in notes:
            by_call.setdefault(int(note["storagecall_id"]), []).append(note)
        for identifier, events in implied.items():
            location = (calls.get(identifier) or records.get(identifier) or assigns.get(identifier)
                        or failures.get(identifier) or {}).get("location")
            tel = (calls.get(identifier) or {}).get("tel")
            top = max(events, key=EVENT_RANK.get)
            status = events[top] if events[top] is not None else CALLED
            unit = (assigns.get(identifier) or {}).get("unit")
            page = pages.get(identifier)
            if page is None:
                violations.append(f"mypages: no page for call {identifier} (events {sorted(events)})")
            elif (page["status"], page["unit"], page["location"], page["tel"]) != (status, unit, location, tel):
                violations.append(f"mypages {identifier}: {page['status']!r} unit {page['unit']} at {page['location']!r} tel "
                                  f"{page['tel']}; the events ({sorted(events)}) say {status!r} unit {unit} at {location!r} tel {tel}")
            have = Counter(n["event"] for n in by_call.get(identifier, []))
            want = Counter(list(events))
            if have != want:
                violations.append(f"notifications of call {identifier}: {sorted(have.elements())}, the events say {sorted(want)}")
            for note in by_call.get(identifier, []):
                if int(note["id"]) != identifier * 10 + EVENT_CODE.get(note["event"], 0):
                    violations.append(f"notification {note['id']}: id is not call {identifier} x 10 + the code of {note['event']}")
                if location and location not in note["message"]:
                    violations.append(f"notification {note['id']} of call {identifier}: {note['message']!r} does not name {location!r}")
                if tel is not None and note["tel"] != tel:
                    violations.append(f"notification {note['id']} of call {identifier}: tel {note['tel']}, the call's is {tel}")
        for identifier in set(pages) - set(implied):
            violations.append(f"mypages {identifier}: a page, but no event was published about call {identifier}")
        for identifier in set(by_call) - set(implied):
            violations.append(f"notifications of call {identifier}: {len(by_call[identifier])}, but no event was published about it")
        return violations

    def check_korean(self, calls, records, pages):
        violations = []
        words = {CALLED, WAITING, CONFIRMED, CANCELLED}
        places = set(self.locations) | {SCARCE}
        for source, rows in (("storagecall", calls), ("storagemanage (SQLite)", records), ("customer", pages)):
            for identifier, row in rows.items():
                if row["status"] not in words:
                    violations.append(f"{source} {identifier}: status {row['status']!r} is none of {sorted(words)}")
                if row["location"] is not None and row["location"] not in places:
                    violations.append(f"{source} {identifier}: location {row['location']!r} is not one sent")
        if self.ingress_port:
            client = Client("127.0.0.1", self.ingress_port)
            sample = sorted(self.calls)[:: max(1, len(self.calls) // 50)]
            for identifier in sample:
                try:
                    status, _, payload = client.request("GET", f"/storagecalls/{identifier}")
                    answered = json.loads(payload.decode("utf-8"))
                except Exception as error:
                    violations.append(f"GET /storagecalls/{identifier}: {type(error).__name__}: {error}")
                    continue
                row = calls.get(identifier) or {}
                if status != 200 or answered.get("location") != row.get("location") or answered.get("status") != row.get("status"):
                    violations.append(f"GET /storagecalls/{identifier}: {status} {answered.get('location')!r} "
                                      f"{answered.get('status')!r}, stored {row.get('location')!r} {row.get('status')!r}")
            client.close()
            self.figures["http_sample"] = len(sample)
        return violations

    def report(self, results, out=sys.stdout):
        figures = getattr(self, "figures", {})
        if self.mirror:
            self.mirror.stop()
        print(f"  calls answered 201: {len(results.created)}; POST answers {dict(results.extra.get('calls', {}))}; "
              f"DELETE answers {dict(results.extra.get('cancels', {}))}", file=out)
        print(f"  stored calls by final status: {figures.get('final')}; no free unit (호출취소 by compensation): "
              f"{figures.get('compensated_no_unit')}; storagemanage's SQLite: {figures.get('storagemanage_records')} records, "
              f"{figures.get('storagemanage_dropped')} dropped, {figures.get('storagemanage_inbox')} inbox rows", file=out)
        print(f"  scheduled SIGKILLs (besides the random ones): {', '.join(self.kills) or 'none'}", file=out)
        return {"calls_created": len(results.created), "calls_cancelled_by_delete": len(results.cancelled),
                "storage": dict(figures, scheduled_sigkills=self.kills)}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_environment(self, args):
        python_env()
        os.environ.setdefault("PGCLIENTENCODING", "UTF8")
        # No DELETE in the e2e load: every call keeps its unit: 12,000 units, 30 per location
        # (wrk picks a location at random), far more than 30 s at 100 connections ask here.
        units = int(os.environ.get("E2E_STORAGE_UNITS", "12000"))
        self.locations, spec = locations_and_units(units)
        self.sqlite_path = os.path.join(ROOT, ".local", f"e2e-storage-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:4]}",
                                        "storagemanage.sqlite")
        os.makedirs(os.path.dirname(self.sqlite_path), exist_ok=True)
        return {"STORAGE_UNITS": spec, "WARREN_SQLITE_PATH": self.sqlite_path}

    def e2e_prepare(self, client, log):
        environment = listener_environment(client.port)
        from ..services import Database
        if environment.get("DATABASE_URL"):
            self.mirror = SqliteMirror(self.sqlite_path, Database(environment["DATABASE_URL"])).start()
        else:
            log("storage: could not read the ingress's DATABASE_URL: storagemanage's SQLite outbox is not mirrored "
                "for the quiescence wait")
        # bench/cpu-by-role knows `warren` processes only: the Python worker's CPU is read here,
        # from the process on its health port (the fourth context's of `warren up`).
        self.python_pid = listener_pid(int(os.environ.get("E2E_HEALTH_PORT", "19732")) + self.contexts.index("customer"))
        self.python_cpu = cpu_seconds(self.python_pid)
        self.log = log
        log(f"storage: {len(self.locations)} locations x {UNITS_PER_LOCATION} units; SQLite file {self.sqlite_path}")
        return {"E2E_LOCATIONS": ",".join(self.locations)}

    def e2e_sagas(self, database):
        # A call is complete when storagecall says 호출확정 and the customer's mypage shows it
        # confirmed with the unit storageassign assigned.
        if self.mirror:
            self.mirror.stop()
        sagas = int(database.value(f"""
            SELECT count(*) FROM {quoted('storagecall')}.storagecalls c
            JOIN {quoted('storageassign')}.storageassigns a ON a.storagecall_id = c.id AND a.status = '{CONFIRMED}'
            JOIN {quoted('customer')}.mypages p ON p.id = c.id AND p.status = '{CONFIRMED}' AND p.unit = a.unit
            WHERE c.status = '{CONFIRMED}'"""))
        before, after = getattr(self, "python_cpu", None), cpu_seconds(getattr(self, "python_pid", None))
        if before and after and before[1] == after[1]:
            used = after[0] - before[0]
            self.log(f"storage: cpu worker storage/customer (Python; not among bench/cpu-by-role's roles): {used:.2f} s, "
                     f"{used / max(sagas, 1) * 1000:.2f} ms per saga")
            print(f"E2E-PYTHON-CPU {json.dumps({'cpu_s': round(used, 2), 'ms_per_saga': round(used / max(sagas, 1) * 1000, 2)})}",
                  file=sys.stderr, flush=True)
        elif hasattr(self, "log"):
            self.log("storage: the Python worker's CPU could not be read (restarted, or its pid not found)")
        return sagas

    def bill_request(self, n, prepared):
        locations = (prepared or {}).get("E2E_LOCATIONS", "마포").split(",")
        return "POST", "/storagecalls", {"tel": f"010{n:08d}", "location": locations[n % len(locations)], "status": CALLED,
                                         "cost": 25000}


SYSTEM = Storage()
