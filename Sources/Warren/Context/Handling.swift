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
    private let answer = Mutex<(type: String, body: Data)?>(nil)

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

    /// Sets the outcome the command's sender waits for (the ingress answers with it). The
    /// outcome is stored with the effects: a retried command gets the same answer.
    public func respond(_ outcome: Outcome) {
        setReply(type: Reply.outcomeType, body: Outcome.encoded(outcome))
    }

    var published: [OutboxMessage] { outgoing.withLock { $0 } }

    func setReply(type: String, body: Data) {
        answer.withLock { $0 = (type, body) }
    }

    /// The reply to store and send: what the handler gave, or for a command whose sender
    /// waits, `done`.
    var reply: (type: String, body: Data)? {
        if let given = answer.withLock({ $0 }) { return given }
        guard envelope.replyTo != nil else { return nil }
        return (Reply.outcomeType, Outcome.encoded(.done))
    }
}
