# The coffee system's (SirenOrder) original commands, replayed with HTTPie by scripts/check-httpie
# against `warren up coffee` (sourced: http, expect_status, expect_field, until_field, has_row,
# field, fail, say, $PORT, $FLEET_PID and $FLEET_DATABASE_URL come from there). `smoke` is the
# happy path alone, which scripts/compose-smoke runs against the compose profile.
#
#   1. POST /products price=3500 status=Available (and three more)   -> 201; order's copy
#      (GET /orderProducts/{id}) and the report (GET /reports/{id}) follow
#   2. POST /orders productId=1                                       -> 201 at 3500; GET /orders/{id}
#   3. siege's request: POST /orders {"productId": "4"} (a string)    -> 201
#   4. PATCH /products/1 status=SoldOut                               -> 200; notified; an order
#      of it, of a product priced 0 or of an unknown one            -> 409 with the reason
#   5. bad input                                                      -> 400 naming the field
#   6. product frozen (SIGSTOP): POST /orders -> 503 with Retry-After within the route's 3 s
#      (the CheckProduct deadline is 1 s), nothing stored; product resumed -> 201 again

# What the fleet needs in its environment: nothing beyond the defaults.
REPLAY_ENVIRONMENT=()

smoke() {
    say "smoke: a product registered, then ordered"
    http POST ":$PORT/products" price=3500 status=Available
    expect_status 201
    expect_field '["status"]' '"Available"'
    local product
    product="$(field '["id"]')"
    http POST ":$PORT/orders" productId="$product"
    expect_status 201
    expect_field '["price"]' 3500
    expect_field '["status"]' '"OrderPlaced"'
    http GET ":$PORT/orders/$(field '["id"]')"
    expect_status 200
    expect_field '["productId"]' "$product"
}

replay() {
    say "1. products registered; order's copy and the report follow"
    http POST ":$PORT/products" price=3500 status=Available
    expect_status 201
    expect_field '["id"]' 1
    expect_field '["price"]' 3500
    expect_field '["status"]' '"Available"'
    if ! grep -qi "^Location: .*/products/1" "$LAST.headers"; then fail "no Location naming product 1"; fi
    http POST ":$PORT/products" price=0 status=Available
    expect_status 201
    http POST ":$PORT/products" price=2800 status=SoldOut
    expect_status 201
    http POST ":$PORT/products" price=4500 status=Available
    expect_status 201
    expect_field '["id"]' 4
    until_field ":$PORT/orderProducts/1" '["status"]' '"Available"'
    until_field ":$PORT/reports/4" '["price"]' 4500
    http GET ":$PORT/products"
    expect_status 200
    expect_field '["page"]["totalElements"]' 4

    say "2. an order of an available product completes at its price"
    http POST ":$PORT/orders" productId=1
    expect_status 201
    expect_field '["productId"]' 1
    expect_field '["price"]' 3500
    expect_field '["status"]' '"OrderPlaced"'
    ORDER="$(field '["id"]')"
    http GET ":$PORT/orders/$ORDER"
    expect_status 200
    expect_field '["price"]' 3500

    say "3. siege's request: {\"productId\": \"4\"}, the id as a string, read as the integer"
    # siege -c100 -t60S -r10 --content-type "application/json" 'http://127.0.0.1:8080/orders POST {"productId": "4"}'
    http POST ":$PORT/orders" Content-Type:application/json --raw '{"productId": "4"}'
    expect_status 201
    expect_field '["productId"]' 4
    expect_field '["price"]' 4500

    say "4. product 1 sold out: notified, and orders of it are refused with the reason"
    http PATCH ":$PORT/products/1" status=SoldOut
    expect_status 200
    expect_field '["status"]' '"SoldOut"'
    until_field ":$PORT/orderProducts/1" '["status"]' '"SoldOut"'
    http GET ":$PORT/notifications"
    expect_status 200
    has_row notifications 'r["productId"] == 1 and r["previousStatus"] == "Available" and r["status"] == "SoldOut"'
    http POST ":$PORT/orders" productId=1
    expect_status 409
    expect_field '["error"]' '"product 1 is sold out"'
    http POST ":$PORT/orders" productId=2
    expect_status 409
    expect_field '["error"]' '"product 2 has no price (0)"'
    http POST ":$PORT/orders" productId=99
    expect_status 409
    expect_field '["error"]' '"product 99 does not exist"'
    http GET ":$PORT/orders"
    expect_field '["page"]["totalElements"]' 2
    until_field ":$PORT/sales/4" '["orders"]' 1

    say "5. bad input: 400 naming the field"
    http POST ":$PORT/orders" productId=four
    expect_status 400
    expect_field '["field"]' '"productId"'
    http PATCH ":$PORT/products/1" status=Gone
    expect_status 400
    expect_field '["field"]' '"status"'

    say "6. product frozen (SIGSTOP): 503 with Retry-After within the deadline, nothing stored"
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker coffee/product' | head -n 1)"
    kill -STOP "$FROZEN_PID"
    http POST ":$PORT/orders" productId=4
    expect_status 503
    expect_field '["kind"]' '"unavailable"'
    if grep -qi '^Retry-After: ' "$LAST.headers"; then echo "  ok: Retry-After"; else fail "no Retry-After"; fi
    # A 503 rather than a 202 means the outcome came within the route's 3 s wait (CheckProduct's
    # deadline is 1 s); the time below adds HTTPie's own start, ~0.5 s, more on a busy machine.
    if ((ELAPSED_MS <= 6000)); then echo "  ok: answered in $ELAPSED_MS ms"; else fail "503 took $ELAPSED_MS ms"; fi
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    ORDERS="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM "order".orders')"
    if [[ "$ORDERS" == 2 ]]; then echo "  ok: no order stored while product was frozen"; else fail "orders: $ORDERS, expected 2"; fi
    say "   product resumed: 201 again"
    http POST ":$PORT/orders" productId=4
    expect_status 201
}
