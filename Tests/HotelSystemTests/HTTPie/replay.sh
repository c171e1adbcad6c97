# The hotel system's (yogiyogi's) original HTTPie commands, replayed by scripts/check-httpie
# against `warren up hotel` (sourced: http, expect_status, expect_field, until_field, has_row,
# field, fail, say, $PORT, $FLEET_PID and $FLEET_DATABASE_URL come from there). The fleet is
# fresh, so bookings are numbered 1, 2, 3… as in the original, and its commands are typed as
# they were (`/orders/1`, `orderId=1`); each POST checks the number it was given.
#
#   1. POST /orders name="BJ.Kang" cardNo=111 status="order start" -> 201 Ordered, paid first,
#      the card masked; GET /orders, /paymentHistories, /reservations, /confirmations show it
#   2. POST /confirmations orderId=1 status="Confirmed" -> 201; GET /mypages, /hotelViews
#   3. DELETE /orders/2 (a second booking)        -> 200 OrderCanceled; refunded, reservation
#      deleted, the views updated
#   4. POST /confirmations orderId=3 status="Canceled" -> the compensation: order cancelled,
#      payment refunded, reservation deleted
#   5. PATCH /orders/4 status="cancel"; the original's typo `orderid=1` -> 400 naming
#      `orderId`; `orderId=99` (no such booking) -> 409; a declined card -> 402, recorded cancelled
#   6. payment frozen (SIGSTOP): POST /orders -> 503 with Retry-After, nothing stored; resumed -> 201

# What the fleet needs in its environment (nothing: the defaults are the original's).
REPLAY_ENVIRONMENT=()

# until_row URL COLLECTION CONDITION: GETs URL (quietly) until a row of _embedded.COLLECTION
# matches, at most 15 s, then shows it and checks.
until_row() {
    local url="$1" collection="$2" condition="$3"
    for _ in $(seq 1 75); do
        "$VENV/bin/http" --ignore-stdin --print=b --pretty=none GET "$url" >"$LAST.json" 2>/dev/null || true
        python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["_embedded"][sys.argv[2]]
sys.exit(0 if any(eval(sys.argv[3], {}, {"r": r}) for r in rows) else 1)' "$LAST.json" "$collection" "$condition" 2>/dev/null && break
        sleep 0.2
    done
    http GET "$url"
    has_row "$collection" "$condition"
}

# until_gone URL: GETs URL (quietly) until it answers 404, at most 15 s, then shows it.
until_gone() {
    for _ in $(seq 1 75); do
        [[ "$("$VENV/bin/http" --ignore-stdin --print=h --pretty=none GET "$1" 2>/dev/null | head -n 1 | awk '{print $2}')" == 404 ]] && break
        sleep 0.2
    done
    http GET "$1"
    expect_status 404
}

# The happy path (also compose-smoke's): book and pay, the operator confirms, the views; a
# customer's cancellation refunded.
smoke() {
    say "1. a booking, paid before it is answered; the card number masked"
    http ":$PORT/orders" name="BJ.Kang" cardNo=111 status="order start"
    expect_status 201
    expect_field '["status"]' '"Ordered"'
    expect_field '["name"]' '"BJ.Kang"'
    expect_field '["cardNo"]' '"**1"'
    expect_field '["id"]' 1
    http ":$PORT/orders/1"
    expect_status 200
    expect_field '["status"]' '"Ordered"'
    http ":$PORT/paymentHistories"
    has_row paymentHistories "r['orderId'] == 1 and r['status'] == 'Pay OK' and r['cardNo'] == '**1'"
    until_row ":$PORT/reservations" reservations "r['orderId'] == 1 and r['status'] == 'Reservation Complete'"
    until_row ":$PORT/confirmations" confirmations "r['orderId'] == 1 and r['status'] == 'Reservation Complete'"

    say "2. the operator confirms; the customer's and the operator's views"
    http ":$PORT/confirmations" orderId=1 status="Confirmed"
    expect_status 201
    expect_field '["status"]' '"Confirmed"'
    until_field ":$PORT/mypages/1" '["status"]' '"Confirmed"'
    expect_field '["name"]' '"BJ.Kang"'
    http ":$PORT/mypages"
    has_row mypages "r['orderId'] == 1 and r['reservationId'] is not None and r['status'] == 'Confirmed'"
    until_field ":$PORT/hotelViews/1" '["status"]' '"Confirmed"'
    expect_field '["name"]' '"BJ.Kang"'

    say "3. another booking cancelled by its customer: refunded, reservation deleted, views updated"
    http ":$PORT/orders" name="YJ.Lee" cardNo=4111111111111111 status="order start"
    expect_status 201
    expect_field '["cardNo"]' '"************1111"'
    expect_field '["id"]' 2
    until_row ":$PORT/reservations" reservations "r['orderId'] == 2"
    RID2="$(python3 -c 'import json, sys; print([r["id"] for r in json.load(open(sys.argv[1]))["_embedded"]["reservations"] if r["orderId"] == int(sys.argv[2])][0])' "$LAST.json" "2")"
    http DELETE ":$PORT/orders/2"
    expect_status 200
    expect_field '["status"]' '"OrderCanceled"'
    until_row ":$PORT/paymentHistories" paymentHistories "r['orderId'] == 2 and r['status'] == 'Pay Canceled'"
    until_gone ":$PORT/reservations/$RID2"
    until_field ":$PORT/mypages/2" '["status"]' '"OrderCanceled"'
    if [[ "$(field '["cancellationId"]')" =~ ^[0-9]+$ ]]; then echo "  ok: a cancellationId"; else fail "no cancellationId"; fi
}

