"""bench/hot-text: the code the fleet runs, gathered into one place by the linker.

A process maps the code of the one `warren` binary in the kernel's 64 kB fault-around windows,
so a function that runs among functions that never do keeps a whole window resident: code was
17.5 of a cleaning worker's 38.7 MB. This runs every role of the systems (`warren worker
SYSTEM/CONTEXT`, `warren ingress SYSTEM`) under valgrind's callgrind through a start, a short
load of the system's e2e script and a graceful stop; maps every instruction that ran to the
linker's input section that holds it (lld's link map); and writes Sources/WarrenCLI/hot-text.ld,
an lld script that puts those sections at the start of .text. scripts/release-build
compiles each function into its own section, so a section is a function.

Sections that ran in more roles come first. The script names a section by its object file
(`*/Module.build/File.swift.o`, `*libswiftCore.a:Member.o`) and its section name, so it holds no
path of this machine. A section it names that a later build no longer has is simply not matched:
the script goes stale as code changes (the code that runs outside it is mapped window by window
again) but never breaks a build. Re-run this after large changes; bench/e2e's RSS says when.

Needs valgrind and objcopy (Debian: valgrind, binutils), wrk, and the local servers."""

import argparse
import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import time

from . import systems
from .driver import Client
from .e2e import ready
from .fleet import Fleet
from .services import Database, Management, Servers, amqp_url_with_vhost

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".local", "hot-text")
MAP = os.path.join(WORK, "warren.map")
PROFILED_AT = os.path.join(WORK, "profiled-at")   # the commit the profiles were made at
SECTION_LINE = re.compile(r"\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+(\s+)(.*)")


def log(text):
    print(f"hot-text: {text}", file=sys.stderr, flush=True)


def text_sections(map_path):
    """(start, size, input section) of every input section of the output section .text."""
    sections, output = [], None
    with open(map_path) as lines:
        for line in lines:
            match = SECTION_LINE.match(line)
            if not match:
                continue
            indent, name = len(match.group(3)), match.group(4)
            if indent == 1:
                output = name
            elif output == ".text" and indent < 17 and name.endswith(")"):
                sections.append((int(match.group(1), 16), int(match.group(2), 16), name))
    if not sections:
        raise SystemExit(f"hot-text: {map_path} lists no input section of .text: not an lld map?")
    return sorted(sections)


def instructions_that_ran(profile, binary):
    """The role (its command line) and the addresses of the instructions of `binary` that ran,
    from a callgrind profile made with --dump-instr=yes. Positions are absolute (0x...),
    relative to the previous one (+n, -n) or the same (*); a `calls=` line's target does not
    move the position, the cost line after it is the call site."""
    role, objects, current, last, addresses = None, {}, None, 0, set()
    with open(profile, errors="replace") as lines:
        for line in lines:
            head = line[0]
            if head in "0123456789+-*":
                token = line.split(None, 1)[0]
                last = (int(token, 16) if token.startswith("0x") else last if token == "*"
                        else last + int(token) if token[0] in "+-" else int(token))
                if current == binary:
                    addresses.add(last)
            elif line.startswith(("ob=", "cob=")):
                # A name is given once, at its first use, by either; only ob= moves the position.
                match = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if match.group(2) is not None:
                    objects[match.group(1)] = match.group(2)
                if line[0] == "o":
                    current = objects.get(match.group(1))
            elif line.startswith("cmd:"):
                role = " ".join(line.split()[2:])
    return role, addresses


def sections_that_ran(addresses, sections):
    starts = [s[0] for s in sections]
    ran = set()
    for address in addresses:
        index = bisect.bisect_right(starts, address) - 1
        if index >= 0 and address < sections[index][0] + sections[index][1]:
            ran.add(index)
    return ran


def file_pattern(section):
    """`*/NIOCore.build/ByteBuffer.swift.o` or `*libswiftCore.a:Array.o`, and the section name."""
    path, name = re.match(r"(.*):\((.*)\)$", section).groups()
    archive = re.match(r"(.*\.a)\((.*)\)$", path)
    if archive:
        return f"*{os.path.basename(archive.group(1))}:{archive.group(2)}", name
    return "*/" + "/".join(path.split("/")[-2:]), name


