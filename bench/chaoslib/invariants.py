"""The invariants of issue 9, checked from the databases and the broker once the fleet is quiet.

Each check returns a list of violations (strings naming the request id and what is wrong);
the run fails when any list is not empty."""

import time
from collections import Counter


SCHEMAS = ["reservation", "payment", "cleaning", "paymethod", "message", "dashboard"]

RESERVED = "CleaningRequested"
CANCELED = "CleaningRequestCanceled"
PAID = "PaymentCompleted"
REFUNDED = "PaymentCancelCompleted"
CONFIRMED = "CleaningConfirmed"
REJECTED = "CleaningRejected"
COMPLETED = "CleaningCompleted"
CARD_REGISTERED = "PaymentKindRegistered"
CARD_CONFIRMED = "PayKindChangeConfirmed"
EXPIRED_RPC = "expired RPC request (fault)"


def backlog(management, vhost, database):
    """(messages in queues other than dead-letter ones, outbox rows) right now."""
    queued = {q["name"]: q["messages"] for q in management.queues(vhost)
              if not q["name"].endswith(".dead") and q["messages"]}
    outbox = {s: int(database.value(f"SELECT count(*) FROM {s}.warren_outbox")) for s in SCHEMAS}
    return queued, {s: n for s, n in outbox.items() if n}


def wait_for_quiescence(management, vhost, database, timeout, log=print):
    """Waits until every queue but the dead-letter ones and every outbox is empty eight checks
    in a row, one second apart (the management API's queue figures are up to 5 s old). Returns (seconds waited, what was left when it gave up or {})."""
    started = time.monotonic()
    quiet = 0
    left = {}
    last_note = 0
    while time.monotonic() - started < timeout:
        try:
            queued, outbox = backlog(management, vhost, database)
        except Exception as error:  # a server still coming back
            queued, outbox = {"(unreadable)": str(error)}, {}
        left = {"queues": queued, "outboxes": outbox} if queued or outbox else {}
        quiet = quiet + 1 if not left else 0
        if quiet >= 8:
            return time.monotonic() - started, {}
        if time.monotonic() - last_note > 10:
            last_note = time.monotonic()
            log(f"waiting for quiescence: {left or 'quiet'}")
        time.sleep(1)
    return time.monotonic() - started, left


class Sources:
    """The rows the checks need, read once."""

    def __init__(self, database):
        q = database.rows
        self.reservations = {int(r["id"]): r for r in q(
            "SELECT id, request_date, place, price::text AS price, pay_kind, status FROM reservation.cleaning_reservations")}
        self.refused = {int(r["id"]): r for r in q("SELECT id, refusal FROM reservation.refused_requests")}
        self.payments = {}
        self.payment_rows = Counter()
        for r in q("SELECT id, request_id, price::text AS price, pay_kind, status FROM payment.payments"):
            self.payments[int(r["request_id"])] = r
            self.payment_rows[int(r["request_id"])] += 1
        self.cleans = {int(r["request_id"]): r for r in q("SELECT request_id, cleaner_id, status FROM cleaning.cleans")}
        self.assignments = {int(r["request_id"]) for r in q("SELECT request_id FROM cleaning.assignments")}
        self.paymethods = q("SELECT id, kind, request_id FROM paymethod.paymethods")
        self.pay_kinds = q("SELECT pay_method_id, request_id, kind FROM payment.pay_kinds")
        self.messages = q("SELECT request_id, status FROM message.messages")
        self.dashboard = {int(r["request_id"]): r for r in q(
            "SELECT request_id, pay_kind, place, price::text AS price, request_date, status FROM dashboard.dash_board_views")}
        self.inbox = {s: int(database.value(f"SELECT count(*) FROM {s}.warren_inbox")) for s in SCHEMAS}


def same_number(a, b):
    try:
        return a is not None and b is not None and float(a) == float(b)
    except ValueError:
        return False


def check_created(s, created, cancelled):
    """Every 201 has exactly one approval and a stored reservation; every 2xx DELETE left the
    reservation cancelled."""
    violations = []
    for rid in created:
        if rid is None:
            violations.append("a 201 without a reservation id (no Location, no id)")
            continue
        if s.payment_rows[rid] != 1:
            violations.append(f"reservation {rid}: answered 201 but has {s.payment_rows[rid]} payments")
        if rid not in s.reservations:
            violations.append(f"reservation {rid}: answered 201 but not stored")
    for rid in cancelled:
        if s.reservations.get(rid, {}).get("status") != CANCELED:
            violations.append(f"reservation {rid}: DELETE answered 2xx but its status is {s.reservations.get(rid, {}).get('status')}")
    return violations


