import Foundation
import Postgres

/// The context's outbox: messages written in the handler's transaction, deleted once the broker
/// confirmed them. Whatever is left (a crash between commit and confirm, a broker that was down)
/// is published again by `OutboxRelay`; consumers' inboxes make that repeat harmless.
struct Outbox: Sendable {
    let schema: ContextSchema

    /// The INSERTs that write the messages, for the end of the handler's transaction
    /// (`commit(after:)`); each returns its row id, which `written(_:rows:)` puts back.
    func inserts(_ messages: [OutboxMessage]) throws -> [PostgresQuery] {
        try messages.map { message in
            let envelope = String(decoding: try JSONEncoder.warren.encode(message.envelope), as: UTF8.self)
            return PostgresQuery(
                sql: "INSERT INTO \(schema.outbox) (exchange, routing_key, envelope, body) VALUES ($1, $2, $3, $4) RETURNING id",
                parameters: [message.exchange, message.routingKey, envelope, String(decoding: message.body, as: UTF8.self)])
        }
    }

    /// The messages with the row ids their INSERTs returned.
    func written(_ messages: [OutboxMessage], rows: some Collection<PostgresRows>) throws -> [OutboxMessage] {
        try zip(messages, rows).map { message, rows in
            var message = message
            message.id = try rows[0].decode(Int64.self, at: 0)
            return message
        }
    }

    /// Rows no live delivery is publishing any more: older than `age` and due for another try.
    /// Locked with SKIP LOCKED, so two replicas' relays never take the same rows.
    func pending(olderThan age: Duration, limit: Int, on db: PostgresConnection) async throws -> [OutboxMessage] {
        let rows = try await db.query("""
            SELECT id, exchange, routing_key, envelope, body FROM \(schema.outbox)
            WHERE \(Self.due) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
            """, [Self.seconds(age), limit])
        return try rows.map { row in
            OutboxMessage(
                id: try row.decode(Int64.self, at: 0), exchange: try row.decode(String.self, at: 1),
                routingKey: try row.decode(String.self, at: 2),
                envelope: try JSONDecoder.warren.decode(Envelope.self, from: Data(try row.decode(String.self, at: 3).utf8)),
                body: Data(try row.decode(String.self, at: 4).utf8))
        }
    }

    func delete(_ ids: [Int64], on db: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await db.execute("DELETE FROM \(schema.outbox) WHERE id = ANY($1::bigint[])",
                             ["{\(ids.map(String.init).joined(separator: ","))}"])
    }

    /// Backs off rows that failed again: 2^attempts seconds, at most five minutes.
    func postpone(_ ids: [Int64], on db: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        try await db.execute("""
            UPDATE \(schema.outbox) SET attempts = attempts + 1,
                next_attempt_at = now() + make_interval(secs => least(power(2, attempts + 1), 300))
            WHERE id = ANY($1::bigint[])
            """, ["{\(ids.map(String.init).joined(separator: ","))}"])
    }

    /// Every row (the backlog gauge) and the rows `pending` would take now, in one statement
    /// outside any transaction: an idle relay's whole round (saga bill: it was BEGIN, the
    /// locking SELECT, COMMIT and the count, every second in every worker).
    func backlog(dueOlderThan age: Duration, on db: PostgresConnection) async throws -> (rows: Int, due: Int) {
        let row = try await db.query("SELECT count(*), count(*) FILTER (WHERE \(Self.due)) FROM \(schema.outbox)",
                                     [Self.seconds(age)])[0]
        return (try row.decode(Int.self, at: 0), try row.decode(Int.self, at: 1))
    }

    /// A row due for publishing by the relay, older than $1 seconds.
    private static let due = "created_at < now() - make_interval(secs => $1) AND (next_attempt_at IS NULL OR next_attempt_at <= now())"

    private static func seconds(_ age: Duration) -> Double {
        Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
    }
}
