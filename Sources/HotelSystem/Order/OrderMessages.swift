import Warren

/// Room bookings: a booking is paid through payment's `Pay` RPC before `POST /orders` answers;
/// it is cancelled by its customer, by the hotel's rejection, or at once when its payment is
/// declined. Its card number is kept masked.
public enum Order {
    /// `POST /orders`: `http :8080/orders name="BJ.Kang" cardNo=111 status="order start"`.
    struct PlaceOrder: Message {
        static let type = "order.PlaceOrder"
        var name: String
        var cardNo: String
        /// The original client's free text; the booking's status is the system's own.
        var status: String?
    }

    /// `DELETE /orders/{id}`.
    struct CancelOrder: Message {
        static let type = "order.CancelOrder"
        var id: Int
    }

    /// `PATCH /orders/{id} status=cancel`.
    struct ChangeOrder: Message {
        static let type = "order.ChangeOrder"
        var id: Int
        var status: String
    }

    struct Ordered: Message {
        static let type = "order.Ordered"
        var orderId: Int
        var name: String
        /// Masked.
        var cardNo: String
        var status = Status.ordered
    }

    /// A booking cancelled; `paid` says whether payment took it (false for a declined payment),
    /// `reason` says who cancelled it.
    struct OrderCanceled: Message {
        static let type = "order.OrderCanceled"
        var orderId: Int
        var name: String
        /// Masked.
        var cardNo: String
        var status = Status.canceled
        var paid: Bool
        var reason: String
    }

    /// A row of the `orders` view (table `orders`).
    struct OrderRecord: Codable, Sendable, Hashable {
        var id: Int
        var name: String
        /// Masked.
        var cardNo: String
        var status: String
    }

    enum Status {
        static let ordered = "Ordered"
        static let canceled = "OrderCanceled"
    }

    /// Why a booking was cancelled, as `OrderCanceled.reason` says it.
    enum Cause {
        static let customer = "cancelled by the customer"
        static let hotel = "rejected by the hotel"
        static func declined(_ reason: String) -> String { "payment declined: \(reason)" }
    }
}