replay() {
    smoke

    say "4. the operator cancels a completed reservation: the compensation"
    http ":$PORT/orders" name="SH.Park" cardNo=222 status="order start"
    expect_status 201
    expect_field '["id"]' 3
    until_row ":$PORT/confirmations" confirmations "r['orderId'] == 3"
    http ":$PORT/confirmations" orderId=3 status="Canceled"
    expect_status 201
    expect_field '["status"]' '"Canceled"'
    until_field ":$PORT/orders/3" '["status"]' '"OrderCanceled"'
    until_row ":$PORT/paymentHistories" paymentHistories "r['orderId'] == 3 and r['status'] == 'Pay Canceled'"
    until_field ":$PORT/mypages/3" '["status"]' '"Canceled"'
    until_field ":$PORT/hotelViews/3" '["status"]' '"Canceled"'
    http ":$PORT/reservations"
    python3 -c 'import json, sys; sys.exit(1 if any(r["orderId"] == int(sys.argv[2]) for r in json.load(open(sys.argv[1]))["_embedded"]["reservations"]) else 0)' "$LAST.json" "3" \
        && echo "  ok: no reservation of 3" || fail "the reservation of 3 is still there"

    say "5. PATCH status=cancel; the original's own commands with a typo and an unknown booking; a declined card"
    http ":$PORT/orders" name="MK.Choi" cardNo=333 status="order start"
    expect_field '["id"]' 4
    http PATCH ":$PORT/orders/4" status="cancel"
    expect_status 200
    expect_field '["status"]' '"OrderCanceled"'
    http ":$PORT/confirmations" orderid=1 status="Confirmed"
    expect_status 400
    expect_field '["field"]' '"orderId"'
    http ":$PORT/confirmations" orderId=99 status="Confirmed"
    expect_status 409
    http ":$PORT/confirmations" orderId=1 status="Maybe"
    expect_status 400
    http ":$PORT/orders" name="BJ.Kang" cardNo=4000000000000002 status="order start"
    expect_status 402
    http ":$PORT/orders"
    has_row orders "r['cardNo'] == '************0002' and r['status'] == 'OrderCanceled'"
    http ":$PORT/orders" name="BJ.Kang" cardNo="not a card"
    expect_status 400

    say "6. payment frozen (SIGSTOP): 503 with Retry-After within the RPC deadline, nothing stored; resumed: 201"
    ORDERS_BEFORE="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM "order".orders')"
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker hotel/payment' | head -n 1)"
    kill -STOP "$FROZEN_PID"
    http ":$PORT/orders" name="BJ.Kang" cardNo=111 status="order start"
    expect_status 503
    expect_field '["kind"]' '"unavailable"'
    if grep -qi '^Retry-After: ' "$LAST.headers"; then echo "  ok: Retry-After"; else fail "no Retry-After"; fi
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    ORDERS_AFTER="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM "order".orders')"
    if [[ "$ORDERS_AFTER" == "$ORDERS_BEFORE" ]]; then echo "  ok: no order stored ($ORDERS_AFTER before and after)"; else fail "orders $ORDERS_BEFORE -> $ORDERS_AFTER"; fi
    http ":$PORT/orders" name="BJ.Kang" cardNo=111 status="order start"
    expect_status 201
}
