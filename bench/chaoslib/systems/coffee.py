"""The coffee order system (SirenOrder, issue 20).

Contexts: product (serves the CheckProduct RPC), order (asks it before placing an order, keeps
a copy of every product), report (the clerk's view of the products, the status-change
notifications, each product's sales).

Before the load, the clerk registers products through the ingress: most Available with a
price, some never orderable (SoldOut, or price 0, never changed afterwards). The load is the
original's siege, `POST /orders {"productId": "4"}` (the id as a string half the time, as siege
sent it), 80 %; the clerk flipping a product's status with `PATCH /products/{id}` (12 %; one
PATCH at a time per product, so each one is a change of status); new products registered (8 %).
The slowed RPC server is product (PRODUCT_LATENCY_MS, the original's 400-620 ms sleep).

Invariants:
- orders: every 201 is one stored order of the product asked for, at the price answered, which
  is the product's price (prices never change in the load) and above 0; an order nobody was
  answered 201 for exists only for a request answered 202 or not at all (nothing doubled); no
  order at all of a product that was never orderable (sold out or priced 0 all along, unknown).
- products: each product's version counts exactly its PATCHes answered 200 (plus at most the
  one whose answer was lost); the status the last 200 answered is the product's status.
- copies: order's product copy and report's view equal product's table (price, status, version).
- notifications: one per status change, nothing else: versions 1..version of every product, each
  a change (previous status != status), chained from the registered status to the current one.
- sales (report): per product, the orders counted once each, their number and amount equal
  order's table.
"""

import json
import os
import sys
import threading
import time
from collections import Counter

from ..driver import created_id
from .base import Slowed, System, quoted

AVAILABLE, SOLD_OUT = "Available", "SoldOut"
FLIP = {AVAILABLE: SOLD_OUT, SOLD_OUT: AVAILABLE}


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


class Product:
    """What the clerk (the load) knows of one product."""

    def __init__(self, identifier, price, status, patchable):
        self.id = identifier
        self.price = price
        self.registered_status = status
        self.status = status           # after the last PATCH answered 200
        self.patchable = patchable
        self.patched = 0               # PATCHes answered 200
        self.uncertain = 0             # PATCHes without a definite answer (then no more PATCHes)
        self.lock = threading.Lock()   # one PATCH at a time


