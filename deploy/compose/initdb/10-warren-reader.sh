#!/bin/bash
# Runs once, when the postgres container starts on an empty volume (/docker-entrypoint-initdb.d).
#
# Creates `warren_reader`, the read-only role the ingress serves views with. Every worker
# connects as POSTGRES_USER and creates its context's schema and tables at start, later than
# this script; default privileges give the reader USAGE on those schemas and SELECT on their
# tables as they appear. Works both run and sourced, as the official image does either.
set -eo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set reader_password="${WARREN_READER_PASSWORD:?set WARREN_READER_PASSWORD (see .env)}" \
    --set owner="$POSTGRES_USER" --set db="$POSTGRES_DB" <<'SQL'
CREATE ROLE warren_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE warren_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO warren_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT USAGE ON SCHEMAS TO warren_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT SELECT ON TABLES TO warren_reader;
SQL
echo "initdb: role warren_reader created (read-only, SELECT on every schema the workers create)"
