# scripts/lib/fleet.sh: a whole system (`warren up SYSTEM --no-servers`) on a private vhost and
# database of the servers of scripts/servers, for the checks that talk to it over HTTP
# (scripts/check-openapi, scripts/check-httpie). Source it, then:
#
#   fleet_start SYSTEM LOGFILE [ENV=VALUE...]   starts it and waits until every worker and the
#                                               ingress are ready; sets FLEET_PORT (the ingress,
#                                               on 127.0.0.1), FLEET_PID (`warren up`),
#                                               FLEET_DATABASE_URL (the owner's URL)
#   fleet_stop                                  SIGTERM to `warren up`, which stops every process
#   fleet_cleanup                               fleet_stop, then drops the vhost and the database
#
# Needs AMQP_URL, RABBITMQ_MANAGEMENT_URL and DATABASE_URL (else `scripts/servers env`), and
# WARREN (the binary). The workers' health servers are off; the ingress reads as
# `warren_reader` (created here too when scripts/servers has not). LOG_LEVEL is info: the
# workers say "worker ready" in their log, which is how fleet_start knows.

FLEET_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -z "${DATABASE_URL:-}" || -z "${AMQP_URL:-}" || -z "${RABBITMQ_MANAGEMENT_URL:-}" ]]; then
    eval "$("$FLEET_REPO/scripts/servers" env)"
fi
FLEET_NAME="warren_check_$$"
FLEET_PID=""
FLEET_PORT=""
FLEET_DATABASE_URL=""
FLEET_CREATED=0

# _fleet_url URL CREDENTIALS PATH: URL with other credentials (empty: the same) and path.
_fleet_url() {
    python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
creds = sys.argv[2] or (p.netloc.rsplit("@", 1)[0] if "@" in p.netloc else "")
print(p._replace(netloc=(creds + "@" if creds else "") + p.netloc.rsplit("@", 1)[-1], path=sys.argv[3]).geturl())' "$@"
}
# The management API as curl wants it: credentials apart from the URL.
FLEET_MGMT_AUTH="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.unquote(p.username or "guest") + ":" + u.unquote(p.password or "guest"))' "$RABBITMQ_MANAGEMENT_URL")"
FLEET_MGMT_BASE="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.scheme + "://" + p.netloc.rsplit("@", 1)[-1])' "$RABBITMQ_MANAGEMENT_URL")"

fleet_start() {
    local system="$1" log="$2"
    shift 2
    curl -fsS -u "$FLEET_MGMT_AUTH" -X PUT "$FLEET_MGMT_BASE/api/vhosts/$FLEET_NAME" >/dev/null
    FLEET_CREATED=1
    curl -fsS -u "$FLEET_MGMT_AUTH" -X PUT -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
        "$FLEET_MGMT_BASE/api/permissions/$FLEET_NAME/${FLEET_MGMT_AUTH%%:*}" >/dev/null
    psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $FLEET_NAME" >/dev/null
    psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN CREATE ROLE warren_reader LOGIN PASSWORD 'warren_reader';
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
SQL
    FLEET_DATABASE_URL="$(_fleet_url "$DATABASE_URL" "" "/$FLEET_NAME")"
    FLEET_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    local contexts  # one worker per context file
    contexts="$(find "$FLEET_REPO/topology/$system" -maxdepth 1 -name '*.yaml' ! -name gateway.yaml | wc -l)"
    (cd "$FLEET_REPO" && exec env AMQP_URL="$(_fleet_url "$AMQP_URL" "" "/$FLEET_NAME")" DATABASE_URL="$FLEET_DATABASE_URL" \
        READ_DATABASE_URL="$(_fleet_url "$DATABASE_URL" "warren_reader:warren_reader" "/$FLEET_NAME")" \
        RABBITMQ_MANAGEMENT_URL="$RABBITMQ_MANAGEMENT_URL" INGRESS_HOST=127.0.0.1 LOG_LEVEL=info "$@" \
        "$WARREN" up "$system" --no-servers --ingress-port "$FLEET_PORT" --health-port 0) >"$log" 2>&1 &
    FLEET_PID=$!
    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$FLEET_PID" 2>/dev/null; then break; fi
        if [[ "$(grep -c 'msg="worker ready"' "$log" || true)" -ge "$contexts" ]] \
            && curl -fsS "http://127.0.0.1:$FLEET_PORT/readyz" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    grep -v '^topology' "$log" | tail -40 >&2
    echo "fleet: warren up $system did not become ready within 60 s" >&2
    return 1
}

fleet_stop() {
    if [[ -n "$FLEET_PID" ]] && kill -0 "$FLEET_PID" 2>/dev/null; then
        kill -TERM "$FLEET_PID" 2>/dev/null || true
        wait "$FLEET_PID" 2>/dev/null || true
    fi
    FLEET_PID=""
}

fleet_cleanup() {
    fleet_stop
    if [[ $FLEET_CREATED == 1 ]]; then
        curl -s -u "$FLEET_MGMT_AUTH" -X DELETE "$FLEET_MGMT_BASE/api/vhosts/$FLEET_NAME" >/dev/null 2>&1 || true
        psql "$DATABASE_URL" -qX -c "DROP DATABASE IF EXISTS $FLEET_NAME WITH (FORCE)" >/dev/null 2>&1 || true
    fi
}
