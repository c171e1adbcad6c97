# The storage rental system's original HTTPie commands, replayed by scripts/check-httpie against
# `warren up storage` (sourced: http, expect_status, expect_field, until_field, has_row, field,
# fail, say, $PORT, $FLEET_PID and $FLEET_DATABASE_URL come from there). The fleet is fresh, so
# calls are numbered 1, 2, 3… as in the original, whose commands are typed as they were,
# Korean included (`location="마포" status=호출`, `/storagecalls/1`).
#
#   1. POST /storagecalls tel="01012345678" location="마포" status=호출 cost=25000 -> 201 호출,
#      taken by storagemanage first; its status follows: 호출중, then 호출확정 with a unit
#   2. DELETE /storagecalls/1 -> 200 호출취소; the unit is free again
#   3. GET /storagecalls lists both states
#   4. storagemanage frozen (SIGSTOP): POST -> 503 with Retry-After, nothing stored; resumed -> 201
#   5. no free unit left at a location -> the call ends 호출취소 with the reason (the compensation)

# storagemanage's SQLite file: a fresh one per replay, as the vhost and database are.
REPLAY_SQLITE_DIR="$(mktemp -d)"
REPLAY_ENVIRONMENT=("WARREN_SQLITE_PATH=$REPLAY_SQLITE_DIR/storagemanage.sqlite" "STORAGE_UNITS=마포=M-101,M-102,M-103;강남=G-201")

# expect_text PATH TEXT: the body's string at PATH is TEXT, compared as Unicode (Korean intact;
# `expect_field` compares json.dumps output, which escapes it).
expect_text() {
    if python3 -c 'import json, sys; sys.exit(0 if eval("json.load(open(sys.argv[1]))" + sys.argv[2]) == sys.argv[3] else 1)' \
        "$LAST.json" "$1" "$2" 2>/dev/null; then echo "  ok: $1 == $2"; else fail "$1: expected $2, got $(field "$1")"; fi
}
# until_text URL PATH TEXT: GETs URL (quietly) until PATH is TEXT, at most 15 s, then shows it.
until_text() {
    local url="$1" path="$2" want="$3"
    for _ in $(seq 1 75); do
        "$VENV/bin/http" --ignore-stdin --print=b --pretty=none GET "$url" >"$LAST.json" 2>/dev/null || true
        python3 -c 'import json, sys; sys.exit(0 if eval("json.load(open(sys.argv[1]))" + sys.argv[2]) == sys.argv[3] else 1)' \
            "$LAST.json" "$path" "$want" 2>/dev/null && break
        sleep 0.2
    done
    http GET "$url"
    expect_text "$path" "$want"
}

# The happy path (also compose-smoke's): a call taken, confirmed, cancelled, listed.
smoke() {
    say "1. a call, taken by storagemanage before it is answered, then confirmed with a unit"
    http :$PORT/storagecalls tel="01012345678" location="마포" status=호출 cost=25000
    expect_status 201
    expect_field '["id"]' 1
    expect_text '["status"]' '호출'
    expect_text '["location"]' '마포'
    expect_field '["tel"]' '"01012345678"'
    expect_field '["cost"]' 25000
    until_text ":$PORT/storagecalls/1" '["status"]' '호출확정'
    until_field ":$PORT/units/M-101" '["storagecallId"]' 1

    say "2. the customer cancels: 호출취소, the unit free again"
    http delete :$PORT/storagecalls/1
    expect_status 200
    expect_text '["status"]' '호출취소'
    until_field ":$PORT/units/M-101" '["storagecallId"]' null

    say "3. another call, and the list"
    http :$PORT/storagecalls tel="01087654321" location="마포" status=호출 cost=30000
    expect_status 201
    expect_field '["id"]' 2
    until_text ":$PORT/storagecalls/2" '["status"]' '호출확정'
    http :$PORT/storagecalls
    expect_status 200
    has_row storagecalls "r['id'] == 1 and r['status'] == '호출취소' and r['location'] == '마포'"
    has_row storagecalls "r['id'] == 2 and r['status'] == '호출확정'"
}

replay() {
    smoke

    say "4. storagemanage frozen (SIGSTOP): 503 with Retry-After, nothing stored; resumed: 201"
    CALLS_BEFORE="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM storagecall.storagecalls')"
    FROZEN_PID="$(pgrep -P "$FLEET_PID" -f 'worker storage/storagemanage' | head -n 1)"
    kill -STOP "$FROZEN_PID"
    http :$PORT/storagecalls tel="01012345678" location="마포" status=호출 cost=25000
    expect_status 503
    if grep -qi '^Retry-After: ' "$LAST.headers"; then echo "  ok: Retry-After"; else fail "no Retry-After"; fi
    kill -CONT "$FROZEN_PID"
    FROZEN_PID=""
    CALLS_AFTER="$(psql "$FLEET_DATABASE_URL" -qXAt -c 'SELECT count(*) FROM storagecall.storagecalls')"
    if [[ "$CALLS_AFTER" == "$CALLS_BEFORE" ]]; then echo "  ok: no call stored ($CALLS_AFTER before and after)"; else fail "calls $CALLS_BEFORE -> $CALLS_AFTER"; fi
    http :$PORT/storagecalls tel="01012345678" location="마포" status=호출 cost=25000
    expect_status 201

    say "5. 강남 has one unit: the second call there is cancelled with the reason (the compensation)"
    http :$PORT/storagecalls tel="01011112222" location="강남" status=호출 cost=20000
    expect_status 201
    FIRST_GANGNAM="$(field '["id"]')"
    until_text ":$PORT/storagecalls/$FIRST_GANGNAM" '["status"]' '호출확정'
    http :$PORT/storagecalls tel="01033334444" location="강남" status=호출 cost=20000
    expect_status 201
    SECOND_GANGNAM="$(field '["id"]')"
    until_text ":$PORT/storagecalls/$SECOND_GANGNAM" '["status"]' '호출취소'
    rm -rf "$REPLAY_SQLITE_DIR"
}
