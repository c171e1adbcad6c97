import Postgres

/// The context's record of every message it has handled, by message id: the half of
/// exactly-once effects that turns a redelivery into a no-op.
struct Inbox: Sendable {
    let schema: ContextSchema

    /// Records the message inside the open transaction; false when it was handled before.
    func record(_ envelope: Envelope, queue: String, on db: PostgresConnection) async throws -> Bool {
        let inserted = try await db.execute(
            "INSERT INTO \(schema.inbox) (message_id, type, queue) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING",
            [envelope.messageId, envelope.type, queue], prepared: true)
        return inserted == 1
    }
}
