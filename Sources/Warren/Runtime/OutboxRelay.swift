import Logging
import Postgres
import Synchronization

/// Outbox rows whose messages the broker confirmed, waiting to be deleted in one statement.
///
/// Deleting per delivery would cost a second commit for every message; a row deleted late is
/// only at risk of being published again, which consumers' inboxes absorb.
package final class SentRows: Sendable {
    private let ids = Mutex<[Int64]>([])

    package init() {}

    func add(_ confirmed: [Int64]) {
        guard !confirmed.isEmpty else { return }
        ids.withLock { $0.append(contentsOf: confirmed) }
    }

    package func take() -> [Int64] {
        ids.withLock { ids in
            defer { ids.removeAll(keepingCapacity: true) }
            return ids
        }
    }
}

/// A flag one task sets and another polls between rounds of work.
package final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    package init() {}
    package var isStopped: Bool { flag.load(ordering: .relaxed) }
    package func stop() { flag.store(true, ordering: .relaxed) }
}

/// Deletes sent outbox rows, and publishes rows left unsent by a crash or a broker outage.
struct OutboxRelay: Sendable {
    let outbox: Outbox
    let sentRows: SentRows
    let publisher: Publisher
    let metrics: WorkerMetrics
    let logger: Logger
    /// How often unsent rows are looked for.
    var interval: Duration = .seconds(1)
    /// Rows younger than this are still being published by the delivery that wrote them.
    var graceAge: Duration = .seconds(5)
    /// Prunes the inbox now and then; nil keeps every record.
    var inboxPruning: InboxPruning? = nil

    /// Runs until `stop` is set, then deletes what was confirmed meanwhile and returns.
    func run(database: PostgresConnection, stop: StopFlag) async {
        var sinceRelay = interval
        while !stop.isStopped && !Task.isCancelled {
            await deleteSent(database)
            if sinceRelay >= interval {
                sinceRelay = .zero
                await relayOnce(database)
                await inboxPruning?.pruneIfDue(database, logger: logger)
            }
            try? await Task.sleep(for: .milliseconds(50))
            sinceRelay += .milliseconds(50)
        }
        await deleteSent(database)
    }

    private func deleteSent(_ database: PostgresConnection) async {
        let ids = sentRows.take()
        guard !ids.isEmpty else { return }
        do {
            try await outbox.delete(ids, on: database)
        } catch {
            logger.warning("could not delete sent outbox rows; the relay may publish them again", metadata: ["error": "\(error)"])
            if DeliveryPipeline.isInfrastructure(error) { try? await database.reset() }
        }
    }

    /// Publishes one batch of forgotten rows; returns how many were confirmed. With none due,
    /// one read without a transaction.
    @discardableResult
    func relayOnce(_ database: PostgresConnection) async -> Int {
        do {
            let backlog = try await outbox.backlog(dueOlderThan: graceAge, on: database)
            guard backlog.due > 0 else {
                metrics.outboxBacklog(backlog.rows)
                return 0
            }
            let confirmed = try await database.withTransaction { db -> Int in
                let rows = try await outbox.pending(olderThan: graceAge, limit: 500, on: db)
                guard !rows.isEmpty else { return 0 }
                let outcomes = try await publisher.publish(rows.map(\.outgoing))
                var sent: [Int64] = []
                var failed: [Int64] = []
                for (row, error) in zip(rows, outcomes) {
                    if let error {
                        failed.append(row.id)
                        logger.warning("relayed message not confirmed; will retry with backoff",
                                       metadata: ["outbox.id": "\(row.id)", "type": "\(row.routingKey)", "error": "\(error)"])
                    } else {
                        sent.append(row.id)
                    }
                }
                try await outbox.delete(sent, on: db)
                try await outbox.postpone(failed, on: db)
                if !sent.isEmpty { logger.info("relayed unsent outbox messages", metadata: ["count": "\(sent.count)"]) }
                return sent.count
            }
            // What was there less what this round sent; rows written meanwhile count next second.
            metrics.outboxBacklog(backlog.rows - confirmed)
            return confirmed
        } catch {
            logger.warning("outbox relay pass failed", metadata: ["error": "\(error)"])
            if DeliveryPipeline.isInfrastructure(error), error is PostgresError { try? await database.reset() }
            return 0
        }
    }
}
