import Warren

/// The hotel operator's side: its own copy of the completed reservations, which the operator
/// confirms or cancels (`POST /confirmations`). A cancellation here is a rejection: order
/// cancels the booking, and the compensation follows from there.
public enum Hotel {
    /// `POST /confirmations orderId=1 status="Confirmed"` (or `"Canceled"`).
    struct ConfirmReservation: Message {
        static let type = "hotel.ConfirmReservation"
        var orderId: Int
        var status: String
    }

    struct ReservationConfirmed: Message {
        static let type = "hotel.ReservationConfirmed"
        var confirmationId: Int
        var orderId: Int
        var reservationId: Int
        var status = Status.confirmed
    }

    struct ReservationRejected: Message {
        static let type = "hotel.ReservationRejected"
        var confirmationId: Int
        var orderId: Int
        var reservationId: Int
        var status = Status.rejected
    }

    /// A row of the `confirmations` view (table `confirmations`).
    struct ConfirmationRecord: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var reservationId: Int
        var status: String
    }

    enum Status {
        static let completed = Reservation.Status.completed
        static let confirmed = "Confirmed"
        static let rejected = "Canceled"
        static let canceledByCustomer = Reservation.Status.canceled
    }
}
