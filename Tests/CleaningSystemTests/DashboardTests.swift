import Foundation
import Testing
@testable import CleaningSystem

/// The dashboard ends the same whatever order its events arrive in, and however often.
@Suite struct DashboardTests {
    static let requested = Reservation.CleaningRequested(requestId: 7, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card")
    static let paid = Payment.PayConfirmed(requestId: 7, paymentId: 3, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card")
    static let confirmed = Cleaning.CleaningConfirmed(requestId: 7, requestDate: "2026-05-01", place: "seoul", cleanerId: 2)
    static let completed = Cleaning.CleaningCompleted(requestId: 7)
    static let rejected = Cleaning.CleaningRejected(requestId: 7, reason: "no cleaner free on 2026-05-01: all 3 are booked")
    static let canceled = Reservation.CleaningRequestCanceled(requestId: 7, payKind: "card", price: 2000, reason: "no cleaner")
    static let refunded = Payment.PayCancelConfirmed(requestId: 7, payKind: "card", price: 2000)

    func view(_ events: [any DashboardFact]) -> DashboardView {
        events.map(\.dashboardEntry).reduce(DashboardEntry(requestId: 7)) { $0.merged(with: $1) }.view
    }

    /// Every permutation of `events`, each also with every event delivered twice.
    func expectSameInEveryOrder(_ events: [any DashboardFact], _ expected: DashboardView,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        var orders = 0
        for order in permutations(Array(events.indices)) {
            let shuffled = order.map { events[$0] }
            let result = view(shuffled), duplicated = view(shuffled + shuffled.reversed())
            if result != expected || duplicated != expected {
                Issue.record("order \(order.map { type(of: events[$0]).type }) ends in \(result), not \(expected)",
                             sourceLocation: sourceLocation)
                return
            }
            orders += 1
        }
        #expect(orders == (1...events.count).reduce(1, *))
    }

    @Test func aServedReservationEndsCompletedWithTheReservationsDetails() {
        expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, Self.completed],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "CleaningCompleted"))
    }

    @Test func aLateCleaningRequestedNeverOverwritesCleaningConfirmed() {
        #expect(view([Self.paid, Self.confirmed, Self.requested]).status == "CleaningConfirmed")
        #expect(view([Self.confirmed, Self.requested, Self.paid]).status == "CleaningConfirmed")
    }

    @Test func aCancelledReservationEndsRefundedWhateverTheOrder() {
        expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, Self.canceled, Self.refunded],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "PaymentCancelCompleted"))
    }

    @Test func theNoCapacityCompensationEndsRefunded() {
        expectSameInEveryOrder([Self.requested, Self.paid, Self.rejected, Self.canceled, Self.refunded],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "PaymentCancelCompleted"))
        #expect(view([Self.requested, Self.paid, Self.rejected]).status == "CleaningRejected")
        #expect(view([Self.rejected, Self.confirmed]).status == "CleaningRejected", "a cancellation state is never revived")
    }

    @Test func theLatestCardNamesThePaymentKind() {
        let registered = PayMethod.KindRegistered(payMethodId: 9, requestId: 7, kind: "credit", numberMasked: "****5003")
        let first = PayMethod.KindChanged(payMethodId: 9, requestId: 7, kind: "bank", numberMasked: "****5003", version: 1)
        let second = PayMethod.KindChanged(payMethodId: 9, requestId: 7, kind: "debit", numberMasked: "****1111", version: 2)
        expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, registered, first, second],
                               DashboardView(requestId: 7, payKind: "debit", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "CleaningConfirmed"))
        #expect(view([registered]) == DashboardView(requestId: 7, payKind: "credit", status: "PaymentKindRegistered"),
                "a card registered alone shows on the dashboard")
    }

    @Test func partialKnowledgeShowsWhatIsKnown() {
        #expect(view([Self.completed]) == DashboardView(requestId: 7, status: "CleaningCompleted"))
        #expect(view([Self.confirmed, Self.completed]) == DashboardView(requestId: 7, place: "seoul", requestDate: "2026-05-01",
                                                                         status: "CleaningCompleted"))
    }

    @Test func theStoredEntryRoundTripsThroughJSON() throws {
        let events: [any DashboardFact] = [Self.requested, Self.paid, Self.confirmed]
        let entry = events.map(\.dashboardEntry).reduce(DashboardEntry(requestId: 7)) { $0.merged(with: $1) }
        let decoded = try JSONDecoder().decode(DashboardEntry.self, from: JSONEncoder.sorted.encode(entry))
        #expect(decoded == entry)
    }

    private func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index -> [[Int]] in
            var rest = items
            let first = rest.remove(at: index)
            return permutations(rest).map { [first] + $0 }
        }
    }
}
