import Foundation
import Logging
import Postgres
import Synchronization

/// Deletes inbox records (and id claims) older than the retention, in small batches, at most once per
/// `every`. A message redelivered after its record was pruned would be handled again, so the
/// retention must exceed any redelivery or retry delay by far (the default is seven days).
final class InboxPruning: Sendable {
    let inbox: String
    let claims: String
    let retention: Duration
    let every: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(schema: ContextSchema, retention: Duration, every: Duration = .seconds(60)) {
        self.inbox = schema.inbox
        self.claims = schema.claims
        self.retention = retention
        self.every = every
    }

    func pruneIfDue(_ database: PostgresConnection, logger: Logger) async {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            if let previous = last, now - previous < every { return false }
            last = now
            return true
        }
        guard due else { return }
        do {
            let deleted = try await prune(database)
            if deleted > 0 { logger.info("inbox pruned", metadata: ["deleted": "\(deleted)", "retention_s": "\(retention.components.seconds)"]) }
        } catch {
            logger.warning("inbox pruning failed; will try again", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes up to 10,000 expired records per statement until none is left; returns how many.
    @discardableResult
    func prune(_ database: PostgresConnection) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await database.execute("""
                DELETE FROM \(inbox) WHERE message_id IN (
                    SELECT message_id FROM \(inbox) WHERE received_at < now() - make_interval(secs => $1) LIMIT 10000)
                """, [Double(retention.components.seconds)])
            total += deleted
            if deleted < 10000 { break }
        }
        // A message's id claims live as long as its inbox record: a redelivery finds both.
        try await database.execute("DELETE FROM \(claims) WHERE claimed_at < now() - make_interval(secs => $1)",
                                   [Double(retention.components.seconds)])
        return total
    }
}
