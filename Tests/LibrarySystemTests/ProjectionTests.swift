import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

/// The book catalogue and the members' views against a real database, events handed in any order.
@Suite struct ProjectionTests {
    static let topology = TopologyConformanceTests.topology

    /// Member 1 rents book 5 and returns it, reserves book 6 and cancels (refunded), rents book 7
    /// at kiosk 2 (the kiosk records it); member 2 reserves book 5 afterwards, and a payment of
    /// theirs is voided after a timeout.
    static let history: [any Warren.Message] = [
        Rental.Reserved(rentalId: 100, memberId: 1, bookId: 5, version: 1),
        Payment.Paid(paymentId: 1, rentalId: 100, memberId: 1, bookId: 5),
        Rental.Rentaled(rentalId: 100, memberId: 1, bookId: 5, version: 3),
        Rental.Returned(rentalId: 100, memberId: 1, bookId: 5, version: 6),
        Rental.Reserved(rentalId: 101, memberId: 1, bookId: 6, version: 2),
        Payment.Paid(paymentId: 2, rentalId: 101, memberId: 1, bookId: 6),
        Rental.Cancelled(rentalId: 101, memberId: 1, bookId: 6, version: 4),
        Payment.PaymentCancelled(paymentId: 2, rentalId: 101, memberId: 1, bookId: 6),
        Rental.Reserved(rentalId: 102, memberId: 1, bookId: 7, version: 5),
        Rental.KioskRentaled(rentalId: 102, memberId: 1, bookId: 7, kioskNumber: 2, version: 7),
        Kiosk.SelfRentaled(kioskId: 1, rentalId: 102, memberId: 1, bookId: 7, kioskNo: 2),
        Rental.Reserved(rentalId: 103, memberId: 2, bookId: 5, version: 8),
        // A payment whose caller gave up waiting, voided: no rental, so no reservation listed.
        Payment.Paid(paymentId: 3, rentalId: 104, memberId: 2, bookId: 8),
        Payment.PaymentCancelled(paymentId: 3, rentalId: 104, memberId: 2, bookId: 8),
    ]

    static func views(after messages: [any Warren.Message]) async throws -> [String] {
        var rows: [String] = []
        try await HandlerHarness.with(Book.context(), topology: topology) { harness in
            for message in messages where message is any Rental.Event { _ = try await harness.handle(message) }
            rows += try await harness.query("SELECT (id, member_id, rental_id, book_status)::text FROM books ORDER BY id", String.self)
        }
        try await HandlerHarness.with(MyPage.context(), topology: topology) { harness in
            for message in messages { _ = try await harness.handle(message) }
            rows += try await harness.query("""
                SELECT (id, member_id, book_id, req_state, kiosk_no, pay_status, kiosk_status)::text FROM reservation_lists ORDER BY id
                """, String.self)
            rows += try await harness.query("""
                SELECT (member_id, reserved_book_ids, rented_book_ids, returned_book_ids, cancelled_book_ids)::text
                FROM mypages ORDER BY member_id
                """, String.self)
        }
        return rows
    }

    @Test func theViewsShowEachBookAndEachMembersRentals() async throws {
        #expect(try await Self.views(after: Self.history) == [
            "(5,2,103,reserved)", "(6,1,101,available)", "(7,1,102,rented)",
            "(100,1,5,return,,Paid,)", "(101,1,6,cancel,,PaymentCancelled,)", "(102,1,7,kioskrental,2,,rented)", "(103,2,5,reserve,,,)",
            #"(1,{},{7},{5},{6})"#, #"(2,{5},{},{},{})"#,
        ])
    }

    @Test func reversedAndDuplicatedEventsEndInTheSameViews() async throws {
        let expected = try await Self.views(after: Self.history)
        // Each event twice (the same fact published again, under another message id), newest first.
        let replayed = Self.history.reversed().flatMap { [$0, $0] }
        #expect(try await Self.views(after: replayed) == expected)
    }
}
