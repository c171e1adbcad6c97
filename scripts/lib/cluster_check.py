"""The cleaning system on the three-node cluster of scripts/cluster, nodes killed under load.

Run by scripts/check-cluster (CI: node 1 killed once, 8 clients, 30 s) and bench/cluster (issue
23's chaos: every node killed in turn under 100 clients, the figures, and the same load on the
single broker of scripts/servers for comparison). Each run works in a vhost and a database of its
own; `warren up cleaning --no-servers` runs the fleet with AMQP_URL naming the three nodes.
"""
import argparse, base64, json, os, signal, socket, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(ROOT, "scripts", "cluster")
MANAGEMENT_BASE = int(os.environ.get("WARREN_CLUSTER_MANAGEMENT_PORT", "15701"))
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(f"{'ok     ' if ok else 'FAILED '} {name}{'' if ok or not detail else ': ' + str(detail)}", flush=True)


def log(text):
    print(text, flush=True)


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


class Management:
    """The management API of whichever node answers (nodes die in these runs)."""
    def __init__(self, bases):
        self.bases = bases

    def __call__(self, method, path, body=None):
        last = None
        for base in self.bases:
            request = urllib.request.Request(base + "/api" + path, method=method, data=None if body is None else json.dumps(body).encode())
            request.add_header("content-type", "application/json")
            request.add_header("authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    text = response.read().decode()
                    return json.loads(text) if text else None
            except (urllib.error.URLError, OSError) as e:
                if isinstance(e, urllib.error.HTTPError) and e.code < 500: raise
                last = e
        raise RuntimeError(f"no management API answered: {last}")


class Fleet:
    """`warren up cleaning --no-servers` on a vhost and database of its own."""
    def __init__(self, warren, amqp_base, management, database_url, label, system="cleaning", extra_env=None):
        self.run = uuid.uuid4().hex[:8]
        self.vhost, self.database = f"cluster-{label}-{self.run}", f"cluster_{label}_{self.run}"
        self.management, self.database_url = management, database_url
        v = urllib.parse.quote(self.vhost, safe="")
        self.v = v
        management("PUT", f"/vhosts/{v}", {})
        management("PUT", f"/permissions/{v}/guest", {"configure": ".*", "write": ".*", "read": ".*"})
        self.psql(f'CREATE DATABASE "{self.database}"', db=urllib.parse.urlsplit(database_url).path.lstrip("/"))
        amqp = ",".join(part if "://" not in part else urllib.parse.urlsplit(part)._replace(path="/" + v).geturl() for part in amqp_base.split(","))
        self.port = free_port()
        self.log_path = f"/tmp/cluster-{label}-{self.run}.log"
        env = dict(os.environ, AMQP_URL=amqp, DATABASE_URL=self.url(self.database),
                   RABBITMQ_MANAGEMENT_URL="http://guest:guest@" + management.bases[0].split("//")[1],
                   CLEANING_CAPACITY_PER_DAY="10000", PAYMETHOD_HASH_KEY="check-cluster-key-0123456789abcdef",
                   LOG_LEVEL="info", INGRESS_HOST="127.0.0.1")
        env.update(extra_env or {})
        env.pop("READ_DATABASE_URL", None)
        self.process = subprocess.Popen([warren, "up", system, "--no-servers", "--ingress-port", str(self.port), "--health-port", "0"],
                                        stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                        cwd=os.environ.get("WARREN_FLEET_ROOT"))   # bench/e2e --against: the reference's tree

    def url(self, db):
        return urllib.parse.urlsplit(self.database_url)._replace(path="/" + db).geturl()

    def psql(self, sql, db=None):
        for _ in range(30):  # the shared server may be restarting (another suite's chaos)
            done = subprocess.run(["psql", self.url(db or self.database), "-qXAt", "-F", "\t", "-c", sql], capture_output=True, text=True)
            if done.returncode == 0: return done.stdout.strip()
            time.sleep(1)
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")

    def wait_ready(self, seconds=120, workers=6):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                    if r.status == 200 and open(self.log_path).read().count('msg="worker ready"') >= workers: return True
            except Exception: pass
            time.sleep(0.5)
        log(open(self.log_path).read()[-3000:])
        return False

    def consumed_queues(self):
        queues = self.management("GET", f"/queues/{self.v}?columns=name,messages,consumers")
        return {q["name"]: q for q in queues}

    def all_consuming(self):
        """The queues the workers consume (not dead-letter or delay queues), and those without a consumer."""
        queues = self.consumed_queues()
        consumed = [n for n in queues if not n.endswith(".dead") and ".retry." not in n]
        return consumed, [n for n in consumed if not queues[n].get("consumers")]

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try: self.process.wait(60)
            except subprocess.TimeoutExpired: os.killpg(self.process.pid, signal.SIGKILL)
        try: self.management("DELETE", f"/vhosts/{self.v}")
        except Exception: pass
        try: self.psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)', db=urllib.parse.urlsplit(self.database_url).path.lstrip("/"))
        except Exception: pass


