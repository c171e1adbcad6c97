import Foundation
import Postgres

/// A context's PostgreSQL schema: the runtime's inbox and outbox, and the context's own
/// migrations, created or brought up to date when a worker starts.
///
/// Several replicas may start at once: the whole migration runs in one transaction under an
/// advisory lock on the schema's name, so exactly one applies each version and the others
/// find it done.
struct ContextSchema: Sendable {
    let name: String

    init(context: String) {
        // Context names are kebab-case; SQL identifiers take underscores.
        name = context.replacingOccurrences(of: "-", with: "_")
    }

    var quoted: String { "\"\(name)\"" }
    var inbox: String { "\(quoted).warren_inbox" }
    var outbox: String { "\(quoted).warren_outbox" }
    var claims: String { "\(quoted).warren_claims" }
    var sequences: String { "\(quoted).warren_sequences" }

    /// The runtime's own tables, version by version; the context's migrations are kept apart.
    var runtimeMigrations: [Migration] {
        [
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
            // Who sent each handled message and in which conversation, for `warren trace`. No
            // index: a trace is an operator's query over an inbox pruned by retention, and an
            // index would cost every delivery a second write.
            Migration(4, "inbox conversation", """
                ALTER TABLE warren_inbox ADD COLUMN correlation_id text, ADD COLUMN causation_id text, ADD COLUMN sender text
                """),
            // Sequential ids claimed by messages before their calls (`IdClaims`).
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
    }

    /// Creates the schema and applies every missing migration; returns the versions applied now.
    ///
    /// `system` claims the schema for that system on first use: two systems with a context of
    /// the same name (three have a `payment`) must not share a database, and a worker pointed at
    /// another system's database is refused here, before it reads tables that are not its own.
    @discardableResult
    func migrate(_ database: PostgresConnection, context migrations: [Migration], system: String? = nil) async throws -> [String] {
        try await database.withTransaction { db in
            try await db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", [name])
            try await db.execute("CREATE SCHEMA IF NOT EXISTS \(quoted)", [])
            try await db.execute("SET LOCAL search_path TO \(quoted)", [])
            try await db.execute("""
                CREATE TABLE IF NOT EXISTS warren_migrations (
                    scope text NOT NULL, version int NOT NULL, name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, version))
                """, [])
            if let system {
                try await db.execute("CREATE TABLE IF NOT EXISTS warren_owner (system text NOT NULL)", [])
                let owners = try await db.query("SELECT system FROM warren_owner", []).map { try $0.decode(String.self, at: 0) }
                if let owner = owners.first, owner != system {
                    throw OwnedByAnotherSystem(schema: name, owner: owner, system: system, database: database.configuration.database ?? "?")
                }
                if owners.isEmpty { try await db.execute("INSERT INTO warren_owner (system) VALUES ($1)", [system]) }
            }
            let rows = try await db.query("SELECT scope, version FROM warren_migrations", [])
            var done = Set<String>()
            for row in rows { done.insert("\(try row.decode(String.self, at: 0)):\(try row.decode(Int.self, at: 1))") }
            var applied: [String] = []
            for (scope, list) in [("warren", runtimeMigrations), ("context", migrations)] {
                for migration in list.sorted(by: { $0.version < $1.version }) where !done.contains("\(scope):\(migration.version)") {
                    try await db.execute(migration.sql, [])
                    try await db.execute("INSERT INTO warren_migrations (scope, version, name) VALUES ($1, $2, $3)",
                                         [scope, migration.version, migration.name])
                    applied.append("\(scope) \(migration.version) \(migration.name)")
                }
            }
            // The ingress reads views and stored outcomes through this role, when it exists.
            try await db.execute("""
                DO $$ BEGIN
                    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '\(Self.readerRole)') THEN
                        EXECUTE 'GRANT USAGE ON SCHEMA \(quoted) TO \(Self.readerRole)';
                        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA \(quoted) TO \(Self.readerRole)';
                    END IF;
                END $$
                """, [])
            return applied
        }
    }

    /// The read-only role of the ingress (views and stored outcomes).
    static let readerRole = "warren_reader"

    struct OwnedByAnotherSystem: Error, CustomStringConvertible {
        let schema: String
        let owner: String
        let system: String
        let database: String

        var description: String {
            "the schema `\(schema)` in database `\(database)` belongs to the \(owner) system, not to \(system): each system needs a "
                + "database of its own (`warren up \(system)` makes one named after it; with --no-servers or in a deployment, "
                + "point DATABASE_URL at \(system)'s database)"
        }
    }
}
