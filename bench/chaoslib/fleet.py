"""A system's fleet as the chaos run sees it: one `warren worker SYSTEM/CONTEXT` process per
context and `warren ingress SYSTEM`, supervised here (restarted 0.5 s after they exit) so that the
faults can SIGKILL any of them, hold one down, or restart one with other settings."""

import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.request

def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 right now (the kernel's picks): runs in other
    checkouts of this machine, e.g. two scripts/test at once, must not meet on fixed ports."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Process:
    def __init__(self, name, arguments, environment, health_port, log_path):
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.health_port = health_port
        self.log_path = log_path
        self.popen = None
        self.started_at = None
        self.starts = 0
        self.expected_exits = 0      # exits we caused (SIGKILL, restart)
        self.unexpected_exits = []   # (time, status) of exits nobody asked for
        self.held = False            # not restarted while held
        self.metrics_seen = []       # one dict of counters per incarnation (last scrape)

    @property
    def pid(self):
        return self.popen.pid if self.popen and self.popen.poll() is None else None


class Fleet:
    def __init__(self, warren, environment, log_dir, health_ports, ingress_port, with_ingress=True, system="cleaning",
                 contexts=()):
        self.warren = warren
        self.contexts = list(contexts)
        self.log_dir = log_dir
        self.lock = threading.Lock()
        self.stopping = False
        self.processes = {}
        os.makedirs(log_dir, exist_ok=True)
        for index, context in enumerate(self.contexts):
            env = dict(environment, HEALTH_PORT=str(health_ports[index]))
            self.processes[context] = Process(context, ["worker", f"{system}/{context}"], env, health_ports[index],
                                              os.path.join(log_dir, f"{context}.log"))
        if with_ingress:
            env = dict(environment, INGRESS_HOST="127.0.0.1", INGRESS_PORT=str(ingress_port))
            self.processes["ingress"] = Process("ingress", ["ingress", system], env, ingress_port,
                                                os.path.join(log_dir, "ingress.log"))
        self.watcher = threading.Thread(target=self._watch, daemon=True)

    # -- running -------------------------------------------------------------------------

    def _spawn(self, process):
        log = open(process.log_path, "ab")
        process.popen = subprocess.Popen([self.warren, *process.arguments], env=process.environment, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        process.started_at = time.monotonic()
        process.starts += 1
        process.metrics_seen.append({})

    def start(self):
        with self.lock:
            for process in self.processes.values():
                self._spawn(process)
        self.watcher.start()

    def _watch(self):
        """Restarts every process that exited, 0.5 s later, unless it is held or we stop."""
        while not self.stopping:
            with self.lock:
                for process in self.processes.values():
                    status = process.popen.poll() if process.popen else None
                    if process.popen is None or status is None or process.held:
                        continue
                    if process.expected_exits > 0:
                        process.expected_exits -= 1
                    else:
                        process.unexpected_exits.append((time.monotonic(), status))
                    process.popen = None
                    process.restart_at = time.monotonic() + 0.5
                for process in self.processes.values():
                    if process.popen is None and not process.held and time.monotonic() >= getattr(process, "restart_at", 0):
                        self._spawn(process)
            time.sleep(0.1)

    def stop(self, grace=25):
        self.stopping = True
        for process in self.processes.values():
            if process.pid:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            if process.popen:
                try:
                    process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.popen.kill()
                    process.popen.wait()

    # -- faults --------------------------------------------------------------------------

    def kill(self, name, sig=signal.SIGKILL):
        """Sends `sig` to a process; the watcher restarts it. Returns its pid, or None."""
        with self.lock:
            process = self.processes[name]
            pid = process.pid
            if pid is None:
                return None
            process.expected_exits += 1
            os.kill(pid, sig)
            return pid

    def kill_random_worker(self, rng=random):
        candidates = [name for name in self.contexts if self.processes[name].pid and not self.processes[name].held]
        if not candidates:
            return None
        name = rng.choice(candidates)
        return name if self.kill(name) else None

    def hold(self, name):
        """Stops a process (SIGKILL) and keeps it down until `release`."""
        with self.lock:
            process = self.processes[name]
            process.held = True
            if process.pid:
                process.expected_exits += 1
                os.kill(process.pid, signal.SIGKILL)
        if process.popen:
            process.popen.wait()
            with self.lock:
                process.expected_exits -= 1
                process.popen = None

    def release(self, name):
        with self.lock:
            self.processes[name].held = False

    def restart_with(self, name, **settings):
        """Restarts a process gracefully (SIGTERM) with other environment settings; a value of
        None removes the variable."""
        with self.lock:
            process = self.processes[name]
            for key, value in settings.items():
                if value is None:
                    process.environment.pop(key, None)
                else:
                    process.environment[key] = str(value)
            if process.pid:
                process.expected_exits += 1
                os.kill(process.pid, signal.SIGTERM)

    # -- observing -----------------------------------------------------------------------

    def get(self, name, path, timeout=2):
        process = self.processes[name]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{process.health_port}{path}", timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except Exception as error:  # refused, reset, timed out: not serving
            return None, str(error)

    def ready(self, name):
        path = "/readyz"
        status, _ = self.get(name, path)
        return status == 200

    def wait_ready(self, names=None, timeout=120):
        names = names or list(self.processes)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = [n for n in names if not self.ready(n)]
            if not waiting:
                return []
            time.sleep(0.1)
        return waiting

    def scrape(self):
        """Reads each worker's counters into its current incarnation's record."""
        for name in self.contexts:
            process = self.processes[name]
            status, text = self.get(name, "/metrics", timeout=1)
            if status != 200 or not process.metrics_seen:
                continue
            counters = {}
            for line in text.splitlines():
                if line.startswith("#") or " " not in line:
                    continue
                series, value = line.rsplit(" ", 1)
                for wanted in ("warren_inbox_duplicates_total", "warren_outcomes_total", "warren_deliveries_total"):
                    if series.startswith(wanted):
                        key = wanted if wanted == "warren_inbox_duplicates_total" else series
                        try:
                            counters[key] = counters.get(key, 0) + float(value)
                        except ValueError:
                            pass
            process.metrics_seen[-1] = counters

    def counter_total(self, prefix):
        """The sum over every incarnation of every worker of the series starting with `prefix`
        (a lower bound: what a killed process counted after its last scrape is lost)."""
        total = 0.0
        for name in self.contexts:
            for counters in self.processes[name].metrics_seen:
                total += sum(v for k, v in counters.items() if k.startswith(prefix))
        return int(total)

    def rss_mb(self):
        sizes = {}
        for name, process in self.processes.items():
            pid = process.pid
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            sizes[name] = round(int(line.split()[1]) / 1024, 1)
            except (OSError, TypeError):
                pass
        return sizes
