"""The hotel booking system (yogiyogi, issue 19).

Contexts: payment (serves the Pay RPC, refunds a cancelled booking, voids a timed-out one),
order (asks payment before answering a booking; cancels), reservation (a reservation per paid
booking, deleted when the booking is cancelled), hotel (the operator's copy, confirms or
rejects), customer (the views mypages and hotelViews, and the notification history).

Load, as the original's users typed it (`http :8080/orders name="BJ.Kang" cardNo=111
status="order start"`, `http :8080/confirmations orderId=1 status="Confirmed"`): bookings
`POST /orders` (55 %; one in twenty with the card payment declines, 4000000000000002, one in
fifty with the original's `111`), customer cancellations `DELETE /orders/{id}` or `PATCH
/orders/{id} status=cancel` (15 %), the operator's `POST /confirmations` `Confirmed` or
`Canceled` (25 %; one booking at a time, so each client knows what it asked last), and
confirmations of bookings nobody made (5 %, answered 409). The slowed RPC server is payment
(PAYMENT_LATENCY_MS, the original's 400-620 ms sleep).

Invariants (issue 19):
- bookings: every 201 is a stored booking with its guest and its card masked, paid once, with a
  reservation unless cancelled; every 402 is a booking stored cancelled, never charged, never
  reserved; a 2xx cancellation left the booking cancelled, a 201/200 confirmation left it
  confirmed (or cancelled afterwards), a 201 rejection left it rejected and compensated;
- payments: a cancelled booking's payment is refunded (Pay Canceled, a cancellation recorded),
  an active booking's is Pay OK; a payment without a booking (its caller gave up waiting) is
  voided, never left Pay OK;
- reservations: a reservation exactly for every active paid booking, none for a cancelled one
  or for a booking that does not exist;
- hotel: the operator's copy of every reservation ever made, Confirmed only for an active
  booking, Canceled (rejected) only for a cancelled, refunded booking;
- views: mypages, hotelViews and the notifications equal what the contexts' tables say (the
  status of the highest-ranked event, one notification per booking and event);
- cards: no table shows a card number the load sent in full.
"""

import json
import os
import re
import sys
import threading
from collections import Counter

from ..driver import created_id
from .base import Slowed, System, quoted

NAMES = ["BJ.Kang", "Jeon", "Kim", "Lee", "Park", "Choi", "Yoon", "Han"]
DECLINED_CARD = "4000000000000002"     # payment's default PAYMENT_DECLINED_CARDS

ORDERED, ORDER_CANCELED = "Ordered", "OrderCanceled"
PAY_OK, PAY_CANCELED = "Pay OK", "Pay Canceled"
RESERVED, RESERVATION_CANCELED = "Reservation Complete", "Reservation Canceled"
CONFIRMED, REJECTED = "Confirmed", "Canceled"
# The customer context's ranks (Customer/CustomerFacts.swift): the status of the highest wins.
RANKS = {"Ordered": (1, ORDERED), "PaymentApproved": (2, PAY_OK), "ReservationCompleted": (3, RESERVED),
         "ReservationConfirmed": (4, CONFIRMED), "ReservationCanceled": (5, RESERVATION_CANCELED),
         "PaymentCanceled": (6, PAY_CANCELED), "OrderCanceled": (7, ORDER_CANCELED), "ReservationRejected": (8, REJECTED)}


def mask(digits):
    """The card as the hotel system shows it (CardNumber.mask)."""
    visible = 4 if len(digits) >= 12 else min(1, len(digits) - 1)
    return "*" * (len(digits) - visible) + digits[len(digits) - visible:]


class Booking:
    def __init__(self, identifier, name, card):
        self.id, self.name, self.card = identifier, name, card
        self.state = "booked"        # booked, confirmed, cancelled (customer), rejected (hotel)
        self.asked = None            # what a request without a definite answer asked for
        self.lock = threading.Lock()


