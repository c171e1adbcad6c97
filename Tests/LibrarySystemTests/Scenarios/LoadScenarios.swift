import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

extension LibraryScenarios {
    /// The original's load test and its events replayed in any order.
    @Suite struct Load {
        /// `siege -c100 ... 'http://127.0.0.1:8080/rentals POST {"memberId":1, "bookId":1}'`, one round.
        @Test func aHundredConcurrentReservationsOfOneBookArePaidAndShownOnce() async throws {
            try await LibraryFleet.with { fleet in
                let ids = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<100 { group.addTask { try await fleet.reserve(member: 1, book: 1).createdId() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(ids).count == 100)
                #expect(try await fleet.count("payment.payments WHERE status = 'Paid'") == 100, "one payment per reservation")
                try await fleet.eventually("the member's page and list show every reservation") {
                    let first = try await fleet.count("mypage.reservation_lists WHERE req_state = 'reserve' AND pay_status = 'Paid'") == 100
                    let second = try await fleet.count("mypage.mypages WHERE member_id = 1 AND cardinality(reserved_book_ids) = 100") == 1
                    return first && second
                }
                try await fleet.eventually("book 1 shows the latest reservation") {
                    let latest = try await fleet.harness.query("SELECT id FROM rental.rentals", Int.self)
                    let shown = try await fleet.harness.query("SELECT rental_id FROM book.books WHERE id = 1 AND book_status = 'reserved'", Int.self)
                    return shown.count == 1 && latest.contains(shown[0])
                }
                for name in LibrarySystem.contextNames {
                    #expect(try await fleet.harness.messageCount("\(name).dead") == 0, "nothing dead-lettered in \(name)")
                }
            }
        }

        @Test func shuffledAndDuplicatedEventsEndInTheSameViews() async throws {
            var generator = SeededGenerator(seed: 22)
            try await LibraryFleet.with(running: ["book", "mypage", "kiosk"]) { fleet in
                // Every event three times, shuffled: twice with one message id (a redelivery),
                // once with another (the same fact published again).
                var deliveries: [(message: any Warren.Message, envelope: Envelope)] = []
                for message in ProjectionTests.history {
                    let type = Swift.type(of: message).type
                    let envelope = Envelope(type: type)
                    deliveries += [(message, envelope), (message, envelope), (message, Envelope(type: type))]
                }
                deliveries.shuffle(using: &generator)
                for delivery in deliveries { try await fleet.harness.publish(delivery.message, envelope: delivery.envelope) }

                try await fleet.eventually("the views end as if each event came once, in order") {
                    let books = try await fleet.rows("SELECT id, member_id, rental_id, book_status FROM book.books ORDER BY id")
                    let lists = try await fleet.rows("""
                        SELECT id, member_id, book_id, req_state, kiosk_no, pay_status, kiosk_status FROM mypage.reservation_lists ORDER BY id
                        """)
                    let pages = try await fleet.rows("""
                        SELECT member_id, reserved_book_ids, rented_book_ids, returned_book_ids, cancelled_book_ids
                        FROM mypage.mypages ORDER BY member_id
                        """)
                    let kiosks = try await fleet.rows("SELECT rental_id, kiosk_no, book_status FROM kiosk.kiosks")
                    return books == ["(5,2,103,reserved)", "(6,1,101,available)", "(7,1,102,rented)"]
                        && lists == ["(100,1,5,return,,Paid,)", "(101,1,6,cancel,,PaymentCancelled,)", "(102,1,7,kioskrental,2,,rented)",
                                     "(103,2,5,reserve,,,)"]
                        && pages == [#"(1,{},{7},{5},{6})"#, #"(2,{5},{},{},{})"#]
                        && kiosks == ["(102,2,rented)"]
                }
                for name in ["book", "mypage", "kiosk"] {
                    #expect(try await fleet.harness.messageCount("\(name).dead") == 0, "nothing dead-lettered in \(name)")
                }
            }
        }
    }
}