class Load:
    """Clients POSTing reservations through the ingress, each answer kept with its time."""
    def __init__(self, port, clients, pause):
        self.port, self.clients, self.pause = port, clients, pause
        self.results, self.lock, self.stopping = [], threading.Lock(), threading.Event()

    def post(self, day):
        body = json.dumps({"requestDate": day, "place": "Seoul", "price": 100, "payKind": "card"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/cleaningReservations", data=body, method="POST",
                                         headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            try: return e.code, json.loads(e.read() or b"{}")
            except ValueError: return e.code, {}
        except Exception as e:
            return 0, {"error": str(e)}

    def client(self, index):
        n = 0
        while not self.stopping.is_set():
            n += 1
            status, body = self.post(f"2026-12-{1 + (index + n) % 28:02d}")
            note = body.get("_links", {}).get("outcome", {}).get("href") if status == 202 else body.get("error")
            with self.lock: self.results.append((time.time(), status, body.get("id"), note))
            time.sleep(self.pause)

    def start(self):
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(self.clients)]
        for t in self.threads: t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads: t.join()


def cluster(*args):
    done = subprocess.run([CLUSTER, *args], capture_output=True, text=True)
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return lines[-1] if lines else ""


CONTEXTS = ["payment", "reservation", "paymethod", "cleaning", "message", "dashboard"]


def log_time(line):
    """Seconds since 1970 of a logfmt line's `time=2026-12-04T04:26:09.219Z`."""
    stamp = line.split("time=", 1)[1].split(" ", 1)[0]
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0" + stamp[19:-1])


def ready_since(log_path, since):
    """Each context's first `worker ready` line after `since` (seconds since 1970): its
    consumers were restored then."""
    ready = {}
    for line in open(log_path, errors="replace"):
        if 'msg="worker ready"' not in line or "time=" not in line: continue
        context = line.split("|", 1)[0].strip()
        at = log_time(line)
        if at > since and context not in ready: ready[context] = at
    return ready


def failover(fleet, node, load, recover_after):
    """Kills `node`, measures from the workers' own logs how long until every worker consumes
    again, then starts the node again `recover_after` seconds after the kill."""
    killed_at = time.time()
    log(f"t={killed_at - load.started:5.1f}s  {cluster('kill', str(node))}")
    restored = None
    while time.time() - killed_at < 120:
        ready = ready_since(fleet.log_path, killed_at)
        # A worker whose connections were on another node never lost them: it logs nothing.
        lost = set(ready) | {c for c in CONTEXTS if reconnecting_since(fleet.log_path, killed_at, c)}
        if lost and lost <= set(ready) and time.time() - killed_at > 3:
            restored = max(ready[c] for c in lost) - killed_at
            break
        time.sleep(0.5)
    time.sleep(max(0, recover_after - (time.time() - killed_at)))
    log(f"t={time.time() - load.started:5.1f}s  {cluster('start-node', str(node))}")
    return killed_at, restored


def reconnecting_since(log_path, since, context):
    for line in open(log_path, errors="replace"):
        if not line.startswith(context) or "broker session ended; reconnecting" not in line or "time=" not in line: continue
        if log_time(line) > since: return True
    return False


def settle_and_check(fleet, load, windows):
    """Quiescence, then the invariants; prints the figures."""
    results = load.results
    by_status = {}
    for _, status, _, _ in results: by_status[status] = by_status.get(status, 0) + 1
    created = {rid for _, status, rid, _ in results if status == 201}
    log(f"requests: {len(results)}, by status {dict(sorted(by_status.items()))}")
    for node, killed_at, restored in windows:
        refused = sum(1 for at, status, _, _ in results if killed_at <= at < killed_at + 30 and status == 503)
        ok_times = [at for at, status, _, _ in results if status == 201]
        gaps = [b - a for a, b in zip(ok_times, ok_times[1:]) if killed_at - 2 <= a <= killed_at + 60]
        log(f"node {node} killed: every worker that lost it consuming again after {'%.1f s' % restored if restored is not None else 'NOT within 120 s'}; "
            f"503s in the 30 s after: {refused}; longest time without a 201: {max(gaps, default=0):.1f} s")
        check(f"after node {node} was killed, every worker that lost it consumes again", restored is not None)
    after = [status for at, status, _, _ in results if at > windows[-1][1] + 15] if windows else []
    check("after the last failover, requests are taken again (201, or 202 to poll when the fleet is busy)",
          not windows or after.count(201) + after.count(202) > 0, after[-20:])
    check("no request failed without an answer (only 201, 503 or a 202 to poll)", set(by_status) <= {201, 202, 503}, by_status)

    deadline, settled, busy = time.time() + 180, False, {}
    while time.time() < deadline and not settled:
        try:
            queues = fleet.consumed_queues()
            busy = {n: q.get("messages", 0) for n, q in queues.items() if q.get("messages", 0) and not n.endswith(".dead") and ".retry." not in n}
            settled = not busy
        except Exception: pass
        time.sleep(1)
    check("every queue drained", settled, busy)
    queues = fleet.consumed_queues()
    consumed, missing = fleet.all_consuming()
    check(f"every one of the {len(consumed)} consumed queues has its consumer", not missing, missing)
    # An RPC request nobody took before its deadline expires in its queue and is dead-lettered
    # by the broker: its caller answered 503 and voided it. Anything else is unexplained.
    unexplained, expired = {}, 0
    for name, queue in queues.items():
        if not name.endswith(".dead") or not queue.get("messages"): continue
        letters = fleet.management("POST", f"/queues/{fleet.v}/{urllib.parse.quote(name, safe='')}/get",
                                   {"count": 10000, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 1000})
        for letter in letters:
            headers = letter.get("properties", {}).get("headers", {}) or {}
            if headers.get("x-first-death-reason") == "expired" and str(headers.get("x-first-death-queue", "")).endswith(".rpc"):
                expired += 1
            else:
                unexplained[name] = unexplained.get(name, 0) + 1
    log(f"dead letters: {expired} RPC requests expired in their queue (their callers answered 503 and voided them)")
    check("nothing dead-lettered but RPC requests that expired before a server took them", not unexplained, unexplained)

    accepted = set()
    links = [note for _, status, _, note in results if status == 202 and note]
    for link in links:
        try:
            with urllib.request.urlopen(link.replace("localhost", "127.0.0.1"), timeout=10) as response:
                outcome = json.loads(response.read() or b"{}")
                if response.status in (200, 201) and outcome.get("id"): accepted.add(outcome["id"])
        except Exception as e:
            log(f"  polling {link}: {e}")
    log(f"answered 202 and polled: {len(links)}, of them created: {len(accepted)}")
    time.sleep(3)
    reservations = set(int(x) for x in fleet.psql("SELECT id FROM reservation.cleaning_reservations").split())
    paid = {}
    for line in fleet.psql("SELECT request_id, status FROM payment.payments").splitlines():
        rid, status = line.split("\t"); paid.setdefault(int(rid), []).append(status)
    check(f"each of the {len(created)} reservations answered 201 is stored", created <= reservations, sorted(created - reservations)[:5])
    check("every stored reservation was answered 201, or 202 and then polled (nothing half-created)",
          reservations <= created | accepted, sorted(reservations - created - accepted)[:5])
    answered = created | accepted
    twice = {r: s for r, s in paid.items() if len(s) > 1}
    check("no request was charged twice", not twice, list(twice.items())[:3])
    unpaid = [r for r in answered if paid.get(r) != ["PaymentCompleted"]]
    check("every reservation answered is paid exactly once (PaymentCompleted)", not unpaid, [(r, paid.get(r)) for r in unpaid[:5]])
    orphans = [r for r, s in paid.items() if s == ["PaymentCompleted"] and r not in reservations]
    check("no payment completed without its reservation (a charge nobody refunded)", not orphans, orphans[:5])
    confirmed = lambda: int(fleet.psql("SELECT count(*) FROM dashboard.dash_board_views WHERE status = 'CleaningConfirmed'"))
    deadline = time.time() + 120
    while confirmed() < len(reservations) and time.time() < deadline: time.sleep(1)
    check(f"the dashboard shows every reservation CleaningConfirmed ({confirmed()} of {len(reservations)})", confirmed() == len(reservations))
    log(f"workers that lost their node and reconnected: {open(fleet.log_path).read().count('broker session ended; reconnecting')} session(s)")
    return len(reservations)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30, help="of load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds each client waits between requests")
    parser.add_argument("--kill", default="1", help="nodes to kill in turn, e.g. 1,2,3")
    parser.add_argument("--compare-single", action="store_true", help="then the same load on scripts/servers' single broker")
    args = parser.parse_args()
    warren, cluster_url, database_url = os.environ["WARREN"], os.environ["AMQP_CLUSTER_URL"], os.environ["DATABASE_URL"]
    management = Management([f"http://127.0.0.1:{MANAGEMENT_BASE + n}" for n in (1, 2, 0)])
    nodes = [int(n) for n in args.kill.split(",") if n]

    fleet = Fleet(warren, cluster_url, management, database_url, "check")
    figures = {}
    try:
        if not fleet.wait_ready():
            check("warren up cleaning is ready on the cluster", False); return 1
        check("warren up cleaning is ready with AMQP_URL naming three nodes", True)
        quorum = [q for q in management("GET", f"/queues/{fleet.v}?columns=name,type,members,arguments") if q.get("type") == "quorum"]
        short = [(q["name"], len(q.get("members") or [])) for q in quorum if len(q.get("members") or []) != 3]
        check(f"each of the {len(quorum)} quorum queues has three replicas (x-quorum-initial-group-size from the topology)",
              quorum and not short and all(q["arguments"].get("x-quorum-initial-group-size") == 3 for q in quorum), short[:5])
        load = Load(fleet.port, args.clients, args.pause)
        load.started = time.time()
        load.start()
        windows = []
        slot = args.seconds / (len(nodes) + 1)
        for node in nodes:
            time.sleep(max(0, load.started + slot * (len(windows) + 1) - time.time()) if windows else slot)
            killed_at, restored = failover(fleet, node, load, recover_after=slot / 2)
            windows.append((node, killed_at, restored))
        time.sleep(max(0, load.started + args.seconds - time.time()))
        load.stop()
        elapsed = time.time() - load.started
        completed = settle_and_check(fleet, load, windows)
        figures["cluster"] = completed / elapsed
        figures["failovers"] = [(node, restored) for node, _, restored in windows]
    finally:
        fleet.stop()
        for node in (1, 2, 3): cluster("start-node", str(node))

    if args.compare_single:
        servers = {}
        for line in subprocess.run([os.path.join(ROOT, "scripts", "servers"), "env"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("export "):
                name, value = line[7:].split("=", 1); servers[name] = value.strip("'")
        single = Fleet(warren, servers["AMQP_URL"], Management([servers["RABBITMQ_MANAGEMENT_URL"].replace("guest:guest@", "")]), database_url, "single")
        try:
            if single.wait_ready():
                load = Load(single.port, args.clients, args.pause)
                load.started = time.time()
                load.start()
                time.sleep(args.seconds)
                load.stop()
                elapsed = time.time() - load.started
                deadline = time.time() + 120
                while time.time() < deadline:
                    done = int(single.psql("SELECT count(*) FROM dashboard.dash_board_views WHERE status = 'CleaningConfirmed'"))
                    if done >= int(single.psql("SELECT count(*) FROM reservation.cleaning_reservations")): break
                    time.sleep(1)
                figures["single"] = done / elapsed
        finally:
            single.stop()

    line = {"bench": "cluster", "clients": args.clients, "seconds": args.seconds, "killed": nodes,
            "failover_s": {str(n): (round(r, 1) if r is not None else None) for n, r in figures.get("failovers", [])},
            "cluster_sagas_per_s": round(figures.get("cluster", 0), 1), "single_sagas_per_s": round(figures["single"], 1) if "single" in figures else None,
            "passed": passed, "failed": failed}
    if "single" in figures and figures["single"]:
        line["cluster_over_single"] = round(figures["cluster"] / figures["single"], 2)
        log(f"completed sagas/s: cluster {figures['cluster']:.1f} (with {len(nodes)} failovers), single node {figures['single']:.1f}, ratio {line['cluster_over_single']}")
    print(f"{passed} passed, {failed} failed")
    print(json.dumps(line))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
