"""bench/chaos: a system's fleet under load, faults and bad input; then the invariants.

The system (`--system`, cleaning by default) is a plug-in, `chaoslib/systems/<name>.py`: its
contexts, its load, its slowed RPC server, its bad HTTP input and its invariants; the rest
(fleet, faults, bad AMQP input, quiescence, the broker's checks) is the same for every system.
A run works in a vhost and a database of its own (`chaos-<run>`, `chaos_<run>` for cleaning;
`chaos-<system>-<run>` otherwise) on the local servers, so earlier runs and other tools do not
disturb its counts; both are removed at the end unless the run failed or --keep says otherwise."""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid

from . import invariants
from .badinput import Campaign
from .driver import Client, Driver, percentile
from .faults import Faults
from .fleet import Fleet, free_ports
from . import systems
from .services import Database, Management, Servers, amqp_url_with_vhost

STARTED_FLEETS = []   # stopped on the way out, whatever happened
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(text):
    print(f"chaos: {text}", file=sys.stderr, flush=True)


def parse():
    parser = argparse.ArgumentParser(prog="bench/chaos", description=__doc__)
    parser.add_argument("--system", default="cleaning", choices=systems.names(),
                        help="the system to run (cleaning); its plug-in is chaoslib/systems/<name>.py")
    parser.add_argument("--duration", type=float, help="seconds of load (600; --quick 60)")
    parser.add_argument("--quick", action="store_true", help="the CI run: 60 s at 40 requests/s")
    parser.add_argument("--rate", type=float, help="requests per second, all clients together (100; --quick 40)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--via", choices=["http", "amqp"], default="http",
                        help="http: through `warren ingress SYSTEM`; amqp: commands straight to the broker (no ingress; cleaning only)")
    parser.add_argument("--no-faults", action="store_true", help="load only (for bench/run)")
    parser.add_argument("--no-bad-input", action="store_true")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the run's vhost and database")
    parser.add_argument("--quiescence-timeout", type=float, default=300)
    # Every plug-in's own options (each only for its system), so `--help` lists them all.
    for name in systems.names():
        group = parser.add_argument_group(f"--system {name}")
        systems.load(name).add_options(group)
    args = parser.parse_args()
    args.duration = args.duration or (60 if args.quick else 600)
    args.rate = args.rate or (40 if args.quick else 100)
    return args


