import Warren

extension RPCError {
    /// The sentence a client reads in its 503 when another context could not be asked.
    /// `afterTimeout` says what became of a request that may or may not have been handled
    /// ("the payment is voided, nothing is charged").
    func reasonForClient(afterTimeout: String) -> String {
        switch self {
        case .timedOut(let target, let after):
            "\(target) did not answer within \(after); \(afterTimeout): try again later"
        case .unavailable(let target, let reason):
            "\(target) is unavailable (\(reason)): try again later"
        case .rejected(let target, let reason):
            "\(target) could not handle the request: \(reason)"
        case .undecodableReply(let target, let reason):
            "\(target) answered with an unreadable reply (\(reason)): try again later"
        }
    }
}
