"""The library book rental system with self-service kiosks (issue 22).

Contexts: payment (serves the Pay RPC, refunds a cancelled reservation), kiosk (serves the
SelfRental RPC, records self rentals and returns), rental (the state machine), book (the
catalogue, from events), mypage (the members' views, from events).

Load, as the original's users typed it: `POST /rentals {memberId, bookId}` (50 %; one in ten the
siege's `{"memberId":1, "bookId":1}`), and `PATCH /rentals/{id} {reqState}` moving a rental the
clients reserved through its state machine (50 %): reserve -> rental -> return, reserve ->
cancel, reserve -> kioskrental (kioskNo 1-10) -> kioskreturn; one PATCH at a time per rental,
and some moves the machine does not allow (answered 409, nothing changes) or a kiosk that does
not exist (400). The slowed RPC servers are payment and kiosk (PAYMENT_LATENCY_MS,
KIOSK_LATENCY_MS: 400-620 ms, the original's sleep).

Invariants:
- reservations: every 201 is a stored rental with its member and book, paid exactly once;
- payments: every rental has its payment; a cancelled rental's payment is refunded
  (PaymentCancelled), every other rental's is Paid; a payment without a rental (the caller gave
  up waiting) is voided, never left Paid; a refund only for a cancelled rental or a void;
- moves: each rental is in the state its last PATCH answered 200 put it in (409 and 400 change
  nothing); with an unanswered PATCH, in the state before or the one asked for;
- kiosk: a rental in kioskrental/kioskreturn has its kiosks row (rented/returned, its kiosk),
  no other rental has one; a self rental the kiosk accepted for a rental that did not move is
  voided; at most one accepted attempt per rental;
- book: every book with a rental has a row showing one of its rentals, in that rental's state;
- mypage: reservationLists has each rental's state, kiosk, payment status and what the kiosk
  recorded (kioskStatus, when the build has it), and only voided payments besides; each member's
  page lists exactly the books of their rentals by state.
"""

import json
import os
import random
import sys
import threading
from collections import Counter

from ..driver import created_id
from .base import Slowed, System, quoted

# The moves a client makes from each state: (requested state, share); the others are refused.
MOVES = {
    "reserve": [("rental", 0.35), ("cancel", 0.25), ("kioskrental", 0.25), ("return", 0.05), ("kioskreturn", 0.05),
                ("kioskrental-unknown-kiosk", 0.05)],
    "rental": [("return", 0.9), ("cancel", 0.1)],
    "kioskrental": [("kioskreturn", 0.9), ("rental", 0.1)],
}
ALLOWED = {"reserve": {"rental", "cancel", "kioskrental"}, "rental": {"return"}, "kioskrental": {"kioskreturn"}}
BOOK_STATUS = {"reserve": "reserved", "rental": "rented", "kioskrental": "rented", "return": "returned",
               "kioskreturn": "returned", "cancel": "available"}
KIOSK_STATUS = {"kioskrental": "rented", "kioskreturn": "returned"}
PAGE = {"reserve": "reserved_book_ids", "rental": "rented_book_ids", "kioskrental": "rented_book_ids",
        "return": "returned_book_ids", "kioskreturn": "returned_book_ids", "cancel": "cancelled_book_ids"}


class Rental:
    def __init__(self, identifier, member, book):
        self.id, self.member, self.book = identifier, member, book
        self.state = "reserve"      # after the last PATCH answered 200
        self.kiosk = None
        self.asked = None           # the state of a PATCH without a definite answer
        self.lock = threading.Lock()


def pg_array(text):
    text = (text or "{}").strip("{}")
    return sorted(int(v) for v in text.split(",") if v)


