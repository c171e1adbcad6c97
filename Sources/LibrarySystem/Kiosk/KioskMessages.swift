import Warren

/// Self-service kiosks: a kiosk accepts a self rental synchronously (RPC) before the rental
/// moves to `kioskrental`, and records the self rentals and self returns the rental announces.
public enum Kiosk {
    /// The RPC rental calls for `PATCH /rentals/{id} reqState=kioskrental kioskNo=N`.
    /// `requestId` names this attempt (claimed by the PATCH, `Calls.claimId`), so a void undoes it alone.
    struct SelfRental: RPCRequest {
        typealias Reply = SelfRentalReply
        static let type = "kiosk.SelfRental"
        var requestId: Int
        var rentalId: Int
        var kioskNo: Int
    }

    struct SelfRentalReply: Message, Hashable {
        static let type = "kiosk.SelfRentalReply"
        var rented: Bool
        var status: String
        var reason: String?

        static let accepted = SelfRentalReply(rented: true, status: Status.accepted)
        static func refused(_ reason: String) -> SelfRentalReply { SelfRentalReply(rented: false, status: Status.refused, reason: reason) }
    }

    /// Undoes a self rental the rental did not take: sent by rental's runtime after a timeout,
    /// or by rental itself when the move was not allowed.
    struct VoidSelfRental: Message {
        static let type = "kiosk.VoidSelfRental"
        var requestId: Int
    }

    struct SelfRentaled: Message {
        static let type = "kiosk.SelfRentaled"
        var kioskId: Int
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var kioskNo: Int
        var bookStatus = BookStatus.rented
    }

    struct SelfReturned: Message {
        static let type = "kiosk.SelfReturned"
        var kioskId: Int
        var rentalId: Int
        var memberId: Int
        var bookId: Int
        var kioskNo: Int
        var bookStatus = BookStatus.returned
    }

    /// A row of the `kiosks` view (table `kiosks`).
    struct KioskRecord: Codable, Sendable, Hashable {
        var id: Int
        var rentalId: Int
        var bookId: Int
        var memberId: Int
        var kioskNo: Int
        var bookStatus: String
    }

    enum Status {
        static let accepted = "SelfRentalAccepted"
        static let refused = "SelfRentalRefused"
    }

    enum BookStatus {
        static let rented = "rented"
        static let returned = "returned"
    }
}
