"""The cleaning system (issue 9): the load, the slowed payment worker, the bad HTTP input and
the invariants of the original chaos suite, unchanged.

Load: POST /cleaningReservations (70 %), DELETE /cleaningReservations/{id} of one a client
booked (15 %), POST /paymethods (15 %); 3 % of reservations priced 0 (declined).
Invariants: every 201 has exactly one payment and a stored reservation, every 2xx DELETE left
it cancelled; every approved payment ends in a confirmed cleaning or a refund, never both;
refunds once; the dashboard equals what the contexts' tables say; one notification per step."""

import json
import os
import sys
from collections import Counter

from ..driver import created_id
from .base import Slowed, System

PLACES = ["Seoul", "Busan", "Incheon", "Daegu", "Gwangju", "Suwon"]
KINDS = ["credit", "debit", "card"]

RESERVED = "CleaningRequested"
CANCELED = "CleaningRequestCanceled"
PAID = "PaymentCompleted"
REFUNDED = "PaymentCancelCompleted"
CONFIRMED = "CleaningConfirmed"
REJECTED = "CleaningRejected"
COMPLETED = "CleaningCompleted"
CARD_REGISTERED = "PaymentKindRegistered"
CARD_CONFIRMED = "PayKindChangeConfirmed"


def same_number(a, b):
    try:
        return a is not None and b is not None and float(a) == float(b)
    except ValueError:
        return False


