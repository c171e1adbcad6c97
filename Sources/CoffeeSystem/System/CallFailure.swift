import Warren

extension RPCError {
    /// The sentence a client reads in its 503 when product could not be asked. `CheckProduct`
    /// is a query, so a timeout leaves nothing to undo: the order is simply not placed.
    var reasonForClient: String {
        switch self {
        case .timedOut(let target, let after):
            "\(target) did not answer within \(after); no order is placed: try again later"
        case .unavailable(let target, let reason):
            "\(target) is unavailable (\(reason)); no order is placed: try again later"
        case .rejected(let target, let reason):
            "\(target) could not handle the request (\(reason)); no order is placed"
        case .undecodableReply(let target, let reason):
            "\(target) answered with an unreadable reply (\(reason)); no order is placed: try again later"
        }
    }
}
