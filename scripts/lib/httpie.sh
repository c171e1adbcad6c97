# scripts/lib/httpie.sh: HTTPie as a system's users typed it, with checks on each answer.
# Sourced by scripts/check-httpie and scripts/compose-smoke, for a system's
# Tests/<Name>SystemTests/HTTPie/replay.sh. Needs VENV (HTTPie in $VENV/bin) and WORK (a scratch
# folder); counts failures in FAILURES.
FAILURES=0
say() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }

export HTTPIE_CONFIG_DIR="$WORK/httpie"
LAST="$WORK/last"
# http ARGS...: runs HTTPie as a user would (`http POST :PORT/...`), prints what it printed,
# keeps the status in $STATUS, the headers in $LAST.headers and the body in $LAST.json.
http() {
    local started ended
    started=$(date +%s%N)
    "$VENV/bin/http" --ignore-stdin --print=hb --pretty=format --timeout 30 "$@" >"$LAST" 2>&1 || true
    ended=$(date +%s%N)
    ELAPSED_MS=$(((ended - started) / 1000000))
    printf '$ http %s\n' "$*"
    sed 's/^/  /' "$LAST"
    printf '\n'
    STATUS="$(head -n 1 "$LAST" | awk '{print $2}')"
    # What ran and what it answered, for scripts/check-docs (every command the docs show must be here).
    if [[ -n "${HTTPIE_RECORD:-}" ]]; then printf '%s\t%s\n' "${STATUS:-none}" "$(printf '%s\x1f' "$@")" >>"$HTTPIE_RECORD"; fi
    awk 'NR == 1, /^\r?$/' "$LAST" >"$LAST.headers"
    awk 'found { print } /^\r?$/ { found = 1 }' "$LAST" >"$LAST.json"
}
expect_status() {
    if [[ "$STATUS" == "$1" ]]; then echo "  ok: $1"; else fail "expected $1, got ${STATUS:-no answer}"; fi
}
# field PATH: the body's member at a Python expression path, e.g. field '["_embedded"]["messages"]'
field() { python3 -c 'import json, sys; print(json.dumps(eval("json.load(open(sys.argv[1]))" + sys.argv[2]), ensure_ascii=False))' "$LAST.json" "$1" 2>/dev/null || echo '<none>'; }
expect_field() {  # expect_field PATH JSON
    local got
    got="$(field "$1")"
    if [[ "$got" == "$2" ]]; then echo "  ok: $1 == $2"; else fail "$1: expected $2, got $got"; fi
}
# until_field URL PATH JSON: GETs URL (quietly) until PATH is JSON, at most 15 s, then shows it.
until_field() {
    local url="$1" path="$2" want="$3"
    for _ in $(seq 1 75); do
        "$VENV/bin/http" --ignore-stdin --print=b --pretty=none GET "$url" >"$LAST.json" 2>/dev/null || true
        [[ "$(field "$path")" == "$want" ]] && break
        sleep 0.2
    done
    http GET "$url"
    expect_field "$path" "$want"
}
has_row() {  # has_row COLLECTION PYTHON-CONDITION-ON-r: some row of _embedded.COLLECTION matches
    if python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["_embedded"][sys.argv[2]]
sys.exit(0 if any(eval(sys.argv[3], {}, {"r": r}) for r in rows) else 1)' "$LAST.json" "$1" "$2" 2>/dev/null; then
        echo "  ok: a row of $1 with $2"
    else
        fail "no row of $1 with $2"
    fi
}