class Cleaning(System):
    name = "cleaning"
    contexts = ["reservation", "payment", "cleaning", "paymethod", "message", "dashboard"]
    slowed = [Slowed("payment", "PAYMENT_APPROVAL_DELAY_MS", "400-620")]
    via_amqp = True
    main_operation = "reserve"
    main_route = "POST /cleaningReservations"
    e2e_script = "e2e.lua"
    e2e_saga = "completed reservation sagas (cleaning confirmed, or rejected and refunded)"
    e2e_keys = ("reserve_p50_ms", "reserve_p99_ms")
    mix = (0.7, 0.15, 0.15)
    decline_share = 0.03

    def vhost_and_database(self, run):
        return f"chaos-{run}", f"chaos_{run.replace('-', '_')}"

    def add_options(self, parser):
        parser.add_argument("--capacity", type=int, default=None,
                            help="CLEANING_CAPACITY_PER_DAY (60 days are booked; chaos 40, e2e 10000)")

    def fleet_environment(self, args):
        return {"PAYMETHOD_HASH_KEY": "chaos-" + "k" * 32,
                "CLEANING_CAPACITY_PER_DAY": str(args.capacity if args.capacity is not None else 40)}

    # -- the load ------------------------------------------------------------------------

    def reservation_body(self, rng):
        day = 1 + rng.randrange(60)
        price = 0 if rng.random() < self.decline_share else rng.randrange(10, 500) * 100
        return {"requestDate": f"2027-{1 + (day - 1) // 28:02d}-{1 + (day - 1) % 28:02d}", "place": rng.choice(PLACES),
                "price": price, "payKind": "card"}

    def paymethod_body(self, rng):
        digits = "".join(rng.choice("0123456789") for _ in range(16))
        # The dashboard keys every row on requestId, shared by reservations (their id) and
        # payment kinds (the client's number): a number that is also a reservation's id merges
        # the two into one row, which the invariants cannot tell from a wrong one. Reservation
        # ids count from 1, so registrations take numbers far above any run's reservations.
        return {"kind": rng.choice(KINDS), "number": digits, "requestId": rng.randrange(1_000_000_000, 2_000_000_000),
                "payKindRegStatus": "PaymentKindRegistered"}

    def operation(self, driver, client, rng):
        roll = rng.random()
        results = driver.results
        if roll < self.mix[0]:
            status, headers, payload = driver.send(client, "reserve", "POST", "/cleaningReservations", self.reservation_body(rng))
            if status == 201:
                identifier = created_id(headers, payload)
                with results.lock:
                    results.created.append(identifier)
                    if identifier is not None:
                        results.cancellable.append(identifier)
            elif status == 202:
                with results.lock:
                    results.accepted.append(("reserve", headers.get("Location")))
        elif roll < self.mix[0] + self.mix[1]:
            with results.lock:
                identifier = results.cancellable.pop(rng.randrange(len(results.cancellable))) if results.cancellable else None
            if identifier is None:
                return
            status, headers, _ = driver.send(client, "cancel", "DELETE", f"/cleaningReservations/{identifier}", None)
            if status in (200, 204):
                with results.lock:
                    results.cancelled.add(identifier)
            elif status == 202:
                with results.lock:
                    results.accepted.append(("cancel", headers.get("Location")))
        else:
            status, headers, _ = driver.send(client, "paymethod", "POST", "/paymethods", self.paymethod_body(rng))
            if status == 202:
                with results.lock:
                    results.accepted.append(("paymethod", headers.get("Location")))

    def bad_http_cases(self):
        huge = json.dumps({"requestDate": "2027-01-01", "place": "x" * (8 * 1024 * 1024), "price": 1, "payKind": "card"}).encode()
        return [
            ("malformed-json", "POST", "/cleaningReservations", b'{"place": "Seoul", ', "application/json"),
            ("wrong-types", "POST", "/cleaningReservations",
             json.dumps({"requestDate": 5, "place": [], "price": "abc", "payKind": {}}).encode(), "application/json"),
            ("missing-fields", "POST", "/cleaningReservations", b"{}", "application/json"),
            ("huge-body", "POST", "/cleaningReservations", huge, "application/json"),
            ("random-bytes", "POST", "/cleaningReservations", os.urandom(2048), "application/json"),
            ("wrong-content-type", "POST", "/cleaningReservations", b"requestDate=2027-01-01", "text/plain"),
            ("unknown-route", "POST", "/cleaningReservationz", b"{}", "application/json"),
            ("bad-id", "DELETE", "/cleaningReservations/abc", None, None),
            ("short-card-number", "POST", "/paymethods",
             json.dumps({"kind": "credit", "number": "123", "requestId": 1, "payKindRegStatus": "PaymentKindRegistered"}).encode(),
             "application/json"),
            ("paymethod-wrong-types", "POST", "/paymethods",
             json.dumps({"kind": 1, "number": True, "requestId": "x1", "payKindRegStatus": []}).encode(), "application/json"),
        ]

    def amqp_client(self, url):
        from ..amqp_client import AMQPClient   # pika: only for --via amqp
        return AMQPClient(url)

    # -- the invariants ------------------------------------------------------------------

    def checks(self, database, results, args):
        s = Sources(database)
        return {
            "created": check_created(s, results.created, results.cancelled),
            "payments": check_payments(s),
            "refunds": check_refunds(s),
            "dashboard": check_dashboard(s),
            "messages": check_messages(s),
        }

    def report(self, results, out=sys.stdout):
        return {"reservations_created": len(results.created), "cancellations": len(results.cancelled)}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_environment(self, args):
        return {"PAYMETHOD_HASH_KEY": "e2e-" + "k" * 32,
                "CLEANING_CAPACITY_PER_DAY": str(args.capacity if args.capacity is not None else 10000)}

    def e2e_sagas(self, database):
        return int(database.value("SELECT count(*) FROM cleaning.cleans "
                                  "WHERE status IN ('CleaningConfirmed', 'CleaningCompleted', 'CleaningRejected')"))

    def bill_request(self, n, prepared):
        # bench/e2e.lua's reservation: a card payment the payment context approves.
        return "POST", "/cleaningReservations", {"requestDate": f"2027-01-{1 + n % 28:02d}", "place": PLACES[n % len(PLACES)],
                                                 "price": 100 * (10 + n % 490), "payKind": "card"}


SYSTEM = Cleaning()


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
