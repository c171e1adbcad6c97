"""bench/e2e: a system end to end, no faults (`--system`, cleaning by default; its plug-in in
chaoslib/systems says what a saga is). `warren up SYSTEM` in a vhost and a database of the
run's own; the time from its start until every worker and the ingress answer /readyz 200; then
wrk (the plug-in's script: bench/e2e.lua for cleaning, bench/e2e-SYSTEM.lua) POSTs the saga's
first request from `--connections` connections; its p50/p99 come from wrk, completed sagas
(cleaning: a reservation whose cleaning is decided, confirmed or rejected and refunded) per
second from the database, counted from the load's start until the fleet is quiet again;
resident memory of every worker at rest and its peak under load. Ends with ONE line holding a
JSON object."""

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

from . import invariants, systems
from .driver import Client
from .services import Database, Management, Servers, amqp_url_with_vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(text):
    print(f"e2e: {text}", file=sys.stderr, flush=True)


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return response.status == 200
    except Exception:
        return False


def listener_pid(port):
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    match = re.search(r"pid=(\d+)", out)
    return int(match.group(1)) if match else None


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(prog="bench/e2e", description=__doc__)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--system", default="cleaning", choices=systems.names(),
                        help="the system to measure (cleaning); its plug-in is chaoslib/systems/<name>.py")
    for name in systems.names():
        systems.load(name).add_options(parser.add_argument_group(f"--system {name}"))
    args = parser.parse_args()
    system = systems.load(args.system)
    contexts = system.contexts
    schemas = [c.replace("-", "_") for c in contexts]
    warren = os.environ["WARREN_BIN"]
    env = Servers(ROOT).env()
    management, admin_db = Management(env["RABBITMQ_MANAGEMENT_URL"]), Database(env["DATABASE_URL"])
    run = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:4]
    if system.name == "cleaning":
        vhost, db_name = f"e2e-{run}", f"e2e_{run.replace('-', '_')}"
    else:
        vhost, db_name = f"e2e-{system.name}-{run}", f"e2e_{system.name}_{run.replace('-', '_')}"
    health = int(os.environ.get("E2E_HEALTH_PORT", "19732"))
    ingress = int(os.environ.get("E2E_INGRESS_PORT", "18732"))
    management.create_vhost(vhost)
    admin_db.execute(f'CREATE DATABASE "{db_name}"')
    database = admin_db.with_name(db_name)
    reader = database.ensure_reader()   # the ingress reads as the read-only role, as in production
    log_path = os.path.join(ROOT, ".local", f"e2e-{'' if system.name == 'cleaning' else system.name + '-'}{run}.log")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    up_env = dict(os.environ, AMQP_URL=amqp_url_with_vhost(env["AMQP_URL"], vhost), DATABASE_URL=database.url,
                  READ_DATABASE_URL=reader.url,
                  RABBITMQ_MANAGEMENT_URL=env["RABBITMQ_MANAGEMENT_URL"], INGRESS_PORT=str(ingress), LOG_LEVEL="warning")
    up_env.update(system.e2e_environment(args))
    ports = [health + i for i in range(len(contexts))] + [ingress]
    started = time.monotonic()
    # WARREN_FLEET_ROOT: the tree whose topology/ the fleet runs (bench/e2e --against: the reference's).
    up = subprocess.Popen([warren, "up", system.name, "--no-servers", "--health-port", str(health)],
                          cwd=os.environ.get("WARREN_FLEET_ROOT", ROOT), env=up_env,
                          stdout=open(log_path, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    figures = {"bench": "e2e"} if system.name == "cleaning" else {
        "bench": "e2e", "system": system.name, "build": "debug" if "/debug/" in warren else "release"}
    try:
        while not all(ready(p) for p in ports):
            if up.poll() is not None or time.monotonic() - started > 120:
                raise RuntimeError(f"the fleet did not become ready (see {log_path})")
            time.sleep(0.02)
        figures["up_to_ready_ms"] = round((time.monotonic() - started) * 1000)
        pids = {name: listener_pid(port) for name, port in zip(contexts + ["ingress"], ports)}
        rest = {name: rss_mb(pid) for name, pid in pids.items()}
        peak = dict(rest)
        sampling = threading.Event()

        def sample():
            while not sampling.wait(0.5):
                for name, pid in pids.items():
                    value = rss_mb(pid)
                    if value is not None:
                        peak[name] = max(peak.get(name) or 0, value)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        preparing = Client("127.0.0.1", ingress)
        wrk_env = dict(os.environ, **system.e2e_prepare(preparing, log))
        preparing.close()
        log(f"{system.name} ready in {figures['up_to_ready_ms']} ms; wrk: {args.connections} connections for {args.duration}s")
        cpu_snapshot = os.path.join(ROOT, ".local", f"e2e-{run}.cpu.json")
        subprocess.run([os.path.join(ROOT, "bench", "cpu-by-role"), "snapshot", cpu_snapshot], check=True)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_started = time.monotonic()
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
                              "-s", os.path.join(ROOT, "bench", system.e2e_script), f"http://127.0.0.1:{ingress}"],
                             capture_output=True, text=True, env=wrk_env).stdout
        line = next((l for l in out.splitlines() if l.startswith("E2E ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no summary:\n{out}")
        wrk = json.loads(line[4:])
        waited, left = invariants.wait_for_quiescence(management, vhost, database, schemas, 300, log=log)
        sampling.set()
        saga_seconds = time.monotonic() - load_started - (8 if not left else 0)   # the 8 quiet checks
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_cpu = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        cpu = json.loads(subprocess.run([os.path.join(ROOT, "bench", "cpu-by-role"), "diff", cpu_snapshot],
                                        check=True, capture_output=True, text=True).stdout)["cpu_s"]
        os.remove(cpu_snapshot)
        cpu["wrk"] = round(wrk_cpu, 2)
        # Workers of other systems (other people's runs on this machine) are not this run's; a
        # build from before systems had namespaces names its workers without one.
        cpu = {k: v for k, v in cpu.items() if "/" not in k or k.startswith(f"worker {system.name}/")}
        sagas = system.e2e_sagas(database)
        created = wrk["statuses"].get("201", 0)
        p50_key, p99_key = system.e2e_keys
        figures.update({
            "connections": args.connections, "duration_s": args.duration, "requests": wrk["requests"],
            "statuses": wrk["statuses"], "socket_errors": wrk["errors"],
            "created_per_s": round(created / wrk["seconds"], 1), p50_key: round(wrk["p50_ms"], 1),
            p99_key: round(wrk["p99_ms"], 1), "sagas_completed": sagas, "sagas_per_s": round(sagas / saga_seconds, 1),
            "drain_s": round(waited, 1), "quiet": not left,
            # Where the run's CPU went, per completed saga (ms): the broker, PostgreSQL, each
            # worker, the ingress and wrk, from the load's start until the fleet was quiet.
            "cpu_ms_per_saga": {k: round(v / max(sagas, 1) * 1000, 2) for k, v in sorted(cpu.items())},
            "cpu_ms_per_saga_total": round(sum(cpu.values()) / max(sagas, 1) * 1000, 2),
            "rss_rest_mb": {k: round(v, 1) for k, v in rest.items() if v}, "rss_peak_mb": {k: round(v, 1) for k, v in peak.items() if v},
        })
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
        management.delete_vhost(vhost)
        admin_db.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    if system.name != "cleaning":
        print(f"{system.name}: {system.e2e_saga}; {system.main_route}")
    print(f"{'figure':44} {'value':>10}")
    for key in ("up_to_ready_ms", "created_per_s", *system.e2e_keys, "sagas_per_s", "drain_s",
                "cpu_ms_per_saga_total"):
        print(f"{key:44} {figures[key]:>10}")
    for name in contexts + ["ingress"]:
        print(f"{'rss ' + name + ' rest / peak (MB)':44} {figures['rss_rest_mb'].get(name)!s:>5} / {figures['rss_peak_mb'].get(name)!s}")
    for name, value in figures["cpu_ms_per_saga"].items():
        print(f"{'cpu ' + name + ' (ms per saga)':44} {value:>10}")
    print(json.dumps(figures, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
