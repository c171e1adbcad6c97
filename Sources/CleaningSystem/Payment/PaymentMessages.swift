import Warren

/// Payments: approves reservations synchronously (RPC), accepts payment kinds for paymethod,
/// refunds cancelled reservations and voids approvals whose caller gave up waiting.
public enum Payment {
    /// The RPC reservation calls before it stores a reservation; `requestId` is the
    /// reservation's id, stable across redeliveries (claimed, `Calls.claimId`).
    struct ApprovePayment: RPCRequest {
        typealias Reply = ApprovePaymentReply
        static let type = "payment.ApprovePayment"
        var requestId: Int
        var requestDate: String
        var place: String
        var price: Price
        var payKind: String
    }

    struct ApprovePaymentReply: Message {
        static let type = "payment.ApprovePaymentReply"
        var approved: Bool
        var paymentId: Int?
        var status: String
        var reason: String?

        static func approved(paymentId: Int) -> ApprovePaymentReply {
            ApprovePaymentReply(approved: true, paymentId: paymentId, status: Status.completed)
        }
        static func declined(_ reason: String) -> ApprovePaymentReply {
            ApprovePaymentReply(approved: false, status: Status.declined, reason: reason)
        }
    }

    /// The RPC paymethod calls before it stores a card; `payMethodId` is the card's id.
    struct RegisterPayKind: RPCRequest {
        typealias Reply = RegisterPayKindReply
        static let type = "payment.RegisterPayKind"
        var requestId: Int
        var payMethodId: Int
        var kind: String
        var numberLast4: String
    }

    struct RegisterPayKindReply: Message {
        static let type = "payment.RegisterPayKindReply"
        var registered: Bool
        var status: String
        var reason: String?
    }

    /// The compensation of an `ApprovePayment` call that timed out, sent by the caller's runtime.
    struct VoidPayment: Message {
        static let type = "payment.VoidPayment"
        var requestId: Int
    }

    struct PayConfirmed: Message {
        static let type = "payment.PayConfirmed"
        var requestId: Int
        var paymentId: Int
        var requestDate: String
        var place: String
        var price: Price
        var payKind: String
        var status = Status.completed
    }

    struct PayCancelConfirmed: Message {
        static let type = "payment.PayCancelConfirmed"
        var requestId: Int
        var payKind: String?
        var price: Price?
        var status = Status.cancelCompleted
    }

    struct PayKindChangeConfirmed: Message {
        static let type = "payment.PayKindChangeConfirmed"
        var requestId: Int
        var payMethodId: Int
        var payKind: String
        var status = "PayKindChangeConfirmed"
    }

    /// A row of the `payments` view (table `payments`).
    struct PaymentRecord: Codable, Sendable, Hashable {
        var id: Int
        var requestId: Int
        var price: Price
        var payKind: String
        var status: String
    }

    /// The original service's payment statuses, plus the answers to the RPCs.
    enum Status {
        static let completed = "PaymentCompleted"
        static let declined = "PaymentDeclined"
        static let cancelCompleted = "PaymentCancelCompleted"
        static let kindRegistered = "PaymentKindRegistered"
        static let kindRefused = "PaymentKindRefused"
    }
}
