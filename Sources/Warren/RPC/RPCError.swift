/// Why a call got no usable reply, in terms the caller can act on.
public enum RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No reply within the deadline. The outcome is unknown: the endpoint's compensation has
    /// been sent (or is recorded in the caller's outbox).
    case timedOut(target: String, after: Duration)
    /// Not sent: the target's circuit is open, the broker is unreachable, or nothing serves
    /// the request's route.
    case unavailable(target: String, reason: String)
    /// The server answered that it could not handle the request.
    case rejected(target: String, reason: String)
    case undecodableReply(target: String, reason: String)

    public var target: String {
        switch self {
        case .timedOut(let target, _), .unavailable(let target, _), .rejected(let target, _), .undecodableReply(let target, _): target
        }
    }

    public var description: String {
        switch self {
        case .timedOut(let target, let after): "\(target) did not answer within \(after); outcome unknown, compensation sent"
        case .unavailable(let target, let reason): "\(target) is unavailable: \(reason)"
        case .rejected(let target, let reason): "\(target) rejected the request: \(reason)"
        case .undecodableReply(let target, let reason): "the reply of \(target) does not decode: \(reason)"
        }
    }

    /// Whether the failure speaks about the target's health (counted by its circuit breaker).
    var countsAgainstTarget: Bool {
        switch self {
        case .timedOut, .unavailable: true
        case .rejected, .undecodableReply: false
        }
    }
}
