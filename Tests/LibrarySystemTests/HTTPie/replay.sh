# The library system's original HTTPie commands, replayed by scripts/check-httpie against
# `warren up library` (sourced: http, expect_status, expect_field, until_field, has_row, field,
# fail, say, $PORT, $FLEET_PID and $FLEET_DATABASE_URL come from there). The fleet is fresh,
# so rentals are numbered 1, 2, 3… as in the original, and its commands are typed as they were
# (`/rentals/1`, `/rentals/2`); each POST checks the number it was given.
#
#   1. POST /rentals memberId=1 bookId=1          -> 201 reserve, paid first; GET /rentals,
#                                                    /payments, /books show it
#   2. PATCH /rentals/1 reqState="cancel"          -> 200; refunded, book 1 available again
#   3. POST /rentals memberId=1 bookId=2, PATCH reqState="rental", then "return"
#                                                  -> book 2 rented, returned; GET /mypages/1
#   4. PATCH a returned rental reqState="rental"   -> 409 naming `return`; reqState="borrow" 400
#   5. PATCH reqState="kioskrental" kioskNo=1, then reqState="kioskreturn" -> the kiosk records both
#   6. kiosk frozen (SIGSTOP): kioskrental -> 503 with Retry-After, the rental unchanged;
#      payment frozen: POST /rentals -> 503, nothing stored; resumed -> 201

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

# The happy path (also compose-smoke's): reserve, cancel, rent and return, the views.
smoke() {
    say "1. a reservation, paid before it is stored"
    http POST ":$PORT/rentals" memberId=1 bookId=1
    expect_status 201
    expect_field '["reqState"]' '"reserve"'
    expect_field '["memberId"]' 1
    expect_field '["id"]' 1
    http GET ":$PORT/rentals"
    expect_status 200
    has_row rentals "r['id'] == 1 and r['reqState'] == 'reserve'"
    http GET ":$PORT/payments"
    has_row payments "r['rentalId'] == 1 and r['status'] == 'Paid'"
    until_field ":$PORT/books/1" '["bookStatus"]' '"reserved"'

    say "2. the reservation cancelled: refunded, the book available again"
    http PATCH ":$PORT/rentals/1" reqState="cancel"
    expect_status 200
    expect_field '["reqState"]' '"cancel"'
    until_field ":$PORT/books/1" '["bookStatus"]' '"available"'
    until_row ":$PORT/payments" payments "r['rentalId'] == 1 and r['status'] == 'PaymentCancelled'"

    say "3. another book rented and returned; the member's page"
    http POST ":$PORT/rentals" memberId=1 bookId=2
    expect_status 201
    expect_field '["id"]' 2
    http PATCH ":$PORT/rentals/2" reqState="rental"
    expect_status 200
    expect_field '["reqState"]' '"rental"'
    until_field ":$PORT/books/2" '["bookStatus"]' '"rented"'
    http PATCH ":$PORT/rentals/2" reqState="return"
    expect_status 200
    until_field ":$PORT/books/2" '["bookStatus"]' '"returned"'
    until_field ":$PORT/mypages/1" '["returnedBookIds"]' '[2]'
    expect_field '["cancelledBookIds"]' '[1]'
    http GET ":$PORT/books"
    has_row books "r['id'] == 2 and r['rentalId'] == 2 and r['bookStatus'] == 'returned'"
}

replay() {
    smoke

    say "4. moves the state machine does not allow: 409 with the reason; an unknown reqState 400"
    http PATCH ":$PORT/rentals/2" reqState="rental"
    expect_status 409
    expect_field '["error"]' "\"rental 2 is \`return\`: it cannot move to \`rental\`; it is final, no move is allowed from it\""
    http PATCH ":$PORT/rentals/1" reqState="kioskrental" kioskNo=1
    expect_status 409
    http PATCH ":$PORT/rentals/2" reqState="borrow"
    expect_status 400

    say "5. a book rented and returned at a kiosk"
    http POST ":$PORT/rentals" memberId=2 bookId=3
    expect_status 201
    expect_field '["id"]' 3
    http PATCH ":$PORT/rentals/3" reqState="kioskrental" kioskNo=1
    expect_status 200
    expect_field '["reqState"]' '"kioskrental"'
    expect_field '["kioskNo"]' 1
    http PATCH ":$PORT/rentals/3" reqState="kioskreturn"
    expect_status 200
    expect_field '["reqState"]' '"kioskreturn"'
    until_field ":$PORT/books/3" '["bookStatus"]' '"returned"'
    until_row ":$PORT/kiosks" kiosks "r['rentalId'] == 3 and r['kioskNo'] == 1 and r['bookStatus'] == 'returned'"
    until_row ":$PORT/reservationLists" reservationLists "r['id'] == 3 and r['reqState'] == 'kioskreturn' and r['kioskStatus'] == 'returned'"

    say "6. kiosk frozen (SIGSTOP): 503 with Retry-After within the RPC deadline, the rental unchanged"
    http POST ":$PORT/rentals" memberId=2 bookId=4
    expect_field '["id"]' 4
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker library/kiosk' | head -n 1)"
    kill -STOP "$FROZEN_PID"
    http PATCH ":$PORT/rentals/4" reqState="kioskrental" kioskNo=1
    expect_status 503
    if grep -qi '^Retry-After: ' "$LAST.headers"; then echo "  ok: Retry-After"; else fail "no Retry-After"; fi
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    http GET ":$PORT/rentals/4"
    expect_field '["reqState"]' '"reserve"'

    say "   payment frozen: POST /rentals 503, nothing stored; resumed: 201 again"
    RENTALS_BEFORE="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM rental.rentals')"
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker library/payment' | head -n 1)"
    kill -STOP "$FROZEN_PID"
    http POST ":$PORT/rentals" memberId=3 bookId=5
    expect_status 503
    expect_field '["kind"]' '"unavailable"'
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    RENTALS_AFTER="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM rental.rentals')"
    if [[ "$RENTALS_AFTER" == "$RENTALS_BEFORE" ]]; then echo "  ok: no rental stored ($RENTALS_AFTER before and after)"; else fail "rentals $RENTALS_BEFORE -> $RENTALS_AFTER"; fi
    http POST ":$PORT/rentals" memberId=3 bookId=5
    expect_status 201
}
