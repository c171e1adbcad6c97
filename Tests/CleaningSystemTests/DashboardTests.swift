import Foundation
import Testing
@testable import CleaningSystem
import WarrenTesting

/// The dashboard ends the same whatever order its events arrive in, and however often: each
/// order merged by `Dashboard.apply` in a real PostgreSQL.
@Suite struct DashboardTests {
    static let requested = Reservation.CleaningRequested(requestId: 7, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card")
    static let paid = Payment.PayConfirmed(requestId: 7, paymentId: 3, requestDate: "2026-05-01", place: "seoul", price: 2000, payKind: "card")
    static let confirmed = Cleaning.CleaningConfirmed(requestId: 7, requestDate: "2026-05-01", place: "seoul", cleanerId: 2)
    static let completed = Cleaning.CleaningCompleted(requestId: 7)
    static let rejected = Cleaning.CleaningRejected(requestId: 7, reason: "no cleaner free on 2026-05-01: all 3 are booked")
    static let canceled = Reservation.CleaningRequestCanceled(requestId: 7, payKind: "card", price: 2000, reason: "no cleaner")
    static let refunded = Payment.PayCancelConfirmed(requestId: 7, payKind: "card", price: 2000)

    static let topology = TopologyConformanceTests.topology

    /// The view row `events` leave, merged one by one by `Dashboard.apply` in PostgreSQL under
    /// request id `request` (each order of a test gets an id of its own).
    func view(_ events: [any DashboardFact], request: Int, _ harness: HandlerHarness) async throws -> DashboardView {
        for event in events {
            var entry = event.dashboardEntry
            entry.requestId = request
            try await Dashboard.apply(entry, on: harness.database)
        }
        let row = try await harness.database.query("""
            SELECT pay_kind, place, price::text, request_date, status FROM dash_board_views WHERE request_id = \(request)
            """)[0]
        return DashboardView(requestId: 7, payKind: try row.decode(String?.self, at: 0), place: try row.decode(String?.self, at: 1),
                             price: try row.decode(String?.self, at: 2).flatMap { Price($0) }, requestDate: try row.decode(String?.self, at: 3),
                             status: try row.decode(String.self, at: 4))
    }

    /// The view row of `events` in the given order, on a database of its own.
    func view(_ events: [any DashboardFact]) async throws -> DashboardView {
        try await HandlerHarness.with(Dashboard.context(), topology: Self.topology) { try await view(events, request: 7, $0) }
    }

    /// Every permutation of `events`, each also with every event delivered twice.
    func expectSameInEveryOrder(_ events: [any DashboardFact], _ expected: DashboardView,
                                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await HandlerHarness.with(Dashboard.context(), topology: Self.topology) { harness in
            var orders = 0
            for order in permutations(Array(events.indices)) {
                let shuffled = order.map { events[$0] }
                let result = try await view(shuffled, request: 2 * orders + 1, harness)
                let duplicated = try await view(shuffled + shuffled.reversed(), request: 2 * orders + 2, harness)
                if result != expected || duplicated != expected {
                    Issue.record("order \(order.map { type(of: events[$0]).type }) ends in \(result), not \(expected)",
                                 sourceLocation: sourceLocation)
                    return
                }
                orders += 1
            }
            #expect(orders == (1...events.count).reduce(1, *))
        }
    }

    @Test func aServedReservationEndsCompletedWithTheReservationsDetails() async throws {
        try await expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, Self.completed],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "CleaningCompleted"))
    }

    @Test func aLateCleaningRequestedNeverOverwritesCleaningConfirmed() async throws {
        #expect(try await view([Self.paid, Self.confirmed, Self.requested]).status == "CleaningConfirmed")
        #expect(try await view([Self.confirmed, Self.requested, Self.paid]).status == "CleaningConfirmed")
    }

    @Test func aCancelledReservationEndsRefundedWhateverTheOrder() async throws {
        try await expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, Self.canceled, Self.refunded],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "PaymentCancelCompleted"))
    }

    @Test func theNoCapacityCompensationEndsRefunded() async throws {
        try await expectSameInEveryOrder([Self.requested, Self.paid, Self.rejected, Self.canceled, Self.refunded],
                               DashboardView(requestId: 7, payKind: "card", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "PaymentCancelCompleted"))
        #expect(try await view([Self.requested, Self.paid, Self.rejected]).status == "CleaningRejected")
        #expect(try await view([Self.rejected, Self.confirmed]).status == "CleaningRejected", "a cancellation state is never revived")
    }

    @Test func theLatestCardNamesThePaymentKind() async throws {
        let registered = PayMethod.KindRegistered(payMethodId: 9, requestId: 7, kind: "credit", numberMasked: "****5003")
        let first = PayMethod.KindChanged(payMethodId: 9, requestId: 7, kind: "bank", numberMasked: "****5003", version: 1)
        let second = PayMethod.KindChanged(payMethodId: 9, requestId: 7, kind: "debit", numberMasked: "****1111", version: 2)
        try await expectSameInEveryOrder([Self.requested, Self.paid, Self.confirmed, registered, first, second],
                               DashboardView(requestId: 7, payKind: "debit", place: "seoul", price: 2000, requestDate: "2026-05-01",
                                             status: "CleaningConfirmed"))
        #expect(try await view([registered]) == DashboardView(requestId: 7, payKind: "credit", status: "PaymentKindRegistered"),
                "a card registered alone shows on the dashboard")
    }

    @Test func partialKnowledgeShowsWhatIsKnown() async throws {
        #expect(try await view([Self.completed]) == DashboardView(requestId: 7, status: "CleaningCompleted"))
        #expect(try await view([Self.confirmed, Self.completed]) == DashboardView(requestId: 7, place: "seoul", requestDate: "2026-05-01",
                                                                         status: "CleaningCompleted"))
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