class Coffee(System):
    name = "coffee"
    contexts = ["product", "order", "report"]
    slowed = [Slowed("product", "PRODUCT_LATENCY_MS", "400-620")]
    main_operation = "order"
    main_route = "POST /orders"
    e2e_script = "e2e-coffee.lua"
    e2e_saga = "orders completed (placed after product's check, counted in report's sales)"
    mix = (0.80, 0.12, 0.08)
    orderable = 16          # products registered Available with a price before the load
    never_orderable = 4     # two SoldOut, two priced 0, never changed

    def __init__(self):
        self.products = {}
        self.lock = threading.Lock()

    # -- the load ------------------------------------------------------------------------

    def register(self, client, price, status, patchable, send=None):
        body = {"price": price, "status": status}
        if send is None:
            status_code, headers, payload = client.request("POST", "/products", body)
        else:
            status_code, headers, payload = send(client, "product", "POST", "/products", body)
        if status_code != 201:
            return status_code, None
        identifier = created_id(headers, payload)
        if identifier is None:
            return status_code, None
        product = Product(identifier, price, status, patchable)
        with self.lock:
            self.products[identifier] = product
        return status_code, product

    def prepare(self, client, log):
        problems = []
        plan = [(100 * (10 + i * 3), AVAILABLE, True) for i in range(self.orderable)]
        plan += [(2500, SOLD_OUT, False), (4000, SOLD_OUT, False), (0, AVAILABLE, False), (0, AVAILABLE, False)]
        for price, status, patchable in plan:
            for _ in range(20):   # the fleet just answered /readyz: a 503 is possible at first
                try:
                    code, product = self.register(client, price, status, patchable)
                except Exception as error:
                    code, product = f"no answer ({type(error).__name__})", None
                    client.close()
                if product is not None:
                    break
                time.sleep(0.5)
            else:
                problems.append(f"coffee: registering a product (price {price}, {status}) before the load answered {code}")
        log(f"coffee: {len(self.products)} products registered before the load")
        return problems

    def pick(self, rng, patchable=None):
        with self.lock:
            candidates = [p for p in self.products.values() if patchable is None or p.patchable == patchable]
        return rng.choice(candidates) if candidates else None

    def operation(self, driver, client, rng):
        roll = rng.random()
        results = driver.results
        extra = results.extra
        if roll < self.mix[0]:
            which = rng.random()
            if which < 0.08:
                product = self.pick(rng, patchable=False)
            elif which < 0.10:
                product = None           # an unknown product
            else:
                product = self.pick(rng, patchable=True)
            product_id = product.id if product else 900_000_000 + rng.randrange(1000)
            body = {"productId": str(product_id) if rng.random() < 0.5 else product_id}
            status, headers, payload = driver.send(client, "order", "POST", "/orders", body)
            with results.lock:
                extra.setdefault("order_requests", Counter())[product_id] += 1
                if status == 201:
                    identifier = created_id(headers, payload)
                    try:
                        answered = json.loads(payload or b"{}")
                    except ValueError:
                        answered = {}
                    results.created.append(identifier)
                    extra.setdefault("orders", []).append((identifier, product_id, answered.get("price")))
                elif status == 409:
                    extra.setdefault("refused", Counter())[product_id] += 1
                elif status == 202 or status is None:
                    extra.setdefault("unanswered_orders", Counter())[product_id] += 1
        elif roll < self.mix[0] + self.mix[1]:
            product = self.pick(rng, patchable=True)
            if product is None or not product.lock.acquire(blocking=False):
                return
            try:
                if product.uncertain:
                    return
                wanted = FLIP[product.status]
                status, headers, payload = driver.send(client, "patch", "PATCH", f"/products/{product.id}", {"status": wanted})
                with results.lock:
                    if status == 200:
                        product.patched += 1
                        product.status = wanted
                    elif status is None or status == 202 or status >= 500:
                        product.uncertain += 1
                    else:
                        extra.setdefault("patch_refused", []).append((product.id, status, payload[:200]))
            finally:
                product.lock.release()
        else:
            price = 100 * rng.randrange(10, 60)
            status, _ = self.register(client, price, AVAILABLE, True, send=driver.send)
            if status == 202 or status is None:
                with results.lock:
                    extra["unanswered_products"] = extra.get("unanswered_products", 0) + 1

    def bad_http_cases(self):
        huge = json.dumps({"price": 1, "status": "Available", "pad": "x" * (8 * 1024 * 1024)}).encode()
        return [
            ("malformed-json", "POST", "/orders", b'{"productId": ', "application/json"),
            ("wrong-types", "POST", "/orders", json.dumps({"productId": [1]}).encode(), "application/json"),
            ("not-a-number", "POST", "/orders", json.dumps({"productId": "four"}).encode(), "application/json"),
            ("missing-fields", "POST", "/orders", b"{}", "application/json"),
            ("huge-body", "POST", "/products", huge, "application/json"),
            ("random-bytes", "POST", "/products", os.urandom(2048), "application/json"),
            ("wrong-content-type", "POST", "/orders", b"productId=1", "text/plain"),
            ("unknown-route", "POST", "/orderz", b"{}", "application/json"),
            ("bad-id", "PATCH", "/products/abc", json.dumps({"status": "SoldOut"}).encode(), "application/json"),
            ("unknown-status", "POST", "/products", json.dumps({"price": 100, "status": "Gone"}).encode(), "application/json"),
            ("negative-price", "POST", "/products", json.dumps({"price": -1, "status": "Available"}).encode(), "application/json"),
            ("price-wrong-type", "POST", "/products", json.dumps({"price": "cheap", "status": "Available"}).encode(),
             "application/json"),
        ]

    # -- the invariants ------------------------------------------------------------------

    def checks(self, database, results, args):
        q = database.rows
        products = {int(r["id"]): r for r in q(f"SELECT id, price::text AS price, status, version FROM {quoted('product')}.products")}
        orders = {int(r["id"]): r for r in q(f"SELECT id, product_id, price::text AS price, status FROM {quoted('order')}.orders")}
        copies = {int(r["id"]): r for r in q(
            f"SELECT id, price::text AS price, status, version FROM {quoted('order')}.order_products")}
        reports = {int(r["product_id"]): r for r in q(
            f"SELECT product_id, price::text AS price, status, version FROM {quoted('report')}.reports")}
        notifications = q(f"SELECT product_id, version, previous_status, status FROM {quoted('report')}.notifications")
        tables = {r["table_name"] for r in q("SELECT table_name FROM information_schema.tables WHERE table_schema = 'report'")}
        extra = results.extra
        checks = {
            "orders": self.check_orders(products, orders, extra),
            "products": self.check_products(products),
            "copies": self.check_copies(products, copies, reports),
            "notifications": self.check_notifications(products, notifications),
        }
        if {"sales", "sold_orders"} <= tables:
            sales = {int(r["product_id"]): r for r in q(
                f"SELECT product_id, orders, amount::text AS amount FROM {quoted('report')}.sales")}
            sold = {int(r["order_id"]): r for r in q(
                f"SELECT order_id, product_id, price::text AS price FROM {quoted('report')}.sold_orders")}
            checks["sales"] = self.check_sales(orders, sales, sold)
        return checks

    def check_orders(self, products, orders, extra):
        violations = []
        answered = Counter()
        for identifier, product_id, price in extra.get("orders", []):
            if identifier is None:
                violations.append(f"an order of product {product_id} answered 201 without an id (no Location, no id)")
                continue
            answered[identifier] += 1
            row = orders.get(identifier)
            if row is None:
                violations.append(f"order {identifier}: answered 201 but not stored")
                continue
            if int(row["product_id"]) != product_id:
                violations.append(f"order {identifier}: answered 201 for product {product_id} but stored for {row['product_id']}")
            if price is not None and number(price) != number(row["price"]):
                violations.append(f"order {identifier}: answered price {price}, stored {row['price']}")
        for identifier, count in answered.items():
            if count > 1:
                violations.append(f"order {identifier}: answered 201 to {count} different requests")
        for identifier, row in orders.items():
            product = products.get(int(row["product_id"]))
            if product is None:
                violations.append(f"order {identifier}: of product {row['product_id']}, which does not exist")
                continue
            if not number(row["price"]) or number(row["price"]) <= 0:
                violations.append(f"order {identifier}: placed at price {row['price']}, not above 0")
            if number(row["price"]) != number(product["price"]):
                violations.append(f"order {identifier}: price {row['price']}, its product's is {product['price']}")
        known = {p.id: p for p in self.products.values()}
        for identifier, row in orders.items():
            p = known.get(int(row["product_id"]))
            if p is not None and not p.patchable:
                violations.append(f"order {identifier}: placed for product {p.id}, never orderable "
                                  f"({p.registered_status}, price {p.price})")
        # Nothing doubled: per product, the orders nobody was answered 201 for can only be
        # requests answered 202 or not at all, which may have been placed after all.
        stored = Counter(int(r["product_id"]) for r in orders.values())
        created = Counter(product_id for identifier, product_id, _ in extra.get("orders", []) if identifier in orders)
        unanswered = extra.get("unanswered_orders", Counter())
        for product_id, count in stored.items():
            surplus = count - created[product_id]
            if surplus > unanswered[product_id]:
                violations.append(f"product {product_id}: {count} orders stored, {created[product_id]} answered 201 and "
                                  f"{unanswered[product_id]} unanswered: {surplus - unanswered[product_id]} too many")
        return violations

    def check_products(self, products):
        violations = []
        for product in self.products.values():
            row = products.get(product.id)
            if row is None:
                violations.append(f"product {product.id}: answered 201 but not stored")
                continue
            version = int(row["version"])
            if not product.patched <= version <= product.patched + product.uncertain:
                violations.append(f"product {product.id}: version {version}, but {product.patched} PATCHes answered 200 "
                                  f"and {product.uncertain} unanswered")
            if not product.uncertain and row["status"] != product.status:
                violations.append(f"product {product.id}: status {row['status']}, the last PATCH answered {product.status}")
            if number(row["price"]) != number(product.price):
                violations.append(f"product {product.id}: price {row['price']}, registered {product.price} and never changed")
        return violations

    def check_copies(self, products, copies, reports):
        violations = []
        for name, table in (("order's product copy", copies), ("report", reports)):
            for identifier, row in products.items():
                copy = table.get(identifier)
                if copy is None:
                    violations.append(f"{name}: no row for product {identifier}")
                    continue
                for field in ("status", "version"):
                    if copy[field] != row[field]:
                        violations.append(f"{name}: product {identifier} {field} {copy[field]}, product says {row[field]}")
                if number(copy["price"]) != number(row["price"]):
                    violations.append(f"{name}: product {identifier} price {copy['price']}, product says {row['price']}")
            for identifier in set(table) - set(products):
                violations.append(f"{name}: a row for product {identifier}, which product does not know")
        return violations

    def check_notifications(self, products, notifications):
        """The load only flips statuses, one PATCH at a time per product: every version is a
        change of status, and so has exactly one notification."""
        violations = []
        by_product = {}
        for n in notifications:
            by_product.setdefault(int(n["product_id"]), []).append(n)
        known = {p.id: p for p in self.products.values()}
        for identifier, row in products.items():
            version = int(row["version"])
            found = sorted(by_product.get(identifier, []), key=lambda n: int(n["version"]))
            versions = [int(n["version"]) for n in found]
            if versions != list(range(1, version + 1)):
                missing = sorted(set(range(1, version + 1)) - set(versions))
                extra = sorted(set(versions) - set(range(1, version + 1)))
                doubled = sorted(v for v, c in Counter(versions).items() if c > 1)
                violations.append(f"notifications of product {identifier} (version {version}): "
                                  f"missing versions {missing[:10]}, unexpected {extra[:10]}, doubled {doubled[:10]}")
                continue
            previous = known[identifier].registered_status if identifier in known else None
            for n in found:
                if n["previous_status"] == n["status"]:
                    violations.append(f"notification of product {identifier} version {n['version']}: "
                                      f"no change ({n['status']})")
                if previous is not None and n["previous_status"] != previous:
                    violations.append(f"notification of product {identifier} version {n['version']}: from "
                                      f"{n['previous_status']}, the previous one ended {previous}")
                previous = n["status"]
            if previous is not None and found and previous != row["status"]:
                violations.append(f"notifications of product {identifier}: the last says {previous}, the product is {row['status']}")
        for identifier in set(by_product) - set(products):
            violations.append(f"notifications for product {identifier}, which product does not know")
        return violations

    def check_sales(self, orders, sales, sold):
        violations = []
        for identifier, row in orders.items():
            counted = sold.get(identifier)
            if counted is None:
                violations.append(f"sales: order {identifier} not counted")
            elif int(counted["product_id"]) != int(row["product_id"]) or number(counted["price"]) != number(row["price"]):
                violations.append(f"sales: order {identifier} counted as product {counted['product_id']} at {counted['price']}, "
                                  f"order says {row['product_id']} at {row['price']}")
        for identifier in set(sold) - set(orders):
            violations.append(f"sales: counts order {identifier}, which order does not know")
        want_orders, want_amount = Counter(), Counter()
        for row in orders.values():
            want_orders[int(row["product_id"])] += 1
            want_amount[int(row["product_id"])] += number(row["price"]) or 0
        for product_id in set(want_orders) | set(sales):
            row = sales.get(product_id) or {"orders": "0", "amount": "0"}
            if int(row["orders"]) != want_orders[product_id] or abs(number(row["amount"]) - want_amount[product_id]) > 1e-6:
                violations.append(f"sales of product {product_id}: {row['orders']} orders for {row['amount']}, "
                                  f"order says {want_orders[product_id]} for {want_amount[product_id]:g}")
        return violations

    def report(self, results, out=sys.stdout):
        extra = results.extra
        refused = sum(extra.get("refused", Counter()).values())
        flips = sum(p.patched for p in self.products.values())
        print(f"  products: {len(self.products)} registered, {flips} status flips answered 200, "
              f"{sum(p.uncertain for p in self.products.values())} unanswered; orders refused 409: {refused}", file=out)
        for product_id, status, payload in extra.get("patch_refused", [])[:5]:
            print(f"  PATCH /products/{product_id} answered {status}: {payload!r}", file=out)
        return {"orders_created": len(results.created), "orders_refused": refused, "products": len(self.products),
                "status_flips": flips}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_prepare(self, client, log):
        identifiers = []
        for i in range(10):
            code, product = self.register(client, 100 * (30 + i * 5), AVAILABLE, True)
            if product is None:
                raise RuntimeError(f"registering a product for the load answered {code}")
            identifiers.append(str(product.id))
        log(f"coffee: products {', '.join(identifiers)} registered, Available")
        return {"E2E_PRODUCT_IDS": ",".join(identifiers)}

    def e2e_sagas(self, database):
        tables = {r["table_name"] for r in database.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'report'")}
        if "sold_orders" in tables:
            return int(database.value(f"SELECT count(*) FROM {quoted('report')}.sold_orders"))
        return int(database.value(f"SELECT count(*) FROM {quoted('order')}.orders"))

    def bill_request(self, n, prepared):
        # bench/e2e-coffee.lua's siege order, over the products e2e_prepare registered.
        identifiers = (prepared.get("E2E_PRODUCT_IDS") or "1").split(",")
        return "POST", "/orders", {"productId": identifiers[n % len(identifiers)]}


SYSTEM = Coffee()
