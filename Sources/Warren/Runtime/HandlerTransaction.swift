import Foundation
import Logging
import Postgres
import Topology

/// Steps 1–3 of the reliability protocol for one message: the handler's step before the
/// transaction (its RPCs), then handler, inbox record with the reply, and outbox rows in one
/// transaction. The delivery pipeline and `WarrenTesting`'s handler harness both run it.
///
/// The inbox record is written last, with the outbox rows and the COMMIT in one round trip, so a
/// request costs two round trips: BEGIN with the handler's first statement, then the rest. A
/// duplicate is found there (the record's key exists) or earlier (the handler tripped over its
/// own first effects); either way the transaction rolls back and the first reply is returned.
package struct HandlerTransaction: Sendable {
    let inbox: Inbox
    let outbox: Outbox
    let routes: Routes

    /// What a handler does inside the transaction, once its step before it is done.
    package typealias Work = @Sendable (Handling) async throws -> Void
    /// A handler's step before the transaction (its calls), running ahead of the transaction.
    package typealias Ahead = Task<Work, any Error>

    /// Starts the step before the transaction of a handler that makes calls, unless the message
    /// was handled before (nil: `run` then finds the duplicate itself). The inbox is checked
    /// here, on the lane's connection, before anything goes out; the calls then run on their
    /// own while the lane commits earlier deliveries.
    package func startCalls(_ handler: Handler, body: Data, envelope: Envelope, database: PostgresConnection,
                            calls: Calls) async throws -> Ahead? {
        guard handler.needsCalls, case .absent = try await inbox.entry(envelope.messageId, on: database) else { return nil }
        // On the shared pool, not on the lane's database thread, which is busy with transactions.
        return Task(executorPreference: globalConcurrentExecutor) { try await handler.prepare(body, calls) }
    }

    package enum Result: Sendable {
        /// Handled before: nothing ran; the reply stored then, if it was a request.
        case duplicate(storedReply: (type: String, body: String)?)
        /// Committed: the outbox rows written and the reply to send.
        case handled(written: [OutboxMessage], reply: (type: String, body: Data)?)
    }

    /// Throws what the handler threw (a `PermanentFailure`, or anything else for a retry)
    /// after the transaction rolled back; compensations of timed-out calls are then in `calls`.
    ///
    /// `ahead` is the handler's step already started by `startCalls` (the inbox checked first).
    package func run(_ handler: Handler, body: Data, envelope: Envelope, queue: String, database: PostgresConnection,
                     calls: Calls, logger: Logger, ahead: Ahead? = nil) async throws -> Result {
        let work: Work
        if let ahead {
            work = try await ahead.value
        } else {
            // A handler with a step before its transaction must not call out again for a message
            // it already handled.
            if handler.needsCalls, case .handled(let type, let reply) = try await inbox.entry(envelope.messageId, on: database) {
                return .duplicate(storedReply: Self.pair(type, reply))
            }
            work = try await handler.prepare(body, calls)
        }
        let handling = Handling(envelope: envelope, database: database, logger: logger, routes: routes)
        do {
            return try await database.withTransaction { db -> Result in
                try await work(handling)
                let closing = try self.closing(handling, queue: queue, calls: calls)
                let rows = try await db.commit(after: closing.statements, prepared: true)
                return .handled(written: try outbox.written(closing.messages, rows: rows.dropFirst()), reply: handling.reply)
            }
        } catch where !DeliveryPipeline.isInfrastructure(error) {
            // Rolled back. If the message was handled before, that is why: not a failure.
            guard case .handled(let type, let reply) = try await inbox.entry(envelope.messageId, on: database) else { throw error }
            return .duplicate(storedReply: envelope.replyTo == nil ? nil : Self.pair(type, reply))
        }
    }

    /// The statements that end a handling's part of its transaction, sent with the COMMIT: its
    /// inbox record with the reply, first (a duplicate's key stops what follows), then one
    /// INSERT per outbox message, each answering one row.
    func closing(_ handling: Handling, queue: String, calls: Calls) throws -> (statements: [PostgresQuery], messages: [OutboxMessage]) {
        let messages = handling.published + calls.compensations.map(\.outboxMessage)
        return ([inbox.record(handling.envelope, queue: queue, reply: handling.reply)] + (try outbox.inserts(messages)), messages)
    }

    private static func pair(_ type: String?, _ body: String?) -> (type: String, body: String)? {
        guard let type, let body else { return nil }
        return (type, body)
    }
}

extension HandlerTransaction {
    /// The transaction of one context, from its topology: for `WarrenTesting`.
    package init(context: String, topology: Topology.Context, fleet: Fleet) {
        let schema = ContextSchema(context: context)
        self.init(inbox: Inbox(schema: schema), outbox: Outbox(schema: schema), routes: Routes(context: topology, fleet: fleet))
    }

    /// Creates or migrates the context's schema, as a worker does at start.
    package static func migrate(_ context: BoundedContext, on database: PostgresConnection) async throws {
        try await ContextSchema(context: context.name).migrate(database, context: context.migrations, system: context.system)
    }

    /// `search_path` for a connection that runs the context's handlers.
    package static func searchPath(of context: String) -> String {
        "-c search_path=\(ContextSchema(context: context).name),public"
    }
}
