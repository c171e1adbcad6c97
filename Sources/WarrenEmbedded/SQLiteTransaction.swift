import Foundation
import GRDB
import Logging
import Warren

/// Steps 1–3 of the reliability protocol in SQLite: in one write transaction, the inbox looked
/// up (a message handled before is a duplicate, answered with its stored reply), the handler
/// run, its inbox record with the reply and its outbox rows written; then COMMIT. A handler's
/// error rolls all of it back.
struct SQLiteTransaction: Sendable {
    let context: EmbeddedContext
    let pool: DatabasePool
    let routes: Routes

    func run(body: Data, envelope: Envelope, queue: String, logger: Logger) async throws -> HandlerTransaction.Result {
        guard let handler = context.handler(for: envelope.type) else {
            throw PermanentFailure(.unknownType, "\(context.name) has no embedded handler for \(envelope.type)")
        }
        let work = try handler.prepare(body)
        let routes = routes
        return try await pool.write { db -> HandlerTransaction.Result in
            if let row = try Row.fetchOne(db, sql: "SELECT reply_type, reply FROM warren_inbox WHERE message_id = ?",
                                          arguments: [envelope.messageId]) {
                let type: String? = row["reply_type"]
                let reply: String? = row["reply"]
                guard envelope.replyTo != nil, let type, let reply else { return .duplicate(storedReply: nil) }
                return .duplicate(storedReply: (type, reply))
            }
            let handling = EmbeddedHandling(envelope: envelope, db: db, logger: logger, routes: routes)
            try work(handling)
            let reply = handling.reply
            try db.execute(sql: """
                INSERT INTO warren_inbox (message_id, type, queue, received_at, reply_type, reply, correlation_id, causation_id, sender)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [envelope.messageId, envelope.type, queue, Date().timeIntervalSince1970, reply?.type,
                                 reply.map { String(decoding: $0.body, as: UTF8.self) }, envelope.correlationId,
                                 envelope.causationId, envelope.appId])
            var written: [OutboxMessage] = []
            for var message in handling.published {
                try db.execute(sql: """
                    INSERT INTO warren_outbox (exchange, routing_key, envelope, body, created_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [message.exchange, message.routingKey,
                                     String(decoding: try JSONEncoder.warren.encode(message.envelope), as: UTF8.self),
                                     String(decoding: message.body, as: UTF8.self), Date().timeIntervalSince1970])
                message.id = db.lastInsertedRowID
                written.append(message)
            }
            return .handled(written: written, reply: reply)
        }
    }
}
