/// What one event tells the dashboard of its request: each value with the rank of the event,
/// which `Dashboard.apply` merges into the request's view row in whatever order and however
/// often the events arrive.
///
/// Every field keeps the value of the highest-ranked event that carried it (ties: the greater
/// value), so merging is commutative, associative and idempotent: any order of any number of
/// copies of the same events ends in the same row. The ranks encode the rules:
/// - status: the saga's progress (`CleaningRequested` < `PaymentCompleted` < `CleaningConfirmed`
///   < `CleaningCompleted`), and a cancellation outranks all progress (`CleaningRejected` <
///   `CleaningRequestCanceled` < `PaymentCancelCompleted`, the refund being the last word), so a
///   late `CleaningRequested` never overwrites `CleaningConfirmed` and a late
///   `CleaningConfirmed` never revives a cancelled request. A card's events (`KindRegistered`,
///   `KindChanged`) rank below everything: they only name the status of a request nobody booked.
/// - payKind: the card's events outrank the reservation's (as in the original service, a card
///   registered for a request renames its payment kind), and a later card version outranks an
///   earlier one.
/// - requestDate, place, price: the reservation's own event outranks payment's copy, which
///   outranks cleaning's.
struct DashboardEntry: Codable, Sendable, Hashable {
    var requestId: Int
    var status: Ranked<String>?
    var payKind: Ranked<String>?
    var place: Ranked<String>?
    var price: Ranked<Price>?
    var requestDate: Ranked<String>?

    init(requestId: Int, status: Ranked<String>? = nil, payKind: Ranked<String>? = nil, place: Ranked<String>? = nil,
         price: Ranked<Price>? = nil, requestDate: Ranked<String>? = nil) {
        self.requestId = requestId
        self.status = status
        self.payKind = payKind
        self.place = place
        self.price = price
        self.requestDate = requestDate
    }

    enum StatusRank {
        static let ranks: [String: Int] = [
            "PaymentKindRegistered": 1, "PaymentKindChanged": 2,
            "CleaningRequested": 10, "PaymentCompleted": 20, "CleaningConfirmed": 30, "CleaningCompleted": 40,
            "CleaningRejected": 50, "CleaningRequestCanceled": 60, "PaymentCancelCompleted": 70,
        ]
        static func of(_ status: String) -> Int { ranks[status] ?? 0 }
    }

    /// Ranks of the fields copied from the reservation.
    enum DetailRank {
        static let reservation = 3, payment = 2, cleaning = 1
    }

    /// Ranks of payKind: the reservation's, then the card's, version by version.
    enum PayKindRank {
        static let reservation = 1
        static func card(version: Int) -> Int { 2 + version }
    }
}

/// A value with the rank of the event it came from.
struct Ranked<Value: Codable & Sendable & Hashable & Comparable>: Codable, Sendable, Hashable {
    var value: Value
    var rank: Int

    init(_ value: Value, rank: Int) {
        self.value = value
        self.rank = rank
    }
}

/// A row of the `dashBoardViews` view (table `dash_board_views`).
struct DashboardView: Codable, Sendable, Hashable {
    var requestId: Int
    var payKind: String?
    var place: String?
    var price: Price?
    var requestDate: String?
    var status: String
}
