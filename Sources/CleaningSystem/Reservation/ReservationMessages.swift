import Warren

/// Cleaning reservations: a request is paid through payment's `ApprovePayment` RPC before it
/// is stored; a cleaning rejected for lack of capacity cancels its reservation.
public enum Reservation {
    /// `POST /cleaningReservations`.
    struct RequestCleaning: Message {
        static let type = "reservation.RequestCleaning"
        var requestDate: String
        var place: String
        var price: Price
        var payKind: String
    }

    /// `DELETE /cleaningReservations/{id}`.
    struct CancelCleaning: Message {
        static let type = "reservation.CancelCleaning"
        var id: Int
    }

    /// `PATCH /cleaningReservations/{id}`: `status=cancel` cancels; nothing else may change.
    struct ChangeReservation: Message {
        static let type = "reservation.ChangeReservation"
        var id: Int
        var status: String
    }

    /// A reservation is paid and stored: cleaning may assign a cleaner.
    struct CleaningRequested: Message {
        static let type = "reservation.CleaningRequested"
        var requestId: Int
        var requestDate: String
        var place: String
        var price: Price
        var payKind: String
        var status = Status.requested
    }

    /// A reservation is cancelled, by its customer or by the compensation of a rejected cleaning:
    /// payment refunds it, cleaning frees its slot.
    struct CleaningRequestCanceled: Message {
        static let type = "reservation.CleaningRequestCanceled"
        var requestId: Int
        var payKind: String
        var price: Price
        var status = Status.canceled
        var reason: String?
    }

    /// A row of the `cleaningReservations` view (table `cleaning_reservations`).
    struct CleaningReservation: Codable, Sendable, Hashable {
        var id: Int
        var requestDate: String
        var place: String
        var price: Price
        var payKind: String
        var status: String
    }

    /// A reservation's status. The original service let the client write any text there; ours
    /// follows the events, as the original's dashboard did.
    enum Status {
        static let requested = "CleaningRequested"
        static let canceled = "CleaningRequestCanceled"
    }
}
