/// What the operator's `status` asks and what it means for a reservation in a given status: a
/// pure value, so the rules are tested without a database.
enum ConfirmationDecision: Equatable, Sendable {
    /// The reservation moves to the status and the move is announced.
    case move(to: String)
    /// The reservation already has the status: nothing changes (a retried POST).
    case alreadyThere
    /// Not allowed: 409 with this reason.
    case refused(String)

    /// The operator's verb, read from `status` (`Confirmed`, `Canceled` and their spellings).
    enum Verb: Sendable {
        case confirm, cancel

        init?(_ status: String) {
            switch status.trimmingCharacters(in: .whitespaces).lowercased() {
            case "confirmed", "confirm": self = .confirm
            case "canceled", "cancelled", "cancel", "rejected", "reject": self = .cancel
            default: return nil
            }
        }
    }

    static func unknown(_ status: String) -> String {
        "`status` must be `Confirmed` or `Canceled`, got `\(status)`"
    }

    /// The decision for order `orderId`'s reservation in `current` status (nil: the hotel has
    /// not seen it complete).
    static func decide(_ verb: Verb, current: String?, orderId: Int) -> ConfirmationDecision {
        let target = verb == .confirm ? Hotel.Status.confirmed : Hotel.Status.rejected
        switch current {
        case nil:
            return .refused("order \(orderId) has no completed reservation here (yet): only a paid and reserved booking can be confirmed or cancelled")
        case target?:
            return .alreadyThere
        case Hotel.Status.completed?:
            return .move(to: target)
        case Hotel.Status.confirmed?:
            return verb == .cancel ? .move(to: target) : .alreadyThere
        case Hotel.Status.rejected?:
            return .refused("order \(orderId)'s reservation was cancelled by the hotel: it cannot be confirmed")
        case Hotel.Status.canceledByCustomer?:
            return .refused("order \(orderId)'s reservation was cancelled by its customer")
        case let other?:
            return .refused("order \(orderId)'s reservation is `\(other)`")
        }
    }
}