def main():
    args = parse()
    system = systems.load(args.system)
    contexts = system.contexts
    schemas = [c.replace("-", "_") for c in contexts]
    warren = os.environ.get("WARREN_BIN") or os.path.join(ROOT, ".build", "debug", "warren")
    servers = Servers(ROOT)
    env = servers.env()
    management = Management(env["RABBITMQ_MANAGEMENT_URL"])
    admin_db = Database(env["DATABASE_URL"])
    run = time.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:4]
    vhost, db_name = system.vhost_and_database(run)
    log_dir = os.path.join(ROOT, ".local", "chaos", run)
    amqp_url = amqp_url_with_vhost(env["AMQP_URL"], vhost)
    database = admin_db.with_name(db_name)
    picked = free_ports(len(contexts) + 1)
    health_ports = ([int(os.environ["CHAOS_HEALTH_PORT"]) + i for i in range(len(contexts))]
                    if os.environ.get("CHAOS_HEALTH_PORT") else picked[:len(contexts)])
    ingress_port = int(os.environ.get("CHAOS_INGRESS_PORT") or picked[-1])

    has_ingress = subprocess.run([warren, "ingress", "--help"], capture_output=True).returncode == 0
    if args.via == "http" and not has_ingress:
        log("this `warren` has no `ingress` command: use --via amqp (commands straight to the broker)")
        return 3
    if args.via == "amqp" and not system.via_amqp:
        log(f"--via amqp: the {system.name} plug-in has no stand-in for the ingress over AMQP")
        return 2
    missing = missing_contexts(warren, system)
    if missing:
        log(f"this `warren` has no {', '.join(f'{system.name}/{c}' for c in missing)} "
            f"(`warren worker {system.name}/{missing[0]}` refused it): build it (swift build --product warren)")
        return 2

    log(f"run {run} of {system.name}: vhost {vhost}, database {db_name}, logs {log_dir}")
    management.create_vhost(vhost)
    admin_db.execute(f'CREATE DATABASE "{db_name}"')
    # Workers grant the read-only role SELECT on their schema after migrating, only when it
    # exists: it must exist before the fleet starts.
    reader = database.ensure_reader()
    try:
        reader.value("SELECT 1")
    except Exception as error:
        log(f"cannot log in as warren_reader (created elsewhere with another password?): {error}")
        return 2
    applied = subprocess.run([warren, "topology", "apply", "--url", amqp_url, "--system", system.name, "topology"],
                             cwd=ROOT, capture_output=True, text=True,
                             env=dict(os.environ, RABBITMQ_MANAGEMENT_URL=env["RABBITMQ_MANAGEMENT_URL"]))
    if applied.returncode != 0:
        log(f"topology apply failed:\n{applied.stdout}{applied.stderr}")
        return 2

    fleet_env = dict(os.environ, AMQP_URL=amqp_url, DATABASE_URL=database.url, READ_DATABASE_URL=reader.url,
                     TOPOLOGY_DIR=os.path.join(ROOT, "topology"),
                     RELAY_INTERVAL_MS="500", LOG_LEVEL=os.environ.get("LOG_LEVEL", "info"))
    fleet_env.update(system.fleet_environment(args))
    fleet = Fleet(warren, fleet_env, log_dir, health_ports, ingress_port, with_ingress=args.via == "http",
                  system=system.name, contexts=contexts)
    STARTED_FLEETS.append(fleet)
    started = time.monotonic()
    fleet.start()
    waiting = fleet.wait_ready(timeout=120)
    time_to_ready = time.monotonic() - started
    if waiting:
        log(f"not ready after 120 s: {', '.join(waiting)} (logs in {log_dir})")
        fleet.stop()
        return 2
    log(f"fleet ready in {time_to_ready:.2f}s: {', '.join(fleet.processes)}")

    if args.via == "http":
        def client_factory():
            return Client("127.0.0.1", ingress_port)
    else:
        def client_factory():
            return system.amqp_client(amqp_url)

    scraping = threading.Event()

    def scrape_loop():
        while not scraping.wait(1.0):
            fleet.scrape()
    scraper = threading.Thread(target=scrape_loop, daemon=True)
    scraper.start()

    problems = []
    preparing = client_factory()
    problems += system.prepare(preparing, log)
    preparing.close()
    driver = Driver(client_factory, args.rate, args.clients, seed=args.seed, system=system)
    faults = Faults(fleet, servers, args.duration, slowed=system.slowed, seed=args.seed, log=log)
    campaign = Campaign(amqp_url, os.path.join(ROOT, "topology", system.name),
                        (lambda: Client("127.0.0.1", ingress_port)), fleet, http_cases=system.bad_http_cases(), log=log)
    log(f"load: {args.rate:g} requests/s from {args.clients} clients for {args.duration:g}s via {args.via}"
        + ("" if args.no_faults else ", with faults"))
    load_started = time.monotonic()
    driver.start()
    if not args.no_faults:
        faults.start()
    if not args.no_bad_input:
        time.sleep(min(10.0, 0.1 * args.duration))
        log("bad-input campaign")
        try:
            if args.via == "http":
                campaign.run_http()
            campaign.run_amqp()
            campaign.run_redelivered_poison()
        except Exception as error:   # reported with the rest, never a run without its report
            problems.append(f"the bad-input campaign stopped: {type(error).__name__}: {error}")
        problems += campaign.problems
        not_serving = fleet.wait_ready(contexts, timeout=30)
        if not_serving:
            problems.append(f"after the bad input, not ready: {', '.join(not_serving)}")
    remaining = args.duration - (time.monotonic() - load_started)
    if remaining > 0:
        time.sleep(remaining)
    if not args.no_faults:
        faults.wait_scheduled()
    driver.stop()
    faults.stop()
    load_seconds = time.monotonic() - load_started
    log("load stopped; waiting for quiescence")
    not_ready = fleet.wait_ready(timeout=120)
    if not_ready:
        problems.append(f"not ready after the run: {', '.join(not_ready)}")
    waited, left = invariants.wait_for_quiescence(management, vhost, database, schemas, args.quiescence_timeout, log=log)
    scraping.set()
    fleet.scrape()

    log("checking invariants")
    inbox = invariants.inbox_counts(database, schemas)
    results = driver.results
    try:
        checks = system.checks(database, results, args)
    except Exception as error:  # a table the plug-in expects is missing: the system changed
        checks = {"system": [f"the {system.name} checks could not run: {type(error).__name__}: {error}"]}
    broker_violations, dead = invariants.check_broker(management, vhost, database, schemas,
                                                      None if args.no_bad_input else campaign)
    checks["broker"] = broker_violations
    checks["fleet"] = problems + faults.errors + [
        f"the load's client raised {error} ({count} times): a bug of the chaos tool, the load was not what it says"
        for error, count in results.client_errors.items()] + [
        f"{p.name} exited by itself {len(p.unexpected_exits)} times (statuses {[s for _, s in p.unexpected_exits][:5]})"
        for p in fleet.processes.values() if p.unexpected_exits]
    rss = fleet.rss_mb()
    fleet.stop()

    violations = sum(len(v) for v in checks.values())
    summary = report(args, system, run, results, faults, campaign, dead, checks, inbox, fleet, rss, time_to_ready,
                     load_seconds, waited, left)
    if violations == 0 and not args.keep:
        management.delete_vhost(vhost)
        admin_db.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    else:
        log(f"kept vhost {vhost} and database {db_name} for inspection; logs in {log_dir}")
    print(json.dumps(summary, separators=(",", ":")))
    return 1 if violations else 0


