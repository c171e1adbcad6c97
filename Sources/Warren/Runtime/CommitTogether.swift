import Foundation
import Logging
import Postgres
import RabbitMQ
import Topology

// Group commit: a lane's queued deliveries in one transaction.

extension HandlerTransaction {
    /// One delivery of a group: its handler's work, prepared.
    package struct Member: Sendable {
        let work: Work
        let envelope: Envelope
        let queue: String
        let calls: Calls
        let logger: Logger
    }

    static let groupLockTimeout = "50ms"

    /// Runs every member's handler in turn in one transaction; every inbox record, reply and
    /// outbox row goes with its one COMMIT. Any failure (a handler's error, a duplicate's inbox
    /// key) rolls all of them back and is thrown: the caller then handles them one by one,
    /// which sorts out which one failed and why.
    package func runTogether(_ members: [Member], database: PostgresConnection) async throws
        -> [(written: [OutboxMessage], reply: (type: String, body: Data)?)] {
        // Two lanes' groups may take the same rows in opposite orders. Rather than wait for the
        // server's deadlock check (a second), a group gives up soon and is handled one by one,
        // where a single delivery's transaction waits as long as it must.
        try await database.withTransaction(prelude: ["SET LOCAL lock_timeout = '\(Self.groupLockTimeout)'"]) { db in
            var statements: [PostgresQuery] = []
            var plans: [(messages: [OutboxMessage], reply: (type: String, body: Data)?)] = []
            for member in members {
                let handling = Handling(envelope: member.envelope, database: db, logger: member.logger, routes: routes)
                try await member.work(handling)
                let closing = try closing(handling, queue: member.queue, calls: member.calls)
                statements += closing.statements
                plans.append((closing.messages, handling.reply))
            }
            let rows = try await db.commit(after: statements, prepared: true)
            // Each member's rows: its inbox record's, then one per outbox message.
            var offset = 0
            return try plans.map { plan in
                let mine = rows[(offset + 1)..<(offset + 1 + plan.messages.count)]
                offset += 1 + plan.messages.count
                return (try outbox.written(plan.messages, rows: mine), plan.reply)
            }
        }
    }
}

extension DeliveryPipeline {
    /// Handles the deliveries in one transaction and returns true, or returns false having
    /// done nothing (the caller handles them one by one): when one of them would not reach its
    /// handler, makes calls first, or fails. Throws when a connection is lost.
    func processTogether(_ deliveries: [(delivery: Delivery, queue: Topology.Queue)], database: PostgresConnection) async throws -> Bool {
        var members: [HandlerTransaction.Member] = []
        for (delivery, queue) in deliveries {
            guard let (envelope, handler) = admitted(delivery, from: queue), !handler.needsCalls else { return false }
            let calls = Calls(client: rpcClient, claims: idClaims, cause: envelope)
            guard let work = try? await handler.prepare(delivery.body, calls) else { return false }
            var logger = logger
            logger[metadataKey: "queue"] = "\(queue.name)"
            Self.tag(&logger, with: envelope)
            members.append(HandlerTransaction.Member(work: work, envelope: envelope, queue: queue.name, calls: calls, logger: logger))
        }
        let startedAt = ContinuousClock.now
        let results: [(written: [OutboxMessage], reply: (type: String, body: Data)?)]
        do {
            results = try await HandlerTransaction(inbox: inbox, outbox: outbox, routes: routes).runTogether(members, database: database)
        } catch where !Self.isInfrastructure(error) {
            logger.debug("deliveries not committed together; handling them one by one", metadata: ["error": "\(error)"])
            return false
        }
        FailPoint.committed()
        let duration = (ContinuousClock.now - startedAt) / members.count
        for (member, result) in zip(members, results) {
            metrics.delivered(type: member.envelope.type)
            metrics.handled(type: member.envelope.type, duration: duration)
            if let reply = result.reply, let answer = Reply.answering(member.envelope, type: reply.type, body: reply.body, from: context.name) {
                try await publisher.reply(answer)
            }
        }
        try await publishAfterCommit(results.flatMap(\.written), reply: nil, logger: logger)
        // One ack frame for the group where the channel allows (see `Delivery.ack(_:)`).
        try await Delivery.ack(deliveries.map(\.delivery))
        for member in members {
            metrics.outcome(.handled)
            member.logger.debug("handled", metadata: ["together": "\(members.count)"])
        }
        return true
    }
}