def check_payments(s):
    """Every approved payment ends in a confirmed cleaning or a refund, never both, never
    neither; a reservation is stored only with its payment, and cancelled only with a refund."""
    violations = []
    good_cleaning = {CONFIRMED, COMPLETED}
    for rid, payment in s.payments.items():
        clean = s.cleans.get(rid, {}).get("status")
        if payment["status"] == PAID:
            if clean not in good_cleaning:
                violations.append(f"payment of {rid}: approved, not refunded, but its cleaning is {clean or 'missing'}")
            if rid not in s.reservations:
                violations.append(f"payment of {rid}: approved and not refunded, but there is no reservation")
        elif payment["status"] == REFUNDED:
            if clean in good_cleaning:
                violations.append(f"payment of {rid}: refunded AND its cleaning is {clean}")
            if rid in s.assignments:
                violations.append(f"payment of {rid}: refunded but a cleaner is still booked")
        else:
            violations.append(f"payment of {rid}: unexpected status {payment['status']}")
    for rid, reservation in s.reservations.items():
        if rid not in s.payments:
            violations.append(f"reservation {rid}: stored without a payment")
        elif reservation["status"] == CANCELED and s.payments[rid]["status"] != REFUNDED:
            violations.append(f"reservation {rid}: cancelled but its payment is {s.payments[rid]['status']}")
    for rid in s.assignments:
        if s.cleans.get(rid, {}).get("status") not in good_cleaning:
            violations.append(f"cleaning of {rid}: a cleaner is booked but the job is {s.cleans.get(rid, {}).get('status')}")
    return violations


def check_refunds(s):
    """No refund without a payment, and at most one refund notice per request."""
    violations = []
    notices = Counter(int(m["request_id"]) for m in s.messages if m["status"] == REFUNDED)
    for rid, count in notices.items():
        if s.payments.get(rid, {}).get("status") != REFUNDED:
            violations.append(f"request {rid}: a refund notice without a refunded payment")
        if count > 1:
            violations.append(f"request {rid}: {count} refund notices")
    for rid, row in s.dashboard.items():
        if row["status"] == REFUNDED and s.payments.get(rid, {}).get("status") != REFUNDED:
            violations.append(f"dashboard {rid}: shows a refund without a refunded payment")
    return violations


def expected_status(s, rid):
    payment = s.payments.get(rid, {}).get("status")
    clean = s.cleans.get(rid, {}).get("status")
    if payment == REFUNDED:
        return REFUNDED
    if s.reservations.get(rid, {}).get("status") == CANCELED:
        return CANCELED
    if clean in (REJECTED, COMPLETED, CONFIRMED):
        return clean
    if payment == PAID:
        return PAID
    return RESERVED


def check_dashboard(s):
    """The dashboard has one row per request the sources know, equal to what they say."""
    violations = []
    expected = {}
    for row in s.paymethods:
        expected[int(row["request_id"])] = {"status": {CARD_REGISTERED, "PaymentKindChanged"}, "pay_kind": None}
    for rid in set(s.reservations) | set(s.payments) | set(s.cleans):
        reservation = s.reservations.get(rid) or {}
        payment = s.payments.get(rid) or {}
        expected[rid] = {"status": {expected_status(s, rid)},
                         "place": reservation.get("place"), "price": reservation.get("price") or payment.get("price"),
                         "request_date": reservation.get("request_date"), "pay_kind": reservation.get("pay_kind") or payment.get("pay_kind")}
    for rid, want in expected.items():
        row = s.dashboard.get(rid)
        if row is None:
            violations.append(f"dashboard: no row for request {rid}")
            continue
        if row["status"] not in want["status"]:
            violations.append(f"dashboard {rid}: status {row['status']}, sources say {sorted(want['status'])}")
        for field in ("place", "request_date", "pay_kind"):
            if want.get(field) is not None and row[field] != want[field]:
                violations.append(f"dashboard {rid}: {field} {row[field]!r}, sources say {want[field]!r}")
        if want.get("price") is not None and not same_number(row["price"], want["price"]):
            violations.append(f"dashboard {rid}: price {row['price']}, sources say {want['price']}")
    for rid in set(s.dashboard) - set(expected):
        violations.append(f"dashboard {rid}: a row no source knows")
    return violations


def check_messages(s):
    """The notification history holds exactly one message per step the sources record."""
    expected = Counter()
    for rid, payment in s.payments.items():
        expected[(rid, PAID)] += 1
        if payment["status"] == REFUNDED:
            expected[(rid, REFUNDED)] += 1
    for rid, clean in s.cleans.items():
        if clean["cleaner_id"] is not None:
            expected[(rid, CONFIRMED)] += 1
        if clean["status"] == REJECTED:
            expected[(rid, REJECTED)] += 1
        if clean["status"] == COMPLETED:
            expected[(rid, COMPLETED)] += 1
    for row in s.paymethods:
        expected[(int(row["request_id"]), CARD_REGISTERED)] += 1
    for row in s.pay_kinds:
        expected[(int(row["request_id"]), CARD_CONFIRMED)] += 1
    actual = Counter((int(m["request_id"]), m["status"]) for m in s.messages)
    violations = []
    for key in sorted(set(expected) | set(actual)):
        if expected[key] != actual[key]:
            violations.append(f"messages of request {key[0]}: {actual[key]} x {key[1]}, sources say {expected[key]}")
    return violations


def check_broker(management, vhost, database, campaign):
    """No message left in a queue but the dead-letter queues, outboxes empty, every dead
    letter explained by an injected bad input. Returns (violations, dead letters by kind and reason)."""
    violations = []
    queued, outbox = backlog(management, vhost, database)
    for name, count in sorted(queued.items()):
        violations.append(f"queue {name}: {count} messages left")
    for schema, count in sorted(outbox.items()):
        violations.append(f"outbox of {schema}: {count} rows left")
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
