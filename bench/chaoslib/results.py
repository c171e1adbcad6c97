"""The table of bench/run: reads each benchmark's JSON line from a folder (NAME.json), prints
one table of figures, their same-run references and ratios, the targets of issue 9, writes
bench/RESULTS.md with the machine and the date, and prints ONE JSON line of everything."""

import datetime
import json
import os
import platform
import subprocess
import sys


def load(folder, name):
    try:
        with open(os.path.join(folder, f"{name}.json")) as file:
            return json.loads(file.read().strip())
    except (OSError, ValueError):
        return None


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    distro = "Linux"
    try:
        distro = dict(l.strip().split("=", 1) for l in open("/etc/os-release") if "=" in l).get("PRETTY_NAME", "Linux").strip('"')
    except OSError:
        pass

    def version(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    return (f"{distro}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, kernel {platform.release()}; "
            f"{version(['swift', '--version'])}; PostgreSQL {version(['psql', '--version']).split()[-1]}; "
            f"RabbitMQ {version(['dpkg-query', '-W', '-f=${Version}', 'rabbitmq-server'])}")


def rows(results):
    """(benchmark, figure, value, reference, ratio) rows."""
    table = []
    amqp = results.get("amqp")
    if amqp:
        for key, name in (("publish", "publish with confirms (msg/s)"), ("consume", "consume with acks (msg/s)"),
                          ("pg_insert", "single-row transactions (tx/s)")):
            table.append(("amqp", f"{name}: Swift vs C", amqp.get(f"swift_{key}_per_s"), amqp.get(f"c_{key}_per_s"),
                          amqp.get(f"{key}_ratio")))
    worker = results.get("worker")
    if worker:
        full = worker.get("full_protocol_per_s") or {}
        best = max(full.values()) if full else None
        slower = min(worker.get("raw_consume_ack_per_s") or 0, worker.get("raw_pg_transactions_per_s") or 0) or None
        table.append(("worker", f"full protocol events/s (best of {', '.join(k[1:] for k in full)}) vs slower raw reference",
                      best, slower, worker.get("ratio_to_slower_reference")))
        table.append(("worker", "RSS at rest / peak (MB)", worker.get("rss_rest_mb"), worker.get("rss_load_peak_mb"), None))
        table.append(("worker", "start to /readyz (ms)", worker.get("ready_ms"), None, None))
    rpc = results.get("rpc")
    if rpc:
        for key, figures in rpc.items():
            if isinstance(figures, dict) and "rpc_per_s" in figures:
                table.append(("rpc", f"calls/s at concurrency {key[1:]} (p99 {figures.get('rpc_p99_ms')} ms) vs raw round trip",
                              figures["rpc_per_s"], figures.get("raw_per_s"), figures.get("ratio")))
        for key in ("c16", "c128"):
            cpu = rpc.get(f"{key}_full_cpu_us_per_call")
            raw = rpc.get(f"{key}_raw_cpu_us_per_call")
            if cpu and raw:
                parts = ", ".join(f"{name} {cpu[name]}" for name in ("broker", "postgres", "server", "client"))
                table.append(("rpc", f"CPU us per call at concurrency {key[1:]} ({parts}) vs raw round trip",
                              cpu["total"], raw["total"], round(cpu["total"] / raw["total"], 2) if raw["total"] else None))
    ingress = results.get("ingress")
    if ingress:
        bare = ingress.get("bare_rps")
        connections = ingress.get("connections")
        table.append(("ingress", f"bare Hummingbird constant, req/s at {connections} connections (p99 {ingress.get('bare_p99_ms')} ms)",
                      bare, None, None))
        table.append(("ingress", f"view GET /totals/{{key}} req/s (p99 {ingress.get('view_p99_ms')} ms) vs bare",
                      ingress.get("view_rps"), bare, ingress.get("view_ratio")))
        every = "every answer 200" if ingress.get("command_all_200") else "NOT every answer 200"
        table.append(("ingress", f"command POST /balances req/s (p99 {ingress.get('command_p99_ms')} ms, {every}) vs bare (target 0.25)",
                      ingress.get("command_rps"), bare, ingress.get("command_ratio")))
        table.append(("ingress", f"raw broker round trips/s at {connections} in flight, no HTTP (the ceiling of a command) vs bare",
                      ingress.get("broker_round_trip_rps"), bare, ingress.get("broker_round_trip_ratio")))
        cpu = ingress.get("command_cpu_us_per_request")
        if cpu:
            parts = ", ".join(f"{name} {value}" for name, value in sorted(cpu.items()))
            table.append(("ingress", f"command CPU us per request ({parts})", round(sum(cpu.values()), 1), None, None))
    e2e = results.get("e2e")
    if e2e:
        table.append(("e2e", "completed reservation sagas/s (target >= 300)", e2e.get("sagas_per_s"), 300,
                      round(e2e["sagas_per_s"] / 300, 2) if e2e.get("sagas_per_s") is not None else None))
        table.append(("e2e", f"201 answers/s at {e2e.get('connections')} connections", e2e.get("created_per_s"), None, None))
        table.append(("e2e", "POST /cleaningReservations p50 (ms)", e2e.get("reserve_p50_ms"), None, None))
        table.append(("e2e", "POST /cleaningReservations p99 (ms) (target < 250)", e2e.get("reserve_p99_ms"), 250,
                      round(e2e["reserve_p99_ms"] / 250, 2) if e2e.get("reserve_p99_ms") is not None else None))
        table.append(("e2e", "warren up to all ready (ms)", e2e.get("up_to_ready_ms"), None, None))
        cpu = e2e.get("cpu_ms_per_saga")
        if cpu:
            parts = ", ".join(f"{name} {value}" for name, value in sorted(cpu.items(), key=lambda item: -item[1]) if value)
            budget = round((os.cpu_count() or 1) * 1000 / 300, 2)
            table.append(("e2e", f"CPU ms per completed saga ({parts}) vs what {os.cpu_count()} cores allow at 300 sagas/s",
                          e2e.get("cpu_ms_per_saga_total"), budget,
                          round(e2e["cpu_ms_per_saga_total"] / budget, 2) if e2e.get("cpu_ms_per_saga_total") else None))
        for name, peak in sorted((e2e.get("rss_peak_mb") or {}).items()):
            table.append(("e2e", f"RSS {name} rest / peak under load (MB) (target < 40)",
                          (e2e.get("rss_rest_mb") or {}).get(name), peak, None))
    return table


# The original systems' own published load tests, shown beside ours (issue 20).
ORIGINAL = {
    "coffee": (16.6, "the original's siege: 16.6 trans/s, 82.6 % available at 30 users, 5.1 s mean, on Kubernetes"),
}


def system_rows(name, e2e):
    """The rows of one system's `bench/e2e --system NAME` line."""
    try:
        from . import systems
        plugin = systems.load(name)
        route, saga = plugin.main_route, plugin.e2e_saga
        p50_key, p99_key = plugin.e2e_keys
    except (ImportError, SystemExit):
        route, saga, p50_key, p99_key = "POST", "completed sagas", "post_p50_ms", "post_p99_ms"
    build = f", {e2e['build']} build" if e2e.get("build") else ""
    label = f"e2e {name}"
    table = []
    reference = ORIGINAL.get(name)
    sagas = e2e.get("sagas_per_s")
    table.append((label, f"{saga}, per s at {e2e.get('connections')} connections{build}"
                  + (f" vs {reference[1]}" if reference else ""),
                  sagas, reference[0] if reference else None,
                  round(sagas / reference[0], 2) if reference and sagas is not None else None))
    answers = ", ".join(f"{status} x{count}" for status, count in sorted((e2e.get("statuses") or {}).items()))
    table.append((label, f"201 answers/s (answers: {answers})", e2e.get("created_per_s"), None, None))
    table.append((label, f"{route} p50 (ms)", e2e.get(p50_key), None, None))
    table.append((label, f"{route} p99 (ms)", e2e.get(p99_key), None, None))
    table.append((label, "warren up to all ready (ms)", e2e.get("up_to_ready_ms"), None, None))
    cpu = e2e.get("cpu_ms_per_saga")
    if cpu:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(cpu.items(), key=lambda item: -item[1]) if v)
        table.append((label, f"CPU ms per completed saga ({parts})", e2e.get("cpu_ms_per_saga_total"), None, None))
    return table


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def previous(results_path):
    """What bench/RESULTS.md holds now: (its "Written by" sentence, {name: JSON line}), the
    lines of `bench/e2e --system S` named `e2e-S`."""
    written, lines = [], {}
    try:
        text = open(results_path).read()
    except OSError:
        return written, lines
    for line in text.splitlines():
        if line.startswith(("Written by ", "Machine: ", "The lines of ")):
            written.append(line.strip())
        elif line.startswith("{"):
            try:
                figures = json.loads(line)
            except ValueError:
                continue
            name = figures.get("bench")
            if name == "e2e" and figures.get("system"):
                name = f"e2e-{figures['system']}"
            if name:
                lines[name] = figures
    return written, lines


