import Foundation

/// One conversation across a system, the way an operator asks "why is my booking stuck?": every
/// message of one correlation id that a context handled, that waits in an outbox, in a queue
/// nobody consumes, or in a dead-letter queue, in time order.
///
/// Read from what the fleet already keeps: each context's inbox (handled messages, with their
/// sender, cause and the reply they got), each outbox (not yet relayed), and the broker's queues.
public struct Conversation: Sendable {
    public var correlationId: String
    public var system: String
    public var steps: [Step]
    /// Contexts whose records could not be read (an embedded store whose file is not here), so
    /// their part is missing and nothing is inferred about them.
    public var unread: [String] = []

    public struct Step: Sendable, Hashable {
        public enum Kind: String, Sendable {
            /// Handled by `context` (its inbox has it), with the outcome or reply it got.
            case handled
            /// Written by `context`, waiting in its outbox to be relayed.
            case unsent
            /// In `queue`, waiting for a consumer that is not there (or not keeping up).
            case waiting
            /// In `context`'s dead-letter queue: given up, with the reason.
            case deadLettered = "dead-lettered"
        }

        public var time: Date
        public var kind: Kind
        /// The context the step happened in (the handler, the outbox's or queue's owner).
        public var context: String
        /// The message's wire type, `<context>.<Name>`.
        public var type: String
        public var messageId: String
        public var causationId: String?
        /// Who sent it (`app_id`): a context, `ingress`, `warren-send`.
        public var sender: String?
        public var queue: String?
        /// The reply or outcome (handled), the reason (dead-lettered), consumers (waiting).
        public var detail: String?
    }

    /// The steps that did not end well: where the conversation stopped.
    public var stops: [Step] { steps.filter { $0.kind != .handled } }

    /// The contexts in the order they first appear, senders first.
    public var participants: [String] {
        var seen: [String] = []
        for step in steps {
            for name in [step.sender, step.context].compactMap({ $0 }) where !seen.contains(name) { seen.append(name) }
        }
        return seen
    }
}