def missing_contexts(warren, system):
    """The system's contexts this `warren` does not know: `warren worker S/C --help` fails, or
    its worker refuses the name at once (exit 2 naming it) before it connects anywhere."""
    missing = []
    for context in system.contexts:
        done = subprocess.run([warren, "worker", f"{system.name}/{context}"], capture_output=True, text=True, timeout=60,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")})
        text = (done.stdout + done.stderr).lower()
        if done.returncode != 0 and ("unknown" in text and ("context" in text or "system" in text)):
            missing.append(context)
    return missing


def report(args, system, run, results, faults, campaign, dead, checks, inbox, fleet, rss, time_to_ready, load_seconds,
           waited, left):
    out = sys.stdout
    main_latency = results.latency.get(system.main_operation, [])
    print(f"\n{'' if system.name == 'cleaning' else system.name + ' '}chaos run {run}: {load_seconds:.0f}s of load at {args.rate:g}/s from {args.clients} clients via {args.via}", file=out)
    print(f"requests sent: {sum(results.sent.values())} ({dict(results.sent)}), resent after a broken connection: {results.retries}", file=out)
    for operation, statuses in results.by_status().items():
        print(f"  {operation:10} {statuses}", file=out)
    if main_latency:
        print(f"  {system.main_route} latency p50 {percentile(main_latency, 50) * 1000:.0f} ms, "
              f"p99 {percentile(main_latency, 99) * 1000:.0f} ms", file=out)
    system_fields = system.report(results, out)
    print(f"faults injected: {dict(faults.counts) or 'none'}", file=out)
    processed = sum(inbox.values())
    duplicates = fleet.counter_total("warren_inbox_duplicates_total")
    print(f"messages processed (inbox rows): {processed} {inbox}", file=out)
    print(f"inbox duplicates suppressed (metrics, at least): {duplicates}", file=out)
    print(f"worker restarts: { {n: p.starts - 1 for n, p in fleet.processes.items()} }; ready {time_to_ready:.2f}s after start", file=out)
    print(f"quiescence after {waited:.0f}s{'' if not left else f', NOT reached: {left}'}", file=out)
    if campaign.sent:
        print(f"bad input sent: {dict(campaign.sent)}", file=out)
        http = {}
        for (kind, status), count in sorted(campaign.http_outcomes.items(), key=str):
            http.setdefault(kind, {})[str(status)] = count
        for kind, statuses in http.items():
            print(f"  HTTP {kind:22} -> {statuses}", file=out)
    found = {}
    for (queue, kind, reason), count in sorted(dead.items()):
        print(f"  dead letter {queue:32} {kind:28} x{count}  {reason}", file=out)
        found[kind] = found.get(kind, 0) + count
    expired = sum(c for (q, k, r), c in dead.items() if k == invariants.EXPIRED_RPC)
    if expired:
        print(f"  expired RPC requests: {expired}, dead-lettered by the broker (reason: expired; the .rpc queue's "
              f"dead-letter exchange), explained by the faults: no server took them before their deadline", file=out)
    for key, count in sorted(campaign.sent.items()):
        if key.startswith("amqp:"):
            kind = "amqp-" + key[len("amqp:"):]
            print(f"  AMQP {kind:28} sent {count:3}, in a dead-letter queue {found.get(kind, 0):3}"
                  + ("" if found.get(kind, 0) >= count else "  <- the rest not found (see the workers' logs)"), file=out)
    violations = 0
    for name, found in checks.items():
        violations += len(found)
        print(f"invariant {name:10} {'ok' if not found else f'{len(found)} VIOLATIONS'}", file=out)
        for line in found[:15]:
            print(f"    {line}", file=out)
        if len(found) > 15:
            print(f"    ... {len(found) - 15} more", file=out)
    print(f"invariant violations: {violations}", file=out)
    main_key = "reserve" if system.name == "cleaning" else "post"
    return {
        "bench": "chaos", "system": system.name, "run": run, "via": args.via, "duration_s": round(load_seconds, 1), "rate": args.rate,
        "clients": args.clients, "requests_sent": sum(results.sent.values()), "resent": results.retries,
        "answered": {op: statuses for op, statuses in results.by_status().items()},
        **system_fields,
        f"{main_key}_p50_ms": round(percentile(main_latency, 50) * 1000, 1) if main_latency else None,
        f"{main_key}_p99_ms": round(percentile(main_latency, 99) * 1000, 1) if main_latency else None,
        "faults": dict(faults.counts), "messages_processed": processed, "inbox_duplicates_suppressed": duplicates,
        "worker_restarts": sum(p.starts - 1 for p in fleet.processes.values()),
        "time_to_ready_s": round(time_to_ready, 2), "quiescence_s": round(waited, 1), "rss_mb": rss,
        "bad_input_sent": sum(campaign.sent.values()),
        "dead_letters": sum(dead.values()),
        "dead_letters_expired_rpc": sum(c for (q, k, r), c in dead.items() if k == invariants.EXPIRED_RPC),
        "dead_letters_unexplained": sum(c for (q, k, r), c in dead.items() if k == "UNEXPLAINED"),
        "violations": violations, "violations_by_check": {k: len(v) for k, v in checks.items()},
    }


if __name__ == "__main__":
    try:
        status = main()
    finally:
        for started in STARTED_FLEETS:
            if not started.stopping:
                started.stop()
    sys.exit(status)
