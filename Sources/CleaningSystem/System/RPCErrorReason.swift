import Warren

extension RPCError {
    /// The sentence a client reads in its 503 when a call to another context failed.
    var reasonForClient: String {
        switch self {
        case .timedOut(let target, let after):
            "\(target) did not answer within \(after); the request was voided, nothing is charged: try again later"
        case .unavailable(let target, let reason):
            "\(target) is unavailable (\(reason)): try again later"
        case .rejected(let target, let reason):
            "\(target) could not handle the request: \(reason)"
        case .undecodableReply(let target, let reason):
            "\(target) answered with an unreadable reply (\(reason)): try again later"
        }
    }
}
