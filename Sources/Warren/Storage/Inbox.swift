import Postgres

/// The context's record of every message it has handled, by message id: the half of
/// exactly-once effects that turns a redelivery into a no-op. For a request, it also keeps
/// the reply, so a retried request is answered again without a second effect.
struct Inbox: Sendable {
    let schema: ContextSchema

    /// Records the message inside the open transaction; false when it was handled before.
    func record(_ envelope: Envelope, queue: String, on db: PostgresConnection) async throws -> Bool {
        let inserted = try await db.execute(
            "INSERT INTO \(schema.inbox) (message_id, type, queue) VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING",
            [envelope.messageId, envelope.type, queue], prepared: true)
        return inserted == 1
    }

    /// Keeps the reply with the message's record, in the same transaction as the effects.
    func storeReply(_ messageId: String, type: String, body: String, on db: PostgresConnection) async throws {
        try await db.execute("UPDATE \(schema.inbox) SET reply = $2, reply_type = $3 WHERE message_id = $1",
                             [messageId, body, type], prepared: true)
    }

    enum Entry: Sendable {
        case absent
        /// Handled before; the reply it got, if it was a request.
        case handled(replyType: String?, reply: String?)
    }

    func entry(_ messageId: String, on db: PostgresConnection) async throws -> Entry {
        let rows = try await db.query("SELECT reply_type, reply FROM \(schema.inbox) WHERE message_id = $1", [messageId], prepared: true)
        guard let row = rows.first else { return .absent }
        return .handled(replyType: try row.decode(String?.self, at: 0), reply: try row.decode(String?.self, at: 1))
    }
}
