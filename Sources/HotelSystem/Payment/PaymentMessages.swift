import Warren

/// Payments: pays bookings synchronously (RPC), refunds a cancelled booking once, and voids a
/// payment whose caller gave up waiting.
public enum Payment {
    /// The RPC order calls before it answers `POST /orders`; `orderId` is the booking's id,
    /// stable across redeliveries (claimed, `Calls.claimId`). The only message that carries the card's digits.
    struct Pay: RPCRequest {
        typealias Reply = PayReply
        static let type = "payment.Pay"
        var orderId: Int
        var name: String
        var cardNo: String
    }

    struct PayReply: Message, Hashable {
        static let type = "payment.PayReply"
        var approved: Bool
        var paymentId: Int?
        var status: String
        var reason: String?

        static func approved(paymentId: Int) -> PayReply { PayReply(approved: true, paymentId: paymentId, status: Status.approved) }
        static func declined(_ reason: String) -> PayReply { PayReply(approved: false, status: Status.declined, reason: reason) }
    }

    /// The compensation of a `Pay` call that timed out, sent by the caller's runtime.
    struct VoidPayment: Message {
        static let type = "payment.VoidPayment"
        var orderId: Int
    }

    struct PaymentApproved: Message {
        static let type = "payment.PaymentApproved"
        var paymentId: Int
        var orderId: Int
        /// Masked.
        var cardNo: String
        var status = Status.approved
    }

    struct PaymentCanceled: Message {
        static let type = "payment.PaymentCanceled"
        var paymentId: Int
        var orderId: Int
        var cancellationId: Int
        /// Masked.
        var cardNo: String
        var status = Status.canceled
    }

    /// A row of the `paymentHistories` view (table `payment_histories`).
    struct PaymentHistory: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var cardNo: String
        var status: String
    }

    /// The original's statuses.
    enum Status {
        static let approved = "Pay OK"
        static let declined = "Pay Declined"
        static let canceled = "Pay Canceled"
    }
}
