import Warren

/// Payments: pays reservations synchronously (RPC), refunds a cancelled reservation once, and
/// voids a payment whose caller gave up waiting.
public enum Payment {
    /// The RPC rental calls before it stores a reservation; `rentalId` is the rental's id,
    /// stable across redeliveries (claimed, `Calls.claimId`).
    struct Pay: RPCRequest {
        typealias Reply = PayReply
        static let type = "payment.Pay"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
    }

    struct PayReply: Message, Hashable {
        static let type = "payment.PayReply"
        var paid: Bool
        var paymentId: Int?
        var status: String
        var reason: String?

        static func paid(paymentId: Int) -> PayReply { PayReply(paid: true, paymentId: paymentId, status: Status.paid) }
        static func refused(_ reason: String) -> PayReply { PayReply(paid: false, status: Status.refused, reason: reason) }
    }

    /// The compensation of a `Pay` call that timed out, sent by the caller's runtime.
    struct VoidPayment: Message {
        static let type = "payment.VoidPayment"
        var rentalId: Int
    }

    struct Paid: Message {
        static let type = "payment.Paid"
        var paymentId: Int
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var status = Status.paid
    }

    struct PaymentCancelled: Message {
        static let type = "payment.PaymentCancelled"
        var paymentId: Int
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var status = Status.cancelled
    }

    /// A row of the `payments` view (table `payments`).
    struct PaymentRecord: Codable, Sendable, Hashable {
        var id: Int
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var status: String
    }

    enum Status {
        static let paid = "Paid"
        static let refused = "PaymentRefused"
        static let cancelled = "PaymentCancelled"
    }
}