class Library(System):
    name = "library"
    contexts = ["payment", "kiosk", "rental", "book", "mypage"]
    slowed = [Slowed("payment", "PAYMENT_LATENCY_MS", "400-620"), Slowed("kiosk", "KIOSK_LATENCY_MS", "400-620")]
    main_operation = "reserve"
    main_route = "POST /rentals"
    e2e_script = "e2e-library.lua"
    e2e_saga = "reservations completed (paid, stored, and in the member's reservationLists as reserved and paid)"
    kiosks = 10

    def __init__(self):
        self.rentals = {}
        self.lock = threading.Lock()

    # -- the load ------------------------------------------------------------------------

    def operation(self, driver, client, rng):
        results = driver.results
        extra = results.extra
        if rng.random() < 0.5:
            member, book = (1, 1) if rng.random() < 0.1 else (rng.randrange(1, 60), rng.randrange(1, 300))
            status, headers, payload = driver.send(client, "reserve", "POST", "/rentals", {"memberId": member, "bookId": book})
            with results.lock:
                if status == 201:
                    identifier = created_id(headers, payload)
                    results.created.append(identifier)
                    if identifier is not None:
                        with self.lock:
                            self.rentals[identifier] = Rental(identifier, member, book)
                elif status == 202 or status is None:
                    extra["unanswered_reservations"] = extra.get("unanswered_reservations", 0) + 1
            return
        with self.lock:
            movable = [r for r in self.rentals.values() if r.state in MOVES and r.asked is None]
        if not movable:
            return
        rental = rng.choice(movable)
        if not rental.lock.acquire(blocking=False):
            return
        try:
            if rental.asked is not None or rental.state not in MOVES:
                return
            roll, wanted = rng.random(), None
            for state, share in MOVES[rental.state]:
                roll -= share
                if roll < 0:
                    wanted = state
                    break
            wanted = wanted or MOVES[rental.state][0][0]
            body, kiosk = {"reqState": wanted}, None
            if wanted == "kioskrental":
                kiosk = rng.randrange(1, self.kiosks + 1)
                body["kioskNo"] = kiosk
            elif wanted == "kioskrental-unknown-kiosk":
                wanted, body = "kioskrental", {"reqState": "kioskrental", "kioskNo": 90 + rng.randrange(10)}
            status, _, payload = driver.send(client, "move", "PATCH", f"/rentals/{rental.id}", body)
            with results.lock:
                moves = extra.setdefault("moves", Counter())
                moves[(rental.state, wanted, status)] += 1
                allowed = wanted in ALLOWED.get(rental.state, ())
                if status == 200:
                    if not allowed:
                        extra.setdefault("wrong_answers", []).append(
                            f"rental {rental.id}: {rental.state} -> {wanted} answered 200, the machine does not allow it")
                    rental.state = wanted
                    if kiosk is not None:
                        rental.kiosk = kiosk
                elif status is None or status == 202 or status >= 500:
                    rental.asked = wanted
                elif status == 409 and allowed:
                    extra.setdefault("wrong_answers", []).append(
                        f"rental {rental.id}: {rental.state} -> {wanted} answered 409: {payload[:160]!r}")
                elif status == 400 and not (wanted == "kioskrental" and body.get("kioskNo", 0) > self.kiosks):
                    extra.setdefault("wrong_answers", []).append(
                        f"rental {rental.id}: {rental.state} -> {wanted} answered 400: {payload[:160]!r}")
        finally:
            rental.lock.release()

    def bad_http_cases(self):
        huge = json.dumps({"memberId": 1, "bookId": 1, "pad": "x" * (8 * 1024 * 1024)}).encode()
        return [
            ("malformed-json", "POST", "/rentals", b'{"memberId": 1, ', "application/json"),
            ("wrong-types", "POST", "/rentals", json.dumps({"memberId": [1], "bookId": {}}).encode(), "application/json"),
            ("missing-fields", "POST", "/rentals", b"{}", "application/json"),
            ("huge-body", "POST", "/rentals", huge, "application/json"),
            ("random-bytes", "POST", "/rentals", os.urandom(2048), "application/json"),
            ("wrong-content-type", "POST", "/rentals", b"memberId=1&bookId=1", "text/plain"),
            ("unknown-route", "POST", "/rentalz", b"{}", "application/json"),
            ("bad-id", "PATCH", "/rentals/abc", json.dumps({"reqState": "rental"}).encode(), "application/json"),
            ("unknown-state", "PATCH", "/rentals/900000001", json.dumps({"reqState": "borrow"}).encode(), "application/json"),
            ("kiosk-wrong-type", "PATCH", "/rentals/900000001", json.dumps({"reqState": "kioskrental", "kioskNo": "one"}).encode(),
             "application/json"),
            ("unknown-rental", "PATCH", "/rentals/900000001", json.dumps({"reqState": "rental"}).encode(), "application/json"),
        ]

    # -- the invariants ------------------------------------------------------------------

    def checks(self, database, results, args):
        q = database.rows
        rentals = {int(r["id"]): r for r in q(f"SELECT id, member_id, book_id, req_state, kiosk_no FROM {quoted('rental')}.rentals")}
        payments = {}
        payment_rows = Counter()
        for r in q(f"SELECT id, rental_id, member_id, book_id, status FROM {quoted('payment')}.payments"):
            payments[int(r["rental_id"])] = r
            payment_rows[int(r["rental_id"])] += 1
        cancellations = {int(r["rental_id"]): r for r in q(
            f"SELECT rental_id, cause, payment_id FROM {quoted('payment')}.cancellations")}
        attempts = q(f"SELECT request_id, rental_id, kiosk_no, status FROM {quoted('kiosk')}.self_rental_attempts")
        kiosks = {int(r["rental_id"]): r for r in q(
            f"SELECT rental_id, book_id, member_id, kiosk_no, book_status FROM {quoted('kiosk')}.kiosks")}
        books = {int(r["id"]): r for r in q(f"SELECT id, member_id, rental_id, book_status FROM {quoted('book')}.books")}
        columns = {r["column_name"] for r in q("SELECT column_name FROM information_schema.columns "
                                               "WHERE table_schema = 'mypage' AND table_name = 'reservation_lists'")}
        kiosk_status = "kiosk_status" if "kiosk_status" in columns else "NULL AS kiosk_status"
        lists = {int(r["id"]): r for r in q(
            f"SELECT id, member_id, book_id, req_state, kiosk_no, pay_status, {kiosk_status} "
            f"FROM {quoted('mypage')}.reservation_lists")}
        pages = {int(r["member_id"]): r for r in q(
            f"SELECT member_id, reserved_book_ids, rented_book_ids, returned_book_ids, cancelled_book_ids FROM {quoted('mypage')}.mypages")}
        return {
            "reservations": self.check_reservations(results, rentals, payment_rows),
            "payments": self.check_payments(rentals, payments, cancellations),
            "moves": self.check_moves(results, rentals),
            "kiosk": self.check_kiosk(rentals, attempts, kiosks),
            "book": self.check_book(rentals, books),
            "mypage": self.check_mypage(rentals, payments, lists, pages,
                                        kiosks if "kiosk_status" in columns else None),
        }

    def check_reservations(self, results, rentals, payment_rows):
        violations = []
        for identifier in results.created:
            if identifier is None:
                violations.append("a 201 to POST /rentals without a rental id (no Location, no id)")
                continue
            known = self.rentals[identifier]
            row = rentals.get(identifier)
            if row is None:
                violations.append(f"rental {identifier}: answered 201 but not stored")
                continue
            if (int(row["member_id"]), int(row["book_id"])) != (known.member, known.book):
                violations.append(f"rental {identifier}: member {row['member_id']} book {row['book_id']}, "
                                  f"the request said {known.member} and {known.book}")
            if payment_rows[identifier] != 1:
                violations.append(f"rental {identifier}: answered 201 but has {payment_rows[identifier]} payments")
        for identifier, count in Counter(results.created).items():
            if identifier is not None and count > 1:
                violations.append(f"rental {identifier}: answered 201 to {count} requests")
        return violations

    def check_payments(self, rentals, payments, cancellations):
        violations = []
        for identifier, row in rentals.items():
            payment = payments.get(identifier)
            if payment is None:
                violations.append(f"rental {identifier} ({row['req_state']}): stored without a payment")
            elif row["req_state"] == "cancel" and payment["status"] != "PaymentCancelled":
                violations.append(f"rental {identifier}: cancelled but its payment is {payment['status']}")
            elif row["req_state"] != "cancel" and payment["status"] != "Paid":
                violations.append(f"rental {identifier}: {row['req_state']} but its payment is {payment['status']}")
        for identifier, payment in payments.items():
            cancellation = cancellations.get(identifier)
            if identifier not in rentals:
                if payment["status"] == "Paid":
                    violations.append(f"payment {payment['id']} of rental {identifier}: Paid, but there is no such rental "
                                      f"(charged, never reserved, never voided)")
                elif cancellation is None or cancellation["cause"] != "void":
                    violations.append(f"payment {payment['id']} of rental {identifier}: {payment['status']} without a rental "
                                      f"and without a void (cancellation {cancellation})")
            if payment["status"] == "PaymentCancelled" and cancellation is None:
                violations.append(f"payment {payment['id']} of rental {identifier}: refunded without a cancellation record")
        return violations

    def check_moves(self, results, rentals):
        violations = list(results.extra.get("wrong_answers", []))
        for rental in self.rentals.values():
            row = rentals.get(rental.id)
            if row is None:
                continue   # check_reservations says so
            possible = {rental.state} if rental.asked is None else {rental.state, rental.asked}
            if row["req_state"] not in possible:
                violations.append(f"rental {rental.id}: {row['req_state']}, its PATCHes say {' or '.join(sorted(possible))}")
            if rental.kiosk is not None and row["req_state"] in KIOSK_STATUS and row["kiosk_no"] != str(rental.kiosk):
                violations.append(f"rental {rental.id}: at kiosk {row['kiosk_no']}, its kioskrental said {rental.kiosk}")
        return violations

    def check_kiosk(self, rentals, attempts, kiosks):
        violations = []
        for identifier, row in rentals.items():
            record = kiosks.get(identifier)
            want = KIOSK_STATUS.get(row["req_state"])
            if want is None:
                if record is not None:
                    violations.append(f"kiosks: a row for rental {identifier}, which is {row['req_state']}")
                continue
            if record is None:
                violations.append(f"kiosks: no row for rental {identifier} ({row['req_state']})")
                continue
            if record["book_status"] != want or record["kiosk_no"] != row["kiosk_no"] or record["book_id"] != row["book_id"]:
                violations.append(f"kiosks: rental {identifier} shows {record['book_status']} at kiosk {record['kiosk_no']} "
                                  f"(book {record['book_id']}), rental says {row['req_state']} at {row['kiosk_no']} (book {row['book_id']})")
        for identifier in set(kiosks) - set(rentals):
            violations.append(f"kiosks: a row for rental {identifier}, which does not exist")
        accepted = Counter()
        for attempt in attempts:
            if attempt["status"] != "accepted" or attempt["rental_id"] is None:
                continue
            identifier = int(attempt["rental_id"])
            accepted[identifier] += 1
            state = (rentals.get(identifier) or {}).get("req_state")
            if state not in KIOSK_STATUS:
                violations.append(f"kiosk: self rental {attempt['request_id']} of rental {identifier} accepted and not voided, "
                                  f"but the rental is {state or 'missing'}")
        for identifier, count in accepted.items():
            if count > 1:
                violations.append(f"kiosk: rental {identifier} has {count} accepted self rentals")
        return violations

    def check_book(self, rentals, books):
        violations = []
        by_book = {}
        for identifier, row in rentals.items():
            by_book.setdefault(int(row["book_id"]), []).append(identifier)
        for book, ids in by_book.items():
            row = books.get(book)
            if row is None:
                violations.append(f"book {book}: no row, though rentals {ids[:5]} have it")
                continue
            shown = int(row["rental_id"])
            if shown not in ids:
                violations.append(f"book {book}: shows rental {shown}, which is not one of its rentals")
                continue
            rental = rentals[shown]
            if row["book_status"] != BOOK_STATUS.get(rental["req_state"]) or row["member_id"] != rental["member_id"]:
                violations.append(f"book {book}: {row['book_status']} for member {row['member_id']} (rental {shown}), "
                                  f"the rental is {rental['req_state']} for member {rental['member_id']}")
        for book in set(books) - set(by_book):
            violations.append(f"book {book}: a row, but no rental has this book")
        return violations

    def check_mypage(self, rentals, payments, lists, pages, kiosks=None):
        """`kiosks`: the kiosk's rows, when reservationLists shows what the kiosk recorded
        (kioskStatus, from SelfRentaled/SelfReturned)."""
        violations = []
        for identifier, row in rentals.items():
            entry = lists.get(identifier)
            if entry is None:
                violations.append(f"reservationLists: no row for rental {identifier}")
                continue
            want_pay = (payments.get(identifier) or {}).get("status")
            if (entry["req_state"], entry["member_id"], entry["book_id"], entry["pay_status"]) != \
                    (row["req_state"], row["member_id"], row["book_id"], want_pay):
                violations.append(f"reservationLists {identifier}: {entry['req_state']}, member {entry['member_id']}, "
                                  f"book {entry['book_id']}, paid {entry['pay_status']}; sources say {row['req_state']}, "
                                  f"{row['member_id']}, {row['book_id']}, {want_pay}")
            elif row["req_state"] in KIOSK_STATUS and entry["kiosk_no"] != row["kiosk_no"]:
                violations.append(f"reservationLists {identifier}: kiosk {entry['kiosk_no']}, rental says {row['kiosk_no']}")
            elif kiosks is not None and entry["kiosk_status"] != (kiosks.get(identifier) or {}).get("book_status"):
                violations.append(f"reservationLists {identifier}: kioskStatus {entry['kiosk_status']}, the kiosk recorded "
                                  f"{(kiosks.get(identifier) or {}).get('book_status')} (rental {row['req_state']})")
        for identifier in set(lists) - set(rentals):
            entry, payment = lists[identifier], payments.get(identifier)
            if entry["req_state"] is not None or payment is None or entry["pay_status"] != payment["status"]:
                violations.append(f"reservationLists {identifier}: {entry['req_state']}, paid {entry['pay_status']}, "
                                  f"but there is no such rental (payment {payment and payment['status']})")
        want = {}
        for row in rentals.values():
            page = want.setdefault(int(row["member_id"]), {k: [] for k in set(PAGE.values())})
            page[PAGE[row["req_state"]]].append(int(row["book_id"]))
        for member, lists_wanted in want.items():
            page = pages.get(member)
            if page is None:
                violations.append(f"mypages: no page for member {member}")
                continue
            for column, books in lists_wanted.items():
                if pg_array(page[column]) != sorted(books):
                    shown = pg_array(page[column])
                    violations.append(f"mypages {member}: {column} has {len(shown)} books, the rentals say {len(books)} "
                                      f"(missing {sorted((Counter(books) - Counter(shown)).elements())[:5]}, "
                                      f"extra {sorted((Counter(shown) - Counter(books)).elements())[:5]})")
        for member in set(pages) - set(want):
            page = pages[member]
            if any(pg_array(page[c]) for c in set(PAGE.values())):
                violations.append(f"mypages {member}: lists books, but the member has no rental")
        return violations

    def report(self, results, out=sys.stdout):
        moves = results.extra.get("moves", Counter())
        by_answer = Counter()
        for (state, wanted, status), count in moves.items():
            by_answer[f"{state}->{wanted} {status}"] += count
        print(f"  rentals reserved (201): {len(results.created)}; moves: "
              + ", ".join(f"{k} x{v}" for k, v in sorted(by_answer.items())), file=out)
        states = Counter(r.state for r in self.rentals.values())
        return {"rentals_created": len(results.created), "moves_answered_200": sum(c for (s, w, st), c in moves.items() if st == 200),
                "final_states_seen_by_clients": dict(states)}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_sagas(self, database):
        # A reservation is complete when it is paid, stored, and both views show it.
        return int(database.value(f"""
            SELECT count(*) FROM {quoted('rental')}.rentals r
            JOIN {quoted('payment')}.payments p ON p.rental_id = r.id AND p.status = 'Paid'
            JOIN {quoted('mypage')}.reservation_lists l ON l.id = r.id AND l.req_state = 'reserve' AND l.pay_status = 'Paid'
            WHERE r.req_state = 'reserve'"""))

    def bill_request(self, n, prepared):
        # bench/e2e-library.lua's reservation: members and books 1..1000.
        return "POST", "/rentals", {"memberId": 1 + n % 1000, "bookId": 1 + (n * 7) % 1000}


SYSTEM = Library()
