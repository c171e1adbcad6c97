import Warren

/// Rooms held for paid bookings: made when payment approves a booking, deleted when the booking
/// is cancelled (the original's rule), whichever of the two events arrives first.
public enum Reservation {
    struct ReservationCompleted: Message {
        static let type = "reservation.ReservationCompleted"
        var reservationId: Int
        var orderId: Int
        var status = Status.completed
    }

    struct ReservationCanceled: Message {
        static let type = "reservation.ReservationCanceled"
        var reservationId: Int
        var orderId: Int
        var status = Status.canceled
    }

    /// A row of the `reservations` view (table `reservations`).
    struct ReservationRecord: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var status: String
    }

    /// The original's statuses.
    enum Status {
        static let completed = "Reservation Complete"
        static let canceled = "Reservation Canceled"
    }
}