def main(folder, results_path, mode, *systems):
    names = ["amqp", "worker", "rpc", "ingress", "e2e"]
    only_systems = mode.startswith("systems")
    results = {name: load(folder, name) for name in names}
    measured = {f"e2e-{system}": load(folder, f"e2e-{system}") for system in systems}
    kept = {}
    written_before = []
    if only_systems:
        # Only the systems were measured now: every other line stays as bench/RESULTS.md has it.
        written_before, lines = previous(results_path)
        for name in names:
            results[name] = lines.get(name)
        for name, figures in lines.items():
            if name.startswith("e2e-") and name not in measured:
                kept[name] = figures
    others = dict(kept)
    others.update({name: figures for name, figures in measured.items() if figures is not None})
    table = rows(results)
    for name in sorted(others, key=lambda n: (n not in measured, n)):
        table += system_rows(name[len("e2e-"):], others[name])
    header = ("bench", "figure", "value", "reference", "ratio")
    lines = [f"| {' | '.join(header)} |", "|---|---|---:|---:|---:|"]
    lines += [f"| {b} | {f} | {fmt(v)} | {fmt(r)} | {fmt(x)} |" for b, f, v, r, x in table]
    width = max((len(f) for _, f, _, _, _ in table), default=10)
    print(f"{'bench':8} {'figure':{width}} {'value':>12} {'reference':>12} {'ratio':>7}")
    for b, f, v, r, x in table:
        print(f"{b:8} {f:{width}} {fmt(v):>12} {fmt(r):>12} {fmt(x):>7}")
    missing = [n for n in names if results[n] is None] + [n for n, figures in measured.items() if figures is None]
    if missing:
        print(f"not measured: {', '.join(missing)}")
    e2e = results.get("e2e") or {}
    targets = {
        "sagas_per_s_at_least_300": (e2e.get("sagas_per_s") or 0) >= 300 if e2e else None,
        "p99_under_250ms": (e2e.get("reserve_p99_ms") or 1e9) < 250 if e2e else None,
        "every_worker_under_40mb": all(v < 40 for k, v in (e2e.get("rss_peak_mb") or {}).items() if k != "ingress") if e2e else None,
    }
    print(f"targets: {targets}")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    quick = mode.endswith("quick")
    with open(results_path, "w") as file:
        if only_systems:
            done = ", ".join(f"`bench/e2e --system {n[len('e2e-'):]}`" for n, f in measured.items() if f is not None)
            # The run the other lines come from, and its machine, then what was measured now.
            before = [line for line in written_before if not any(f"--system {n[len('e2e-'):]}`" in line for n in measured)
                      or not line.startswith("The lines of ")]
            if done:
                before.append(f"The lines of {done} were measured by `bench/run{' --quick' if quick else ''} --systems` "
                              f"on {date}, on: {machine()}.")
            before = before or ["Written by `bench/run`."]
            if before[0].startswith("Written by "):
                before.insert(1, "")
            file.write("# Benchmark results\n\n" + "\n".join(before) + "\n"
                       "The machine is shared with other builds: runs vary.\n\n")
        else:
            file.write(f"# Benchmark results\n\nWritten by `bench/run{'' if mode == 'full' else ' --quick'}` on {date}.\n\n"
                       f"Machine: {machine()}.\nThe machine is shared with other builds: runs vary.\n\n")
        file.write("\n".join(lines) + "\n\n")
        if missing:
            file.write(f"Not measured (failed or not present): {', '.join(missing)}.\n\n")
        file.write(f"Targets of issue 9: {json.dumps(targets)}\n\nEach benchmark's JSON line:\n\n```\n")
        for name in names:
            if results[name] is not None:
                file.write(json.dumps(results[name], separators=(",", ":")) + "\n")
        for name in sorted(others):
            file.write(json.dumps(others[name], separators=(",", ":")) + "\n")
        file.write("```\n")
    print(json.dumps({"bench": "run", "mode": mode, "date": date, "results": dict(results, **others), "targets": targets,
                      "missing": missing}, separators=(",", ":")))


if __name__ == "__main__":
    main(*sys.argv[1:])
