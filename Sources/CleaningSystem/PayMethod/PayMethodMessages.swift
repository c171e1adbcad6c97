import Warren

/// Payment kinds (cards). A registration is accepted by payment synchronously (RPC); the card
/// number is never stored, logged or returned whole.
public enum PayMethod {
    /// `POST /paymethods`. `payKindRegStatus` is what the original's clients send; the stored
    /// status is payment's answer, not the client's claim.
    struct RegisterPayMethod: Message, CustomStringConvertible, CustomReflectable {
        static let type = "paymethod.RegisterPayMethod"
        var kind: String
        var number: String
        var requestId: Int
        var payKindRegStatus: String?

        var description: String { "RegisterPayMethod(kind: \(kind), requestId: \(requestId), number: <redacted>)" }
        var customMirror: Mirror { Mirror(self, children: ["kind": kind, "requestId": requestId, "number": "<redacted>"]) }
    }

    /// `PATCH /paymethods/{id}`: a new kind, a new number, or both.
    struct ChangePayMethod: Message, CustomStringConvertible, CustomReflectable {
        static let type = "paymethod.ChangePayMethod"
        var id: Int
        var kind: String?
        var number: String?

        var description: String { "ChangePayMethod(id: \(id), kind: \(kind ?? "-"), number: \(number == nil ? "-" : "<redacted>"))" }
        var customMirror: Mirror { Mirror(self, children: ["id": id, "kind": kind as Any, "number": "<redacted>"]) }
    }

    struct KindRegistered: Message {
        static let type = "paymethod.KindRegistered"
        var payMethodId: Int
        var requestId: Int
        var kind: String
        var numberMasked: String
        var status = Status.registered
    }

    /// `version` counts a card's changes (1 for the first), so consumers keep the latest
    /// whatever order changes arrive in.
    struct KindChanged: Message {
        static let type = "paymethod.KindChanged"
        var payMethodId: Int
        var requestId: Int
        var kind: String
        var numberMasked: String
        var status = Status.changed
        var version: Int
    }

    /// A row of the `paymethods` view (table `paymethods`).
    struct PayMethodRecord: Codable, Sendable, Hashable {
        var id: Int
        var kind: String
        var numberMasked: String
        var requestId: Int
        var payKindRegStatus: String
    }

    enum Status {
        static let registered = "PaymentKindRegistered"
        static let changed = "PaymentKindChanged"
    }
}
