"""The faults of a chaos run, on a schedule relative to the load's start:
- SIGKILL a random worker every `kill_every` seconds (the fleet restarts it),
- stop and restart RabbitMQ once, PostgreSQL once (scripts/servers restart),
- the system's RPC server slowed for a while (restarted with its latency knob, then without;
  cleaning's payment with PAYMENT_APPROVAL_DELAY_MS, see the plug-in's `slowed`).
Every fault is logged with its time and counted."""

import random
import threading
import time
from collections import Counter


class Faults:
    def __init__(self, fleet, servers, duration, slowed=(), kill_every=(3.0, 6.0), seed=None, log=print):
        self.fleet = fleet
        self.servers = servers
        self.duration = duration
        self.kill_every = kill_every
        self.slowed = list(slowed)   # [Slowed(context, variable, value)], slowed together
        self.random = random.Random(seed)
        self.log = log
        self.counts = Counter()
        self.events = []          # (seconds since start, what)
        self.stop_event = threading.Event()
        self.threads = []
        self.started = None
        self.errors = []

    def note(self, what):
        at = time.monotonic() - self.started
        self.events.append((round(at, 1), what))
        self.log(f"fault  t={at:6.1f}s  {what}")

    # The schedule: fractions of the load's duration.
    def plan(self):
        d = self.duration
        slow_for = max(10.0, min(30.0, 0.15 * d))
        plan = [(0.20 * d, "restart rabbitmq", self.restart_rabbitmq)]
        if self.slowed:
            names = " and ".join(s.context for s in self.slowed)
            plan.append((0.45 * d, f"slow {names} for {slow_for:.0f}s", lambda: self.slow_servers(slow_for)))
        plan.append((0.70 * d, "restart postgres", self.restart_postgres))
        return plan

    def start(self):
        self.started = time.monotonic()
        self.server_lock = threading.Lock()    # one server restart (or the slow payment) at a time
        self.threads = [threading.Thread(target=self.kill_loop, daemon=True)]
        self.scheduled_threads = [threading.Thread(target=self.scheduled, args=item, daemon=True) for item in self.plan()]
        for thread in self.threads + self.scheduled_threads:
            thread.start()

    def wait_scheduled(self, timeout=600):
        """Waits until every scheduled fault has been injected and undone (the load goes on
        meanwhile: a slow broker restart must not push a fault past the end of the run)."""
        deadline = time.monotonic() + timeout
        for thread in self.scheduled_threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))

    def stop(self):
        self.stop_event.set()
        for thread in self.threads + self.scheduled_threads:
            thread.join(timeout=120)

    def wait_until(self, at):
        return not self.stop_event.wait(max(0.0, self.started + at - time.monotonic()))

    def kill_loop(self):
        """A random worker every few seconds, until 90 % of the run (the rest settles)."""
        while not self.stop_event.wait(self.random.uniform(*self.kill_every)):
            if time.monotonic() - self.started > 0.9 * self.duration:
                return
            name = self.fleet.kill_random_worker(self.random)
            if name:
                self.counts["sigkill_worker"] += 1
                self.note(f"SIGKILL {name}")

    def scheduled(self, at, what, action):
        if not self.wait_until(at):
            return
        try:
            action()
        except Exception as error:  # a fault that could not be injected is reported, not hidden
            self.errors.append(f"{what}: {error}")
            self.note(f"FAILED {what}: {error}")

    def restart_rabbitmq(self):
        with self.server_lock:
            self.note("RabbitMQ stopping")
            took = self.servers.run("restart", "rabbitmq")
        self.counts["rabbitmq_restart"] += 1
        self.note(f"RabbitMQ back ({took:.1f}s)")

    def restart_postgres(self):
        with self.server_lock:
            self.note("PostgreSQL stopping")
            took = self.servers.run("restart", "postgres")
        self.counts["postgres_restart"] += 1
        self.note(f"PostgreSQL back ({took:.1f}s)")

    def slow_servers(self, seconds):
        # Under the servers' lock: a slow RPC server behind a broker that is down (a restart
        # took up to 26 s here) would show nothing, so it waits for the restart to end, and the
        # next restart waits for it.
        with self.server_lock:
            for slowed in self.slowed:
                self.fleet.restart_with(slowed.context, **{slowed.variable: slowed.value})
                self.counts[f"slow_{slowed.context}"] += 1
                self.note(f"{slowed.context} restarted with {slowed.variable}={slowed.value}")
            time.sleep(seconds)
            for slowed in self.slowed:
                self.fleet.restart_with(slowed.context, **{slowed.variable: None})
                self.note(f"{slowed.context} restarted without delay")
