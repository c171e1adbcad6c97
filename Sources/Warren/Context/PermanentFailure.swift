/// A failure no retry can change: the delivery goes to the context's dead-letter queue at once,
/// with `reason` and the text in its headers for the operator.
///
/// Handlers throw it for a domain refusal (`.rejected`); the runtime throws it for bodies it
/// cannot read. Any other error is transient and retried through the delay queues.
public struct PermanentFailure: Error, Sendable, CustomStringConvertible {
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public static let missingEnvelope = Reason(name: "missing-envelope")
        public static let unknownType = Reason(name: "unknown-type")
        public static let wrongContentType = Reason(name: "wrong-content-type")
        public static let schemaViolation = Reason(name: "schema-violation")
        public static let undecodableBody = Reason(name: "undecodable-body")
        /// The handler refused the message for a domain reason.
        public static let rejected = Reason(name: "rejected")
        public static let retriesExhausted = Reason(name: "retries-exhausted")
        /// The handler tried to publish what the topology does not let this context publish.
        public static let topologyViolation = Reason(name: "topology-violation")
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// A handler's domain refusal.
    public static func rejected(_ message: String) -> PermanentFailure { PermanentFailure(.rejected, message) }

    public var description: String { "\(reason): \(message)" }
}