def write_script(path, sections, roles, header):
    """Files in order of the most roles any of their sections ran in, each file's sections in
    one input section description (lld matches a description against every input section, so
    one per file rather than one per section keeps the link at seconds). The sections go at the
    start of .text itself, whose other input sections lld appends after them: one code section,
    as tools expect (valgrind, for one, sees code in any other section as no object's)."""
    files = collections.OrderedDict()
    for index in sorted(roles, key=lambda i: (-len(roles[i]), sections[i][0])):
        pattern, name = file_pattern(sections[index][2])
        files.setdefault(pattern, []).append(name)
    with open(path, "w") as out:
        out.write("/* " + "\n   ".join(header) + " */\n")
        out.write("SECTIONS {\n  .text : {\n")
        for pattern, names in files.items():
            out.write(f"    {pattern}({' '.join(names)})\n")
        out.write("  }\n} INSERT AFTER .init;\n")
    return len(files)


def profile_system(system, args, wrapper, native):
    """Runs the system's roles under callgrind: start, `--seconds` of its e2e load, stop."""
    env = Servers(ROOT).env()
    management, admin_db = Management(env["RABBITMQ_MANAGEMENT_URL"]), Database(env["DATABASE_URL"])
    run = f"hot-text-{system.name}-{time.strftime('%Y%m%d%H%M%S')}"
    vhost, db_name = run, run.replace("-", "_")
    management.create_vhost(vhost)
    admin_db.execute(f'CREATE DATABASE "{db_name}"')
    database = admin_db.with_name(db_name)
    reader = database.ensure_reader()
    amqp_url = amqp_url_with_vhost(env["AMQP_URL"], vhost)
    health, ingress = args.health_port, args.ingress_port
    fleet = None
    try:
        applied = subprocess.run([native, "topology", "apply", "--url", amqp_url, "--system", system.name, "topology"],
                                 cwd=ROOT, capture_output=True, text=True)
        if applied.returncode != 0:
            raise SystemExit(f"hot-text: topology apply failed:\n{applied.stdout}{applied.stderr}")
        os.environ["E2E_HEALTH_PORT"] = str(health)   # where a plug-in finds a worker (storage's Python one)
        fleet_env = dict(os.environ, AMQP_URL=amqp_url, DATABASE_URL=database.url, READ_DATABASE_URL=reader.url,
                         RABBITMQ_MANAGEMENT_URL=env["RABBITMQ_MANAGEMENT_URL"], LOG_LEVEL="warning",
                         TOPOLOGY_DIR=os.path.join(ROOT, "topology"))
        fleet_env.update(system.e2e_environment(args))
        ports = [health + i for i in range(len(system.contexts))]
        fleet = Fleet(wrapper, fleet_env, os.path.join(WORK, "logs", system.name), ports, ingress,
                      system=system.name, contexts=system.contexts)
        fleet.start()
        started = time.monotonic()
        while not all(ready(p) for p in ports + [ingress]):
            if time.monotonic() - started > args.ready_timeout:
                raise SystemExit(f"hot-text: {system.name} was not ready after {args.ready_timeout} s "
                                 f"(logs: {os.path.join(WORK, 'logs', system.name)})")
            time.sleep(1)
        log(f"{system.name} ready under callgrind after {time.monotonic() - started:.0f} s; "
            f"{args.seconds} s of {system.e2e_script} at {args.connections} connections")
        preparing = Client("127.0.0.1", ingress)
        wrk_env = dict(os.environ, **system.e2e_prepare(preparing, log))
        preparing.close()
        out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s",
                              "-s", os.path.join(ROOT, "bench", system.e2e_script), f"http://127.0.0.1:{ingress}"],
                             capture_output=True, text=True, env=wrk_env).stdout
        summary = next((l for l in out.splitlines() if l.startswith("E2E ")), "no summary")
        log(f"{system.name}: {summary}")
        time.sleep(args.settle)
    finally:
        if fleet:
            fleet.stop(grace=300)   # callgrind writes its profile at exit
        management.delete_vhost(vhost)
        admin_db.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def build_and_profile(args, chosen, profiled, profiles):
    log("building warren as scripts/release-build does, with a link map")
    bin_path = subprocess.run([os.path.join(ROOT, "scripts", "release-build"), "warren", "--", "-Xlinker", f"-Map={MAP}"],
                              cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    native = os.path.join(bin_path, "warren")
    # valgrind 3.19 cannot read the DWARF 5 the toolchain writes; the code and symbols stay.
    subprocess.run(["objcopy", "--strip-debug", native, profiled], check=True)
    shutil.rmtree(profiles, ignore_errors=True)
    os.makedirs(profiles)
    wrapper = os.path.join(WORK, "warren-under-callgrind")
    with open(wrapper, "w") as script:
        script.write("#!/bin/sh\nexec valgrind --tool=callgrind --dump-instr=yes --demangle=no "
                     f"--callgrind-out-file={profiles}/callgrind.%p {profiled} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    with open(PROFILED_AT, "w") as out:
        out.write(commit or "an unknown commit")
    for system in chosen:
        profile_system(system, args, wrapper, native)


def script_from_profiles(args, profiled, profiles):
    """Reads every profile, maps what ran to sections, writes the script and prints the sizes."""
    if not (os.path.exists(MAP) and os.path.isdir(profiles)):
        raise SystemExit(f"hot-text: no earlier run in {WORK} (its link map and profiles): run bench/hot-text "
                         "without --again first")
    sections = text_sections(MAP)
    roles = collections.defaultdict(set)
    per_role = {}
    for name in sorted(os.listdir(profiles)):
        role, addresses = instructions_that_ran(os.path.join(profiles, name), profiled)
        if role is None or not addresses:   # a profile cut short, or of another program
            continue
        ran = sections_that_ran(addresses, sections)
        per_role[role] = ran
        for index in ran:
            roles[index].add(role)
    if not roles:
        raise SystemExit(f"hot-text: no profile in {profiles} holds an instruction of {profiled}")

    def size(indices):
        return sum(sections[i][1] for i in indices) / 1e6
    with open(PROFILED_AT) if os.path.exists(PROFILED_AT) else open(os.devnull) as stored:
        commit = stored.read().strip() or "an unknown commit"
    # The systems are the profiled roles' ("worker cleaning/payment", "ingress cleaning").
    profiled_systems = sorted({role.split()[1].split("/")[0] for role in per_role})
    header = [f"Generated by bench/hot-text at {commit} on {time.strftime('%Y-%m-%d')}: do not edit; re-run it instead.",
              f"The .text input sections that ran in {len(per_role)} roles of {', '.join(profiled_systems)}",
              "under callgrind (start, load, stop), at the start of .text: a worker's code is then",
              "mapped from a few MB instead of windows all over the binary (docs/performance.md).",
              f"{len(roles)} sections, {size(roles):.2f} MB."]
    files = write_script(args.output, sections, roles, header)
    for role, ran in sorted(per_role.items()):
        print(f"{role:44} {len(ran):6} sections {size(ran):6.2f} MB")
    print(f"{'all roles':44} {len(roles):6} sections {size(roles):6.2f} MB in {files} files -> "
          f"{os.path.relpath(args.output, ROOT)}")


def main():
    parser = argparse.ArgumentParser(prog="bench/hot-text", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--system", action="append", choices=systems.names(),
                        help="a system to profile (repeatable; every system by default)")
    parser.add_argument("--seconds", type=int, default=20, help="load per system under callgrind (20)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--settle", type=int, default=10, help="seconds between the load and the stop (10)")
    parser.add_argument("--ready-timeout", type=int, default=600)
    parser.add_argument("--health-port", type=int, default=19850)
    parser.add_argument("--ingress-port", type=int, default=18850)
    parser.add_argument("--output", default=os.path.join(ROOT, "Sources", "WarrenCLI", "hot-text.ld"))
    parser.add_argument("--again", action="store_true",
                        help="write the script again from the last run's map and profiles (.local/hot-text)")
    for name in systems.names():
        systems.load(name).add_options(parser.add_argument_group(f"--system {name}"))
    args = parser.parse_args()
    for tool in () if args.again else ("valgrind", "objcopy", "wrk"):
        if not shutil.which(tool):
            raise SystemExit(f"hot-text: needs {tool} (apt-get install valgrind binutils wrk)")
    os.makedirs(WORK, exist_ok=True)
    profiled, profiles = os.path.join(WORK, "warren"), os.path.join(WORK, "profiles")
    if not args.again:
        build_and_profile(args, [systems.load(n) for n in (args.system or systems.names())], profiled, profiles)
    script_from_profiles(args, profiled, profiles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