class Hotel(System):
    name = "hotel"
    contexts = ["payment", "order", "reservation", "hotel", "customer"]
    slowed = [Slowed("payment", "PAYMENT_LATENCY_MS", "400-620")]
    main_operation = "book"
    main_route = "POST /orders"
    e2e_script = "e2e-hotel.lua"
    e2e_saga = "bookings completed (paid, reserved, in the operator's copy and the customer's mypage)"

    def __init__(self):
        self.bookings = {}
        self.declined = {}           # order id -> (name, card) of 402 answers
        self.cards = set()           # every card number sent in full
        self.lock = threading.Lock()

    # -- the load ------------------------------------------------------------------------

    def operation(self, driver, client, rng):
        results = driver.results
        extra = results.extra
        roll = rng.random()
        if roll < 0.55:
            self.book(driver, client, rng)
            return
        if roll >= 0.95:
            unknown = 900_000_000 + rng.randrange(1000)   # bookings count from 1: far past any a run makes
            status, _, payload = driver.send(client, "confirm", "POST", "/confirmations",
                                             {"orderId": unknown, "status": "Confirmed"})
            if status is not None and status != 409 and status < 500 and status != 202:
                with results.lock:
                    extra.setdefault("wrong_answers", []).append(
                        f"confirmation of order {unknown}, which nobody booked: answered {status} {payload[:160]!r}")
            return
        with self.lock:
            open_ = [b for b in self.bookings.values() if b.state in ("booked", "confirmed") and b.asked is None]
        if not open_:
            return
        booking = rng.choice(open_)
        if not booking.lock.acquire(blocking=False):
            return
        try:
            if booking.state not in ("booked", "confirmed") or booking.asked is not None:
                return
            if roll < 0.70:
                wanted = "cancelled"
                if rng.random() < 0.5:
                    status, _, payload = driver.send(client, "cancel", "DELETE", f"/orders/{booking.id}", None)
                else:
                    status, _, payload = driver.send(client, "cancel", "PATCH", f"/orders/{booking.id}", {"status": "cancel"})
                ok = status in (200, 204)
            else:
                decision = "Canceled" if booking.state == "confirmed" or rng.random() < 0.3 else "Confirmed"
                wanted = "confirmed" if decision == "Confirmed" else "rejected"
                status, _, payload = driver.send(client, "confirm", "POST", "/confirmations",
                                                 {"orderId": booking.id, "status": decision})
                ok = status in (200, 201)
            with results.lock:
                if ok:
                    booking.state = wanted
                    if wanted == "cancelled":
                        results.cancelled.add(booking.id)
                elif status is None or status == 202 or status >= 500:
                    booking.asked = wanted
                elif status == 409 and wanted != "cancelled":
                    # The hotel has not seen the reservation yet (it follows the payment by events).
                    extra["confirmations_too_early"] = extra.get("confirmations_too_early", 0) + 1
                else:
                    extra.setdefault("wrong_answers", []).append(
                        f"order {booking.id} ({booking.state}): asking for {wanted} answered {status}: {payload[:160]!r}")
        finally:
            booking.lock.release()

    def book(self, driver, client, rng):
        results = driver.results
        name = rng.choice(NAMES)
        pick = rng.random()
        card = DECLINED_CARD if pick < 0.05 else "111" if pick < 0.07 else "".join(rng.choice("0123456789") for _ in range(16))
        with self.lock:
            self.cards.add(card)
        status, headers, payload = driver.send(client, "book", "POST", "/orders",
                                               {"name": name, "cardNo": card, "status": "order start"})
        with results.lock:
            if status == 201:
                identifier = created_id(headers, payload)
                results.created.append(identifier)
                if identifier is not None:
                    with self.lock:
                        self.bookings[identifier] = Booking(identifier, name, card)
            elif status == 402:
                found = re.search(rb"order (\d+) is cancelled", payload or b"")
                if found:
                    self.declined[int(found.group(1))] = (name, card)
                else:
                    results.extra.setdefault("wrong_answers", []).append(f"a 402 naming no order: {payload[:160]!r}")
                if card != DECLINED_CARD:
                    # Declined for another reason (a redelivered booking whose payment was voided
                    # meanwhile): counted; the declined booking's invariants still hold.
                    results.extra.setdefault("declined_otherwise", []).append(payload[:200])
            elif status == 202 or status is None:
                results.extra["unanswered_bookings"] = results.extra.get("unanswered_bookings", 0) + 1

    def bad_http_cases(self):
        huge = json.dumps({"name": "x" * (8 * 1024 * 1024), "cardNo": "111", "status": "order start"}).encode()
        return [
            ("malformed-json", "POST", "/orders", b'{"name": "BJ.Kang", ', "application/json"),
            ("wrong-types", "POST", "/orders", json.dumps({"name": [], "cardNo": {}, "status": 5}).encode(), "application/json"),
            ("missing-fields", "POST", "/orders", b"{}", "application/json"),
            ("huge-body", "POST", "/orders", huge, "application/json"),
            ("random-bytes", "POST", "/orders", os.urandom(2048), "application/json"),
            ("wrong-content-type", "POST", "/orders", b"name=BJ.Kang&cardNo=111", "text/plain"),
            ("unknown-route", "POST", "/orderz", b"{}", "application/json"),
            ("bad-id", "DELETE", "/orders/abc", None, None),
            ("not-a-card", "POST", "/orders", json.dumps({"name": "Kim", "cardNo": "12ab"}).encode(), "application/json"),
            ("empty-name", "POST", "/orders", json.dumps({"name": " ", "cardNo": "111"}).encode(), "application/json"),
            ("patch-not-cancel", "PATCH", "/orders/900000001", json.dumps({"status": "upgrade"}).encode(), "application/json"),
            ("confirmation-unknown-status", "POST", "/confirmations", json.dumps({"orderId": 1, "status": "Maybe"}).encode(),
             "application/json"),
            ("confirmation-orderid-lowercase", "POST", "/confirmations",
             json.dumps({"orderid": 1, "status": "Confirmed"}).encode(), "application/json"),
        ]

    # -- the invariants ------------------------------------------------------------------

    def checks(self, database, results, args):
        q = database.rows
        s = {
            "orders": {int(r["id"]): r for r in q(
                f"SELECT id, name, card_no, status, cancel_reason FROM {quoted('order')}.orders")},
            "payments": {int(r["order_id"]): r for r in q(
                f"SELECT id, order_id, card_no, status FROM {quoted('payment')}.payment_histories")},
            "cancellations": {int(r["order_id"]): r for r in q(
                f"SELECT id, order_id, cause, payment_id FROM {quoted('payment')}.cancellations")},
            "reservations": {int(r["order_id"]): r for r in q(
                f"SELECT id, order_id, status FROM {quoted('reservation')}.reservations")},
            "cancelled": {int(r["order_id"]): r for r in q(
                f"SELECT order_id, reservation_id FROM {quoted('reservation')}.cancelled_orders")},
            "confirmations": {int(r["order_id"]): r for r in q(
                f"SELECT id, order_id, reservation_id, status FROM {quoted('hotel')}.confirmations")},
            "mypages": {int(r["id"]): r for r in q(
                f"SELECT id, order_id, name, reservation_id, cancellation_id, status FROM {quoted('customer')}.mypages")},
            "hotel_views": {int(r["id"]): r for r in q(
                f"SELECT id, order_id, name, reservation_id, confirmation_id, status FROM {quoted('customer')}.hotel_views")},
            "notifications": q(f"SELECT order_id, event, message FROM {quoted('customer')}.notifications"),
        }
        return {
            "bookings": self.check_bookings(results, s),
            "payments": self.check_payments(s),
            "reservations": self.check_reservations(s),
            "hotel": self.check_hotel(s),
            "views": self.check_views(s),
            "cards": self.check_cards(s),
        }

    def check_bookings(self, results, s):
        violations = list(results.extra.get("wrong_answers", []))
        orders, payments, reservations = s["orders"], s["payments"], s["reservations"]
        for identifier in results.created:
            if identifier is None:
                violations.append("a 201 to POST /orders without an order id (no Location, no id)")
                continue
            booking = self.bookings[identifier]
            order = orders.get(identifier)
            if order is None:
                violations.append(f"order {identifier}: answered 201 but not stored")
                continue
            if order["name"] != booking.name or order["card_no"] != mask(booking.card):
                violations.append(f"order {identifier}: stored for {order['name']} with card {order['card_no']}, "
                                  f"booked by {booking.name} with {mask(booking.card)}")
            if identifier not in payments:
                violations.append(f"order {identifier}: answered 201 but never paid")
            possible = {booking.state} if booking.asked is None else {booking.state, booking.asked}
            cancelled = order["status"] == ORDER_CANCELED
            if cancelled and not possible & {"cancelled", "rejected"}:
                violations.append(f"order {identifier}: cancelled ({order['cancel_reason']}), but no cancellation or "
                                  f"rejection was answered (the load saw {booking.state})")
            if not cancelled and possible <= {"cancelled", "rejected"}:
                violations.append(f"order {identifier}: {order['status']}, but its {booking.state} was answered 2xx")
            confirmation = (s["confirmations"].get(identifier) or {}).get("status")
            if booking.asked is None and booking.state == "confirmed" and confirmation != CONFIRMED:
                violations.append(f"order {identifier}: its confirmation was answered 2xx, the hotel's copy says {confirmation}")
            if booking.asked is None and booking.state == "rejected" and confirmation != REJECTED:
                violations.append(f"order {identifier}: its rejection was answered 201, the hotel's copy says {confirmation}")
        for identifier, count in Counter(results.created).items():
            if identifier is not None and count > 1:
                violations.append(f"order {identifier}: answered 201 to {count} bookings")
        for identifier, (name, card) in self.declined.items():
            order = orders.get(identifier)
            if order is None or order["status"] != ORDER_CANCELED:
                violations.append(f"order {identifier}: answered 402 (declined) but stored as {order and order['status']}")
            if identifier in payments and payments[identifier]["status"] != PAY_CANCELED:
                violations.append(f"order {identifier}: declined, yet payment {payments[identifier]['id']} charged it "
                                  f"({payments[identifier]['status']})")
            if identifier in reservations:
                violations.append(f"order {identifier}: declined, yet reservation {reservations[identifier]['id']} holds a room")
        return violations

    def check_payments(self, s):
        violations = []
        orders, payments, cancellations = s["orders"], s["payments"], s["cancellations"]
        for identifier, order in orders.items():
            payment = payments.get(identifier)
            if order["status"] == ORDERED and (payment is None or payment["status"] != PAY_OK):
                violations.append(f"order {identifier}: Ordered, but its payment is {payment and payment['status']}")
            if order["status"] == ORDER_CANCELED and payment is not None and payment["status"] != PAY_CANCELED:
                violations.append(f"order {identifier}: cancelled ({order['cancel_reason']}), but its payment is "
                                  f"{payment['status']}, not refunded")
        for identifier, payment in payments.items():
            if payment["status"] == PAY_CANCELED and identifier not in cancellations:
                violations.append(f"payment {payment['id']} of order {identifier}: refunded without a cancellation record")
            if identifier not in orders:
                if payment["status"] != PAY_CANCELED:
                    violations.append(f"payment {payment['id']} of order {identifier}: {payment['status']}, but there is no "
                                      f"such booking (charged, never booked, never voided)")
                elif (cancellations.get(identifier) or {}).get("cause") != "void":
                    violations.append(f"payment {payment['id']} of order {identifier}: refunded without a booking and "
                                      f"without a void ({cancellations.get(identifier)})")
            elif payment["status"] not in (PAY_OK, PAY_CANCELED):
                violations.append(f"payment {payment['id']} of order {identifier}: unexpected status {payment['status']}")
        return violations

    def check_reservations(self, s):
        violations = []
        orders, payments, reservations = s["orders"], s["payments"], s["reservations"]
        for identifier, order in orders.items():
            paid = (payments.get(identifier) or {}).get("status") == PAY_OK
            if order["status"] == ORDERED and paid and identifier not in reservations:
                violations.append(f"order {identifier}: Ordered and paid, but no reservation")
            if order["status"] == ORDER_CANCELED and identifier in reservations:
                violations.append(f"order {identifier}: cancelled ({order['cancel_reason']}), but reservation "
                                  f"{reservations[identifier]['id']} still holds a room")
        for identifier, reservation in reservations.items():
            if identifier not in orders:
                payment = payments.get(identifier)
                violations.append(f"reservation {reservation['id']} of order {identifier}: there is no such booking "
                                  f"(its payment {payment and payment['id']} is {payment and payment['status']}, "
                                  f"cancellation {s['cancellations'].get(identifier, {}).get('cause')})")
            elif reservation["status"] != RESERVED:
                violations.append(f"reservation {reservation['id']} of order {identifier}: status {reservation['status']}")
        return violations

    def reservation_ever(self, s, identifier):
        """The reservation a booking had, current or deleted; None if it never had one."""
        if identifier in s["reservations"]:
            return s["reservations"][identifier]["id"]
        return (s["cancelled"].get(identifier) or {}).get("reservation_id")

    def check_hotel(self, s):
        violations = []
        orders, confirmations = s["orders"], s["confirmations"]
        known = set(s["reservations"]) | {i for i, r in s["cancelled"].items() if r["reservation_id"] is not None}
        for identifier in known:
            reservation = self.reservation_ever(s, identifier)
            row = confirmations.get(identifier)
            if row is None:
                violations.append(f"hotel: no copy of reservation {reservation} (order {identifier})")
                continue
            if row["reservation_id"] != str(reservation):
                violations.append(f"hotel: order {identifier}'s copy names reservation {row['reservation_id']}, "
                                  f"reservation says {reservation}")
            order = orders.get(identifier) or {}
            active = identifier in s["reservations"]
            if active and row["status"] not in (RESERVED, CONFIRMED):
                violations.append(f"hotel: order {identifier}'s copy says {row['status']}, its reservation is still held")
            if not active and row["status"] not in (RESERVATION_CANCELED, REJECTED):
                violations.append(f"hotel: order {identifier}'s copy says {row['status']}, its reservation was deleted")
            if row["status"] == REJECTED and (order.get("status") != ORDER_CANCELED
                                              or (s["payments"].get(identifier) or {}).get("status") == PAY_OK):
                violations.append(f"hotel: order {identifier} rejected, but the booking is {order.get('status')} and its "
                                  f"payment {(s['payments'].get(identifier) or {}).get('status')} (no compensation)")
            if row["status"] == CONFIRMED and order.get("status") != ORDERED:
                violations.append(f"hotel: order {identifier} confirmed, but the booking is {order.get('status')}")
        for identifier in set(confirmations) - known:
            violations.append(f"hotel: a copy for order {identifier}, which never had a reservation")
        return violations

    def check_views(self, s):
        """mypages, hotelViews and the notifications from the sources: the events each booking's
        rows imply, the status of the highest-ranked one (Customer/CustomerFacts.swift)."""
        violations = []
        orders, payments, confirmations = s["orders"], s["payments"], s["confirmations"]
        ids = set(orders) | set(payments) | set(s["reservations"]) | set(s["cancelled"]) | set(confirmations)
        notified = Counter((int(n["order_id"]), n["event"]) for n in s["notifications"])
        for identifier in sorted(ids):
            order, payment = orders.get(identifier), payments.get(identifier)
            confirmation = (confirmations.get(identifier) or {}).get("status")
            events, maybe = set(), set()
            if order is not None and not (order["cancel_reason"] or "").startswith("payment declined"):
                events.add("Ordered")
            if order is not None and order["status"] == ORDER_CANCELED:
                events.add("OrderCanceled")
            if payment is not None:
                events.add("PaymentApproved")
                if payment["status"] == PAY_CANCELED:
                    events.add("PaymentCanceled")
            reservation = self.reservation_ever(s, identifier)
            if reservation is not None:
                events.add("ReservationCompleted")
                if identifier not in s["reservations"]:
                    events.add("ReservationCanceled")
            if confirmation == CONFIRMED:
                events.add("ReservationConfirmed")
            elif confirmation in (REJECTED, RESERVATION_CANCELED):
                maybe.add("ReservationConfirmed")   # confirmed before being cancelled, or not
            if confirmation == REJECTED:
                events.add("ReservationRejected")
            rank, status = max(RANKS[e] for e in events) if events else (0, None)
            page = s["mypages"].get(identifier)
            if page is None:
                violations.append(f"mypages: no row for order {identifier} ({', '.join(sorted(events))})")
            else:
                if page["status"] != status:
                    violations.append(f"mypages {identifier}: {page['status']}, its events ({', '.join(sorted(events))}) say {status}")
                if order is not None and page["name"] != order["name"]:
                    violations.append(f"mypages {identifier}: name {page['name']!r}, the booking's is {order['name']!r}")
                if reservation is not None and page["reservation_id"] != str(reservation):
                    violations.append(f"mypages {identifier}: reservation {page['reservation_id']}, reservation says {reservation}")
                refund = s["cancellations"].get(identifier) if "PaymentCanceled" in events else None
                if refund is not None and page["cancellation_id"] != refund["id"]:
                    violations.append(f"mypages {identifier}: cancellation {page['cancellation_id']}, payment's is {refund['id']}")
            view = s["hotel_views"].get(identifier)
            if reservation is None:
                if view is not None:
                    violations.append(f"hotelViews {identifier}: a row, but the booking never had a reservation")
            elif view is None:
                violations.append(f"hotelViews: no row for order {identifier} (reservation {reservation})")
            elif view["status"] != confirmation or view["reservation_id"] != str(reservation):
                violations.append(f"hotelViews {identifier}: {view['status']} (reservation {view['reservation_id']}), the hotel's "
                                  f"copy says {confirmation} (reservation {reservation})")
            elif confirmation in (CONFIRMED, REJECTED) and view["confirmation_id"] != confirmations[identifier]["id"]:
                violations.append(f"hotelViews {identifier}: confirmation {view['confirmation_id']}, "
                                  f"the hotel's is {confirmations[identifier]['id']}")
            for event in sorted(events | maybe | {e for (i, e) in notified if i == identifier}):
                count = notified[(identifier, event)]
                if event in events and count != 1 or event not in events | maybe and count or count > 1:
                    violations.append(f"notifications of order {identifier}: {count} x {event}, its events say "
                                      f"{1 if event in events else '0 or 1' if event in maybe else 0}")
        for identifier in set(s["mypages"]) - ids:
            violations.append(f"mypages {identifier}: a row no context knows")
        for identifier in {i for i, _ in notified} - ids:
            violations.append(f"notifications for order {identifier}, which no context knows")
        return violations

    def check_cards(self, s):
        """No table shows a card number the load sent in full (only 12 digits or more are
        masked to their last four; shorter test numbers like 111 to their last digit)."""
        violations = []
        shown = [("orders", r["card_no"]) for r in s["orders"].values()] + \
                [("paymentHistories", r["card_no"]) for r in s["payments"].values()] + \
                [("notifications", r["message"]) for r in s["notifications"]]
        long_cards = [c for c in self.cards if len(c) >= 6]
        for table, text in shown:
            for card in long_cards:
                if text and card in text:
                    violations.append(f"{table}: shows card {mask(card)} in full")
                    break
        return violations[:50]

    def report(self, results, out=sys.stdout):
        states = Counter(b.state for b in self.bookings.values())
        extra = results.extra
        print(f"  bookings (201): {len(results.created)}, declined (402): {len(self.declined)}; as the clients last saw them: "
              f"{dict(states)}; confirmations answered 409 (the hotel had not seen the reservation yet): "
              f"{extra.get('confirmations_too_early', 0)}", file=out)
        for payload in extra.get("declined_otherwise", [])[:5]:
            print(f"  declined with a card payment accepts: {payload!r}", file=out)
        return {"bookings_created": len(results.created), "bookings_declined": len(self.declined),
                "cancellations": len(results.cancelled), "final_states_seen_by_clients": dict(states)}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_sagas(self, database):
        # A booking is complete when it is paid, reserved, in the hotel's copy and shown reserved
        # (or further) on the customer's mypage.
        return int(database.value(f"""
            SELECT count(*) FROM {quoted('order')}.orders o
            JOIN {quoted('payment')}.payment_histories p ON p.order_id = o.id AND p.status = '{PAY_OK}'
            JOIN {quoted('reservation')}.reservations r ON r.order_id = o.id
            JOIN {quoted('hotel')}.confirmations c ON c.order_id = o.id
            JOIN {quoted('customer')}.mypages m ON m.id = o.id AND m.status = '{RESERVED}'
            WHERE o.status = '{ORDERED}'"""))

    def bill_request(self, n, prepared):
        # bench/e2e-hotel.lua's booking: a new guest each time with a 16-digit card payment accepts.
        return "POST", "/orders", {"name": NAMES[n % len(NAMES)], "cardNo": f"41{n:014d}", "status": "order start"}


SYSTEM = Hotel()
