import Foundation
import GRDB
import Logging
import Warren

/// What an embedded handler gets besides its message: the delivery's SQLite transaction, a
/// logger carrying the message's ids, and a way to publish what it causes (through the outbox,
/// in the same transaction). It lives only as long as the handler's call.
public final class EmbeddedHandling {
    /// The message being handled.
    public let envelope: Envelope
    /// The store, inside the delivery's transaction.
    public let db: Database
    public let logger: Logger
    private let routes: Routes
    private(set) var published: [OutboxMessage] = []
    private var answer: (type: String, body: Data)?

    init(envelope: Envelope, db: Database, logger: Logger, routes: Routes) {
        self.envelope = envelope
        self.db = db
        self.logger = logger
        self.routes = routes
    }

    /// Publishes an event of this context, or sends a command to another one: routed by the
    /// topology, validated against its declared fields, caused by the message being handled.
    public func publish<M: Message>(_ message: M) throws {
        published.append(try routes.outgoing(type: M.type, body: try JSONEncoder.warren.encode(message), causedBy: envelope))
    }

    /// Sets the outcome a command's sender waits for, stored with the effects.
    public func respond(_ outcome: Outcome) {
        setReply(type: Reply.outcomeType, body: Outcome.encoded(outcome))
    }

    func setReply(type: String, body: Data) {
        answer = (type, body)
    }

    /// The reply to store and send: what the handler gave, or for a command whose sender
    /// waits, `done` (as on PostgreSQL).
    var reply: (type: String, body: Data)? {
        if let answer { return answer }
        guard envelope.replyTo != nil else { return nil }
        return (Reply.outcomeType, Outcome.encoded(.done))
    }
}
