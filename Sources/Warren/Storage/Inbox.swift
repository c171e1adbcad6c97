import Foundation
import Postgres

/// The context's record of every message it has handled, by message id: the half of
/// exactly-once effects that turns a redelivery into a no-op. For a request, it also keeps
/// the reply, so a retried request is answered again without a second effect.
struct Inbox: Sendable {
    let schema: ContextSchema

    /// The INSERT that records the message, with the reply it got if it was a request. It goes
    /// first among the statements sent with the handler's COMMIT: a message handled before
    /// violates the primary key there, so nothing after it runs and the transaction, the
    /// handler's effects included, is rolled back. A copy handled concurrently by another lane
    /// or replica waits on that key until the first commits, then fails the same way.
    func record(_ envelope: Envelope, queue: String, reply: (type: String, body: Data)?) -> PostgresQuery {
        PostgresQuery(
            sql: """
                INSERT INTO \(schema.inbox) (message_id, type, queue, reply_type, reply, correlation_id, causation_id, sender)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """,
            parameters: [envelope.messageId, envelope.type, queue, reply?.type, reply.map { String(decoding: $0.body, as: UTF8.self) },
                         envelope.correlationId, envelope.causationId, envelope.appId])
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
