import Foundation

extension Payment {
    /// Whether a reservation may be charged: a positive price within the limit, for a request
    /// never voided, cancelled or charged before.
    struct ApprovalPolicy: Sendable {
        var limit: Decimal

        enum Decision: Equatable {
            case approve
            case decline(String)
        }

        func decide(price: Price, requestId: Int, cancelled: Bool, alreadyCharged: Bool) -> Decision {
            if cancelled { return .decline("request \(requestId) was voided or cancelled before its approval") }
            if alreadyCharged { return .decline("request \(requestId) is already paid") }
            if price.amount <= 0 { return .decline("payment declined: price \(price) is not positive") }
            if price.amount > limit { return .decline("payment declined: price \(price) is over the limit of \(limit)") }
            return .approve
        }
    }
}
