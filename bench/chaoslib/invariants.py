"""The invariants every system shares, checked from the broker and the contexts' outboxes once
the fleet is quiet: quiescence, no message left in a queue, every dead letter explained. The
system's own invariants are in its plug-in (`chaoslib/systems/<name>.py`, `checks`).

Each check returns a list of violations (strings naming the request id and what is wrong);
the run fails when any list is not empty."""

import time
from collections import Counter

from .systems.base import quoted

EXPIRED_RPC = "expired RPC request (fault)"


def backlog(management, vhost, database, schemas):
    """(messages in queues other than dead-letter ones, outbox rows) right now. A queue's count
    reads `N (D waiting to be dead-lettered)` when D of them are a quorum queue's dead letters
    the broker has not handed to the dead-letter exchange yet."""
    queued = {q["name"]: (q["messages"] if not q["dlx"] else f"{q['messages']} ({q['dlx']} waiting to be dead-lettered)")
              for q in management.queues(vhost) if not q["name"].endswith(".dead") and q["messages"]}
    outbox = {s: int(database.value(f"SELECT count(*) FROM {quoted(s)}.warren_outbox")) for s in schemas}
    return queued, {s: n for s, n in outbox.items() if n}


def wait_for_quiescence(management, vhost, database, schemas, timeout, log=print):
    """Waits until every queue but the dead-letter ones and every outbox is empty eight checks
    in a row, one second apart (the management API's queue figures are up to 5 s old), or
    until what is left can only be stuck (outbox rows that failed again while we waited, or a
    quorum queue's dead letters the broker cannot forward). Returns (seconds waited, what was
    left when it gave up or {})."""
    started = time.monotonic()
    quiet = 0
    left = {}
    last_note = 0
    stuck_since, stuck = None, None
    stuck_outbox, first_tries = None, None
    while time.monotonic() - started < timeout:
        try:
            queued, outbox = backlog(management, vhost, database, schemas)
        except Exception as error:  # a server still coming back
            queued, outbox = {"(unreadable)": str(error)}, {}
        left = {"queues": queued, "outboxes": outbox} if queued or outbox else {}
        quiet = quiet + 1 if not left else 0
        if quiet >= 8:
            return time.monotonic() - started, {}
        # Only outbox rows the relay keeps failing to publish: the same rows, each of them
        # retried (and failed again) since the wait began, with every queue empty: no point
        # waiting on; the broker check says which messages.
        if not queued and outbox:
            tried = outbox_min_attempts(database, outbox)
            if outbox != stuck_outbox or tried is None:
                stuck_outbox, first_tries = outbox, tried
            elif first_tries is not None and tried > first_tries:
                log(f"giving up on quiescence: outbox rows {outbox} each retried since the wait began, and failed again")
                return time.monotonic() - started, left
        else:
            stuck_outbox = None
        # Only dead letters the broker keeps failing to forward (a quorum queue's at-least-once
        # dead-lettering found no route, e.g. at boot), unchanged for 200 s: longer than the
        # broker's retry of them (dead_letter_worker_publisher_confirm_timeout, 180 s by
        # default), so no point waiting on; the broker check reports them.
        only_dlx = not outbox and queued and all(isinstance(v, str) and "dead-lettered" in v for v in queued.values())
        if only_dlx and queued == stuck:
            if time.monotonic() - stuck_since > 200:
                log(f"giving up on quiescence: {queued} unchanged for 200 s")
                return time.monotonic() - started, left
        else:
            stuck_since, stuck = time.monotonic(), (queued if only_dlx else None)
        if time.monotonic() - last_note > 10:
            last_note = time.monotonic()
            log(f"waiting for quiescence: {left or 'quiet'}")
        time.sleep(1)
    return time.monotonic() - started, left


def outbox_min_attempts(database, outbox):
    """The fewest publishing attempts of any row left in these outboxes (None if unreadable)."""
    try:
        return min(int(database.value(f"SELECT coalesce(min(attempts), 0) FROM {quoted(s)}.warren_outbox")) for s in outbox)
    except Exception:
        return None


def outbox_contents(database, schema):
    """What an outbox still holds: {(exchange, routing key): (rows, most attempts, an id)}."""
    rows = database.rows(f"SELECT exchange, routing_key, count(*) AS n, max(attempts) AS attempts, min(id) AS id "
                         f"FROM {quoted(schema)}.warren_outbox GROUP BY 1, 2 ORDER BY 3 DESC")
    return {(r["exchange"], r["routing_key"]): (int(r["n"]), int(r["attempts"]), r["id"]) for r in rows}


def inbox_counts(database, schemas):
    """Messages each context processed (its inbox rows)."""
    return {s: int(database.value(f"SELECT count(*) FROM {quoted(s)}.warren_inbox")) for s in schemas}


def check_broker(management, vhost, database, schemas, campaign):
    """No message left in a queue but the dead-letter queues, outboxes empty, every dead
    letter explained by an injected bad input. Returns (violations, dead letters by kind and reason)."""
    violations = []
    queued, outbox = backlog(management, vhost, database, schemas)
    for name, count in sorted(queued.items()):
        violations.append(f"queue {name}: {count} messages left")
    for schema, count in sorted(outbox.items()):
        try:
            held = "; ".join(f"{n} to {exchange} with routing key {key} (tried up to {tries} times, e.g. outbox id {example})"
                             for (exchange, key), (n, tries, example) in outbox_contents(database, schema).items())
        except Exception as error:
            held = f"unreadable: {error}"
        violations.append(f"outbox of {schema}: {count} rows left, never published: {held}")
    ended = Counter()
    for queue in management.queues(vhost):
        if not queue["name"].endswith(".dead") or not queue["messages"]:
            continue
        # The queue's figure may be 5 s old: ask for far more than it says.
        for message in management.peek(vhost, queue["name"], count=queue["messages"] * 2 + 1000):
            kind = campaign.explain(message) if campaign else None
            reason = dead_letter_reason(message)
            if kind is None and reason.startswith("broker: expired in ") and reason.endswith(".rpc"):
                # An RPC request nobody took before its deadline (payment killed, slowed, or the
                # broker restarting): the design lets it die in the queue; the queue's
                # dead-letter exchange then keeps it in <context>.dead. Explained by the faults.
                kind = EXPIRED_RPC
            ended[(queue["name"], kind or "UNEXPLAINED", reason)] += 1
            if kind is None:
                props = message.get("properties") or {}
                violations.append(f"{queue['name']}: unexplained dead letter {props.get('type')} "
                                  f"message_id={props.get('message_id')} reason={reason}")
    return violations, ended


def dead_letter_reason(message):
    headers = (message.get("properties") or {}).get("headers") or {}
    if headers.get("x-death-reason"):
        return str(headers["x-death-reason"])
    if headers.get("x-first-death-reason"):   # dead-lettered by the broker itself
        return f"broker: {headers['x-first-death-reason']} in {headers.get('x-first-death-queue')}"
    return "no reason header"
