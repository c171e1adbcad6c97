import Foundation
import Logging
import Postgres
import Synchronization

/// What a handler gets besides its message: the delivery's transaction, a logger that carries
/// the message's ids, and a way to publish what it causes.
///
/// Published messages are written to the outbox in the same transaction and sent after the
/// commit, so a handler's effects and its messages happen together or not at all.
public final class Handling: Sendable {
    /// The message being handled.
    public let envelope: Envelope
    /// The context's database connection, inside the delivery's transaction.
    public let database: PostgresConnection
    public let logger: Logger
    let routes: Routes
    private let outgoing = Mutex<[OutboxMessage]>([])

    init(envelope: Envelope, database: PostgresConnection, logger: Logger, routes: Routes) {
        self.envelope = envelope
        self.database = database
        self.logger = logger
        self.routes = routes
    }

    /// Publishes an event of this context, or sends a command to another one: routed by the
    /// topology, validated against its declared fields, caused by the message being handled.
    public func publish<M: Message>(_ message: M) throws {
        let body = try JSONEncoder.warren.encode(message)
        let record = try routes.outgoing(type: M.type, body: body, causedBy: envelope)
        outgoing.withLock { $0.append(record) }
    }

    var published: [OutboxMessage] { outgoing.withLock { $0 } }
}

extension JSONEncoder {
    /// Sorted keys and ISO 8601 dates: stable bodies that any language reads.
    static var warren: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
