import Warren

/// Book rentals: a reservation is paid through payment's `Pay` RPC before it is stored; a rental
/// then moves through `RentalState`, a kiosk rental only once the kiosk took it (`SelfRental`).
public enum Rental {
    /// `POST /rentals`.
    struct Reserve: Message {
        static let type = "rental.Reserve"
        var memberId: Int
        var bookId: Int
    }

    /// `PATCH /rentals/{id}`: `reqState` names the state to move to.
    struct ChangeRental: Message {
        static let type = "rental.ChangeRental"
        var id: Int
        var reqState: String
        var kioskNo: Int?
    }

    /// What every rental event says: the rental, its member and book, its new state, and the
    /// event's `version` (one sequence for all rental events), which the views keep the highest of.
    protocol Event: Message {
        var rentalId: Int { get }
        var memberId: Int { get }
        var bookId: Int { get }
        var reqState: String { get }
        var version: Int { get }
        var kioskNo: Int? { get }
    }

    struct Reserved: Event {
        static let type = "rental.Reserved"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.reserve.rawValue
        var version: Int
        var kioskNo: Int? { nil }
    }

    struct Rentaled: Event {
        static let type = "rental.Rentaled"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.rental.rawValue
        var version: Int
        var kioskNo: Int? { nil }
    }

    struct Returned: Event {
        static let type = "rental.Returned"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.return.rawValue
        var version: Int
        var kioskNo: Int? { nil }
    }

    /// A reservation cancelled: payment refunds it, the book is available again.
    struct Cancelled: Event {
        static let type = "rental.Cancelled"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.cancel.rawValue
        var version: Int
        var kioskNo: Int? { nil }
    }

    struct KioskRentaled: Event {
        static let type = "rental.KioskRentaled"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.kioskrental.rawValue
        var kioskNumber: Int
        var version: Int
        var kioskNo: Int? { kioskNumber }

        enum CodingKeys: String, CodingKey {
            case rentalId, memberId, bookId, reqState, version
            case kioskNumber = "kioskNo"
        }
    }

    struct KioskReturned: Event {
        static let type = "rental.KioskReturned"
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var reqState = RentalState.kioskreturn.rawValue
        var kioskNumber: Int
        var version: Int
        var kioskNo: Int? { kioskNumber }

        enum CodingKeys: String, CodingKey {
            case rentalId, memberId, bookId, reqState, version
            case kioskNumber = "kioskNo"
        }
    }

    /// A row of the `rentals` view (table `rentals`).
    struct RentalRecord: Codable, Sendable, Hashable {
        var id: Int
        var memberId: Int
        var bookId: Int
        var reqState: String
        var kioskNo: Int?
    }
}
