extension Customer {
    /// The customer's ranks: the booking's progress, then the cancellations, the refund after the
    /// reservation's deletion, and the booking's own cancellation after both (the hotel's
    /// rejection last: it says who cancelled).
    enum Rank {
        static let ordered = 1, paid = 2, reserved = 3, confirmed = 4
        static let reservationCanceled = 5, refunded = 6, orderCanceled = 7, rejected = 8
    }

    /// The operator's ranks.
    enum HotelRank {
        static let reserved = 1, confirmed = 2, canceledByCustomer = 3, rejected = 4
    }

    static func fact(_ event: Order.Ordered) -> Fact {
        Fact(orderId: event.orderId, event: "Ordered", name: event.name, status: event.status, rank: Rank.ordered,
             message: "\(event.name), your booking \(event.orderId) is placed (card \(event.cardNo))")
    }

    static func fact(_ event: Order.OrderCanceled) -> Fact {
        Fact(orderId: event.orderId, event: "OrderCanceled", name: event.name, status: event.status, rank: Rank.orderCanceled,
             message: "\(event.name), your booking \(event.orderId) is cancelled: \(event.reason)")
    }

    static func fact(_ event: Payment.PaymentApproved) -> Fact {
        Fact(orderId: event.orderId, event: "PaymentApproved", status: event.status, rank: Rank.paid,
             message: "booking \(event.orderId) is paid with card \(event.cardNo)")
    }

    static func fact(_ event: Payment.PaymentCanceled) -> Fact {
        Fact(orderId: event.orderId, event: "PaymentCanceled", cancellationId: event.cancellationId, status: event.status,
             rank: Rank.refunded, message: "booking \(event.orderId) is refunded to card \(event.cardNo)")
    }

    static func fact(_ event: Reservation.ReservationCompleted) -> Fact {
        Fact(orderId: event.orderId, event: "ReservationCompleted", reservationId: event.reservationId, status: event.status,
             rank: Rank.reserved, hotelStatus: (event.status, HotelRank.reserved),
             message: "booking \(event.orderId): room reserved (reservation \(event.reservationId))")
    }

    static func fact(_ event: Reservation.ReservationCanceled) -> Fact {
        Fact(orderId: event.orderId, event: "ReservationCanceled", reservationId: event.reservationId, status: event.status,
             rank: Rank.reservationCanceled, hotelStatus: (event.status, HotelRank.canceledByCustomer),
             message: "booking \(event.orderId): reservation \(event.reservationId) deleted")
    }

    static func fact(_ event: Hotel.ReservationConfirmed) -> Fact {
        Fact(orderId: event.orderId, event: "ReservationConfirmed", reservationId: event.reservationId,
             confirmationId: event.confirmationId, status: event.status, rank: Rank.confirmed,
             hotelStatus: (event.status, HotelRank.confirmed), message: "booking \(event.orderId) is confirmed by the hotel")
    }

    static func fact(_ event: Hotel.ReservationRejected) -> Fact {
        Fact(orderId: event.orderId, event: "ReservationRejected", reservationId: event.reservationId,
             confirmationId: event.confirmationId, status: event.status, rank: Rank.rejected,
             hotelStatus: (event.status, HotelRank.rejected), message: "booking \(event.orderId) is cancelled by the hotel")
    }
}
