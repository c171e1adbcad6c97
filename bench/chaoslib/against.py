"""bench/e2e --against REF: this checkout's fleet beside the fleet of commit REF, on the same
servers, in interleaved rounds (REF, this, REF, this, ...), so that a ratio is the design's and
not the machine's speed of the hour. REF is exported with `git archive` into
.local/against/<commit>/ and built there once (release, static Swift runtime, as bench/e2e builds
this checkout); each fleet runs from its own tree, so with its own topology/. After the rounds,
bench/saga-bill bills one saga of each, so the ratio is explained by counts that do not move
with the machine. Prints both, their medians and the ratio this/REF; ends with ONE JSON line."""

import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(text):
    print(f"e2e --against: {text}", file=sys.stderr, flush=True)


def build(ref):
    """REF's `warren`, built once in a tree of its own."""
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT,
                           capture_output=True, text=True)
    if found.returncode != 0:
        sys.exit(f"bench/e2e --against: `{ref}` is no commit of this repository (git rev-parse found nothing)")
    commit = found.stdout.strip()
    tree = os.path.join(ROOT, ".local", "against", commit)
    if not os.path.isfile(os.path.join(tree, "Package.swift")):
        os.makedirs(tree, exist_ok=True)
        archive = subprocess.Popen(["git", "archive", commit], cwd=ROOT, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", tree], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise RuntimeError(f"git archive {commit} failed")
    flags = ["-c", "release", "--static-swift-stdlib", "--scratch-path", ".build-static"]
    log(f"building {ref} ({commit[:10]}) in {os.path.relpath(tree, ROOT)}")
    subprocess.run(["swift", "build", *flags, "--product", "warren"], cwd=tree, check=True, stdout=sys.stderr)
    binary = subprocess.run(["swift", "build", *flags, "--show-bin-path"], cwd=tree, check=True,
                            capture_output=True, text=True).stdout.strip()
    return commit, tree, os.path.join(binary, "warren")


def last_json(out, what):
    line = next((l for l in reversed(out.splitlines()) if l.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"{what} printed no JSON line:\n{out[-2000:]}")
    return json.loads(line)


def run_e2e(binary, tree, args):
    env = dict(os.environ, WARREN_BIN=binary, WARREN_FLEET_ROOT=tree)
    out = subprocess.run([sys.executable, "-m", "chaoslib.e2e", "--duration", str(args.duration),
                          "--connections", str(args.connections)],
                         cwd=os.path.join(ROOT, "bench"), env=env, check=True, capture_output=True, text=True).stdout
    return last_json(out, "bench/e2e")


def run_bill(binary, tree, args):
    env = dict(os.environ, WARREN=binary, WARREN_FLEET_ROOT=tree)
    out = subprocess.run([os.path.join(ROOT, "bench", "saga-bill"), "--system", "cleaning", "--sagas", str(args.sagas)],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return last_json(out, "bench/saga-bill")


def summary(run):
    """The figures compared, from one bench/e2e JSON line; CPU by role from bench/cpu-by-role."""
    cpu = run["cpu_ms_per_saga"]
    return {
        "sagas_per_s": run["sagas_per_s"],
        "cpu_ms_per_saga": run["cpu_ms_per_saga_total"],
        "cpu_broker_ms": cpu.get("rabbitmq", 0),
        "cpu_postgres_ms": cpu.get("postgres", 0),
        "cpu_workers_ms": round(sum(v for k, v in cpu.items() if k.startswith("worker ")), 2),
        "cpu_ingress_ms": cpu.get("ingress", 0),
        "reserve_p50_ms": run["reserve_p50_ms"],
        "reserve_p99_ms": run["reserve_p99_ms"],
        "rss_rest_max_mb": max(run["rss_rest_mb"].values()),
        "rss_peak_max_mb": max(run["rss_peak_mb"].values()),
    }


def bill_counts(bill):
    broker = bill.get("broker") or {}
    return {
        "published": broker.get("publish"),
        "delivered": broker.get("deliver_get"),
        "acked": broker.get("ack"),
        "commits": bill["postgres"].get("commits"),
        "statements": (bill.get("sql") or {}).get("calls"),
    }


def main():
    parser = argparse.ArgumentParser(prog="bench/e2e --against", description=__doc__)
    parser.add_argument("--against", required=True, help="the reference commit (issue 25: 906f2d6)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--sagas", type=int, default=int(os.environ.get("BENCH_SAGAS", "200")),
                        help="sagas billed for each build (bench/saga-bill)")
    parser.add_argument("--no-bill", action="store_true", help="rounds only")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    commit, ref_tree, ref_binary = build(args.against)
    this_binary = os.environ["WARREN_BIN"]
    fleets = {"ref": (ref_binary, ref_tree), "this": (this_binary, ROOT)}
    rounds = {"ref": [], "this": []}
    for n in range(1, args.rounds + 1):
        for name in ("ref", "this"):
            log(f"round {n}/{args.rounds}: {name}")
            rounds[name].append(summary(run_e2e(*fleets[name], args)))
            log(f"  {rounds[name][-1]}")
    medians = {name: {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]} for name, runs in rounds.items()}
    ratio = {k: round(medians["this"][k] / medians["ref"][k], 3) if medians["ref"][k] else None for k in medians["ref"]}
    bills = {} if args.no_bill else {name: bill_counts(run_bill(*fleets[name], args)) for name in ("ref", "this")}

    print(f"cleaning system, {args.connections} connections, {args.duration} s a round, {args.rounds} rounds interleaved; "
          f"ref = {args.against} ({commit[:10]}), this = the checkout")
    print(f"{'figure (median of the rounds)':30} {'ref':>10} {'this':>10} {'this/ref':>9}   rounds ref | this")
    for key in medians["ref"]:
        each = " ".join(str(r[key]) for r in rounds["ref"]) + " | " + " ".join(str(r[key]) for r in rounds["this"])
        print(f"{key:30} {medians['ref'][key]:>10} {medians['this'][key]:>10} {ratio[key]!s:>9}   {each}")
    if bills:
        print(f"one saga's bill (bench/saga-bill, {args.sagas} sagas one at a time, net of the idle fleet)")
        for key in bills["ref"]:
            print(f"{key:30} {bills['ref'][key]!s:>10} {bills['this'][key]!s:>10}")
    print(json.dumps({"bench": "e2e-against", "ref": args.against, "ref_commit": commit, "connections": args.connections,
                      "duration_s": args.duration, "rounds": rounds, "median": medians, "ratio": ratio, "bill": bills},
                     separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
