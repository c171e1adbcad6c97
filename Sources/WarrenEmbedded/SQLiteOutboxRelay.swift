import Foundation
import GRDB
import Logging
import RabbitMQ
import Warren

/// Deletes outbox rows once the broker confirmed them, and publishes rows left unsent by a crash
/// or a broker outage, with confirms; a row is deleted only after its confirm, a refused one is
/// tried again with backoff. Also prunes the inbox past its retention.
struct SQLiteOutboxRelay: Sendable {
    let pool: DatabasePool
    let sentRows: SentRows
    let publisher: Publisher
    let metrics: WorkerMetrics
    let logger: Logger
    /// How often unsent rows are looked for.
    var interval: Duration
    /// How long the inbox remembers a handled message.
    var inboxRetention: Duration
    /// Rows younger than this are still being published by the delivery that wrote them.
    var graceAge: Duration = .seconds(5)

    func run(stop: StopFlag) async {
        var sinceRelay = interval
        var sincePruning = Duration.seconds(60)
        while !stop.isStopped && !Task.isCancelled {
            await deleteSent()
            if sinceRelay >= interval {
                sinceRelay = .zero
                await relayOnce()
            }
            if sincePruning >= .seconds(60) {
                sincePruning = .zero
                await pruneInbox()
            }
            try? await Task.sleep(for: .milliseconds(50))
            sinceRelay += .milliseconds(50)
            sincePruning += .milliseconds(50)
        }
        await deleteSent()
    }

    private func deleteSent() async {
        let ids = sentRows.take()
        guard !ids.isEmpty else { return }
        do {
            try await pool.write { db in try Self.delete(ids, db) }
        } catch {
            logger.warning("could not delete sent outbox rows; the relay may publish them again", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes one batch of forgotten rows; returns how many were confirmed.
    @discardableResult
    func relayOnce() async -> Int {
        do {
            let now = Date().timeIntervalSince1970
            let cutoff = now - Double(graceAge.components.seconds)
            let messages = try await pool.read { db -> [OutboxMessage] in
                try Row.fetchAll(db, sql: """
                    SELECT id, exchange, routing_key, envelope, body FROM warren_outbox
                    WHERE created_at < ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT 500
                    """, arguments: [cutoff, now]).map { row in
                    let envelope: String = row["envelope"]
                    let body: String = row["body"]
                    return OutboxMessage(id: row["id"], exchange: row["exchange"], routingKey: row["routing_key"],
                                         envelope: try JSONDecoder.warren.decode(Envelope.self, from: Data(envelope.utf8)),
                                         body: Data(body.utf8))
                }
            }
            var sent: [Int64] = []
            var failed: [Int64] = []
            if !messages.isEmpty {
                let outcomes = try await publisher.publish(messages.map(\.outgoing))
                for (message, error) in zip(messages, outcomes) {
                    if let error {
                        failed.append(message.id)
                        logger.warning("relayed message not confirmed; will retry with backoff",
                                       metadata: ["outbox.id": "\(message.id)", "type": "\(message.routingKey)", "error": "\(error)"])
                    } else {
                        sent.append(message.id)
                    }
                }
            }
            let (sentIds, failedIds) = (sent, failed)
            let backlog = try await pool.write { db -> Int in
                try Self.delete(sentIds, db)
                for id in failedIds {
                    try db.execute(sql: """
                        UPDATE warren_outbox SET attempts = attempts + 1, next_attempt_at = ? + min(300, 1 << (attempts + 1)) WHERE id = ?
                        """, arguments: [now, id])
                }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM warren_outbox") ?? 0
            }
            metrics.outboxBacklog(backlog)
            if !sent.isEmpty { logger.info("relayed unsent outbox messages", metadata: ["count": "\(sent.count)"]) }
            return sent.count
        } catch {
            logger.warning("outbox relay pass failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    private func pruneInbox() async {
        let cutoff = Date().timeIntervalSince1970 - Double(inboxRetention.components.seconds)
        do {
            let deleted = try await pool.write { db -> Int in
                try db.execute(sql: "DELETE FROM warren_inbox WHERE received_at < ?", arguments: [cutoff])
                return db.changesCount
            }
            if deleted > 0 { logger.info("inbox pruned", metadata: ["deleted": "\(deleted)"]) }
        } catch {
            logger.warning("inbox pruning failed; will try again", metadata: ["error": "\(error)"])
        }
    }

    private static func delete(_ ids: [Int64], _ db: Database) throws {
        guard !ids.isEmpty else { return }
        try db.execute(sql: "DELETE FROM warren_outbox WHERE id IN (\(ids.map(String.init).joined(separator: ",")))")
    }
}
