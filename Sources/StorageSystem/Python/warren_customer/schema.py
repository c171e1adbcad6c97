"""The `customer` schema: the runtime's tables exactly as the Swift runtime creates them
(Sources/Warren/Storage/ContextSchema.swift, copied version by version, and checked against it
by Tests/StorageSystemTests/Python/test_contract.py), then this context's views. Same
bookkeeping table, same advisory lock, so a Swift tool (`warren trace`) reads this inbox like
any other, and replicas starting together migrate once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


RUNTIME_MIGRATIONS = [
    Migration(1, "inbox", """
        CREATE TABLE warren_inbox (
            message_id text PRIMARY KEY,
            type text NOT NULL,
            queue text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            reply text
        )
        """),
    Migration(2, "outbox", """
        CREATE TABLE warren_outbox (
            id bigserial PRIMARY KEY,
            exchange text NOT NULL,
            routing_key text NOT NULL,
            envelope text NOT NULL,
            body text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            attempts int NOT NULL DEFAULT 0,
            next_attempt_at timestamptz
        )
        """),
    Migration(3, "inbox reply type", "ALTER TABLE warren_inbox ADD COLUMN reply_type text"),
    Migration(4, "inbox conversation", """
        ALTER TABLE warren_inbox ADD COLUMN correlation_id text, ADD COLUMN causation_id text, ADD COLUMN sender text
        """),
    Migration(5, "id claims", """
        CREATE TABLE warren_sequences (name text PRIMARY KEY, last bigint NOT NULL);
        CREATE TABLE warren_claims (
            message_id text NOT NULL,
            sequence text NOT NULL,
            value bigint NOT NULL,
            claimed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (message_id, sequence)
        )
        """),
]

# The views the ingress serves (GET /mypages, /notifications): table per view, snake_case
# columns of the topology's fields (WarrenIngress's SQLName); `rank` is this worker's own.
CONTEXT_MIGRATIONS = [
    Migration(1, "mypages", """
        CREATE TABLE mypages (
            id bigint PRIMARY KEY,
            tel text,
            location text,
            unit text,
            status text NOT NULL,
            rank int NOT NULL
        )
        """),
    Migration(2, "notifications", """
        CREATE TABLE notifications (
            id bigint PRIMARY KEY,
            storagecall_id bigint NOT NULL,
            tel text,
            event text NOT NULL,
            message text NOT NULL
        );
        CREATE INDEX notifications_storagecall_id ON notifications (storagecall_id)
        """),
]

READER_ROLE = "warren_reader"


def schema_name(context: str) -> str:
    return context.replace("-", "_")


async def migrate(connection, context: str) -> list[str]:
    """Creates the schema and applies every missing migration in one transaction, under an
    advisory lock on the schema's name; returns what it applied now."""
    name = schema_name(context)
    quoted = f'"{name}"'
    applied: list[str] = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
        await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
        await connection.execute(f"SET LOCAL search_path TO {quoted}")
        await connection.execute("""
            CREATE TABLE IF NOT EXISTS warren_migrations (
                scope text NOT NULL, version int NOT NULL, name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, version))
            """)
        cursor = await connection.execute("SELECT scope, version FROM warren_migrations")
        done = {f"{scope}:{version}" for scope, version in await cursor.fetchall()}
        for scope, migrations in (("warren", RUNTIME_MIGRATIONS), ("context", CONTEXT_MIGRATIONS)):
            for migration in sorted(migrations, key=lambda m: m.version):
                if f"{scope}:{migration.version}" in done:
                    continue
                await connection.execute(migration.sql)
                await connection.execute("INSERT INTO warren_migrations (scope, version, name) VALUES (%s, %s, %s)",
                                         [scope, migration.version, migration.name])
                applied.append(f"{scope} {migration.version} {migration.name}")
        await connection.execute(f"""
            DO $$ BEGIN
                IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER_ROLE}') THEN
                    EXECUTE 'GRANT USAGE ON SCHEMA {quoted} TO {READER_ROLE}';
                    EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA {quoted} TO {READER_ROLE}';
                END IF;
            END $$
            """)
    return applied
