# The cleaning system's original scenario, replayed with HTTPie by scripts/check-httpie against
# `warren up cleaning` (sourced: http, expect_status, expect_field, until_field, has_row, field,
# fail, say, $PORT, $FLEET_PID and $FLEET_DATABASE_URL come from there).
#
#   1. POST /paymethods kind=credit number=40095003 requestId=1 ...  -> 201, number masked
#   2. GET /messages and GET /dashBoardViews                          -> show requestId 1
#   3. POST /cleaningReservations ...                                 -> 201; the dashboard
#      reaches CleaningConfirmed
#   4. DELETE /cleaningReservations/{id}                              -> 204; refunded:
#      payment and dashboard PaymentCancelCompleted
#   5. payment frozen (SIGSTOP): POST /cleaningReservations and /paymethods -> 503 with
#      Retry-After within the routes' 3 s wait (the RPC deadline is 2 s), nothing charged;
#      payment resumed -> 201 again

# What the fleet needs in its environment.
REPLAY_ENVIRONMENT=(PAYMETHOD_HASH_KEY="check-httpie-key-0123456789abcdef")

replay() {
    say "1. a payment kind registered"
    http POST ":$PORT/paymethods" kind=credit number=40095003 requestId=1 payKindRegStatus=PaymentKindRegistered
    expect_status 201
    expect_field '["numberMasked"]' '"****5003"'
    expect_field '["requestId"]' 1
    if grep -q 40095003 "$LAST"; then fail "the whole card number is in the answer"; fi

    say "2. the message history and the dashboard show it"
    for _ in $(seq 1 75); do
        "$VENV/bin/http" --ignore-stdin --print=b --pretty=none GET ":$PORT/dashBoardViews/1" >"$LAST.json" 2>/dev/null || true
        [[ "$(field '["status"]')" == '"PaymentKindRegistered"' ]] && break
        sleep 0.2
    done
    http GET ":$PORT/messages"
    expect_status 200
    has_row messages 'r["requestId"] == 1 and r["status"] == "PaymentKindRegistered" and "****5003" in r["text"]'
    http GET ":$PORT/dashBoardViews"
    expect_status 200
    has_row dashBoardViews 'r["requestId"] == 1 and r["status"] == "PaymentKindRegistered" and r["payKind"] == "credit"'

    say "3. a reservation: paid, a cleaner assigned"
    http POST ":$PORT/cleaningReservations" requestDate=2026-12-01 place=Seoul price=100 payKind=card
    expect_status 201
    expect_field '["status"]' '"CleaningRequested"'
    expect_field '["price"]' 100
    ID="$(field '["id"]')"
    if ! grep -qi "^Location: .*/cleaningReservations/$ID" "$LAST.headers"; then fail "no Location naming reservation $ID"; fi
    until_field ":$PORT/dashBoardViews/$ID" '["status"]' '"CleaningConfirmed"'

    say "4. the reservation cancelled: refunded"
    http DELETE ":$PORT/cleaningReservations/$ID"
    expect_status 204
    until_field ":$PORT/dashBoardViews/$ID" '["status"]' '"PaymentCancelCompleted"'
    http GET ":$PORT/payments?sort=id,desc&size=5"
    has_row payments "r['requestId'] == $ID and r['status'] == 'PaymentCancelCompleted'"

    say "5. payment frozen (SIGSTOP): 503 with Retry-After within the RPC deadline, nothing charged"
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker cleaning/payment' | head -n 1)"
    PAYMENTS_BEFORE="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM payment.payments')"
    kill -STOP "$FROZEN_PID"
    for what in reservation paymethod; do
        if [[ $what == reservation ]]; then
            http POST ":$PORT/cleaningReservations" requestDate=2026-12-02 place=Busan price=200 payKind=card
        else
            http POST ":$PORT/paymethods" kind=debit number=1234567890123 requestId=2
        fi
        expect_status 503
        expect_field '["kind"]' '"unavailable"'
        if grep -qi '^Retry-After: ' "$LAST.headers"; then echo "  ok: Retry-After"; else fail "no Retry-After"; fi
        # A 503 rather than a 202 means the outcome came within the route's 3 s wait (the RPC's
        # deadline is 2 s); the time below adds HTTPie's own start, ~0.5 s, more on a busy machine.
        if ((ELAPSED_MS <= 6000)); then echo "  ok: answered in $ELAPSED_MS ms"; else fail "503 took $ELAPSED_MS ms"; fi
    done
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    sleep 1
    PAYMENTS_AFTER="$(psql "$FLEET_DATABASE_URL" -qXAt -c "SELECT count(*) FROM payment.payments WHERE status = 'PaymentCompleted'")"
    if [[ "$PAYMENTS_AFTER" == 0 && "$PAYMENTS_BEFORE" == 1 ]]; then
        echo "  ok: no payment completed while payment was frozen (payments: $PAYMENTS_BEFORE, none completed)"
    else
        fail "payments before $PAYMENTS_BEFORE, completed after $PAYMENTS_AFTER"
    fi
    say "   payment resumed: 201 again"
    http POST ":$PORT/cleaningReservations" requestDate=2026-12-02 place=Busan price=200 payKind=card
    expect_status 201
}
