import Warren

/// The CQRS views, built only from events: `mypages` for the customer, `hotelViews` for the
/// operator, and the notification history. Any order and any number of copies of the same
/// events end in the same rows: a column is filled by the event that knows it, and the status
/// is the one of the highest-ranked event seen (a cancellation outranks everything before it).
public enum Customer {
    /// A row of the `mypages` view (table `mypages`); `id` is the order id.
    struct MyPage: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var name: String?
        var reservationId: Int?
        var cancellationId: Int?
        var status: String
    }

    /// A row of the `hotelViews` view (table `hotel_views`); `id` is the order id.
    struct HotelView: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var name: String?
        var reservationId: Int?
        var confirmationId: Int?
        var status: String
    }

    /// A row of the `notifications` view (table `notifications`).
    struct Notification: Codable, Sendable, Hashable {
        var id: Int
        var orderId: Int
        var event: String
        var message: String
    }

    /// What one event says about one booking.
    struct Fact: Sendable, Equatable {
        var orderId: Int
        var event: String
        var name: String?
        var reservationId: Int?
        var cancellationId: Int?
        var confirmationId: Int?
        /// The customer's status and its rank.
        var status: String
        var rank: Int
        /// The operator's status and its rank, for reservation's and the hotel's events.
        var hotelStatus: (status: String, rank: Int)?
        var message: String

        static func == (lhs: Fact, rhs: Fact) -> Bool {
            lhs.orderId == rhs.orderId && lhs.event == rhs.event && lhs.status == rhs.status && lhs.rank == rhs.rank
                && lhs.hotelStatus?.status == rhs.hotelStatus?.status && lhs.message == rhs.message
        }
    }
}
