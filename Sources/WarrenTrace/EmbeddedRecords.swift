import Foundation
import GRDB

/// A context's inbox and outbox in its embedded SQLite file (`store: sqlite`), read-only: the
/// same records as a PostgreSQL context's (`WarrenEmbedded`'s tables), so its part of a
/// conversation reads the same way.
struct EmbeddedRecords {
    let path: String

    func steps(of context: String, correlationId: String) throws -> [Conversation.Step] {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        return try database.read { db in
            let handled = try Row.fetchAll(db, sql: """
                SELECT message_id, type, queue, received_at, causation_id, sender, reply_type, reply
                FROM warren_inbox WHERE correlation_id = ?
                """, arguments: [correlationId]).map { row in
                Conversation.Step(
                    time: Date(timeIntervalSince1970: row["received_at"]), kind: .handled, context: context, type: row["type"],
                    messageId: row["message_id"], causationId: row["causation_id"], sender: row["sender"], queue: row["queue"],
                    detail: (row["reply"] as String?).map { ConversationReader.summary(replyType: row["reply_type"], body: $0) })
            }
            let unsent = try Row.fetchAll(db, sql: """
                SELECT routing_key, envelope, created_at, attempts FROM warren_outbox
                WHERE json_extract(envelope, '$.correlationId') = ?
                """, arguments: [correlationId]).map { row in
                let envelope = (try? JSONSerialization.jsonObject(with: Data((row["envelope"] as String).utf8))) as? [String: Any] ?? [:]
                let attempts: Int = row["attempts"]
                return Conversation.Step(
                    time: Date(timeIntervalSince1970: row["created_at"]), kind: .unsent, context: context, type: row["routing_key"],
                    messageId: envelope["messageId"] as? String ?? "?", causationId: envelope["causationId"] as? String, sender: context,
                    queue: nil, detail: attempts == 0 ? "not relayed yet" : "not relayed after \(attempts) attempt\(attempts == 1 ? "" : "s")")
            }
            return handled + unsent
        }
    }
}
