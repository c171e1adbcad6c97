import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

extension LibraryScenarios {
    /// Workers stopped or slowed: requests get a clear answer in time and nothing is half done.
    @Suite struct Outages {
        @Test func withPaymentStoppedReservationsAreUnavailableThenCreatedAfterItsRestart() async throws {
            let settings = Settings().with { $0.paymentDeadline = .seconds(1) }
            try await LibraryFleet.with(settings: settings) { fleet in
                try await fleet.stop("payment")

                // http POST :8080/rentals memberId=1 bookId=1  -> 503 within the RPC deadline
                let refused = try await fleet.reserve()
                #expect(refused.refusalKind == .unavailable, "\(refused)")
                #expect(refused.refusal?.reason.contains("nothing is charged") == true, "\(refused)")
                #expect(try await fleet.count("rental.rentals") == 0, "nothing half-stored")

                try await fleet.start("payment", settings: settings)
                try await fleet.eventually("payment records the void of the unanswered payment") {
                    try await fleet.count("payment.cancellations WHERE cause = 'void'") == 1
                }
                #expect(try await fleet.count("payment.payments") == 0, "a payment nobody waited for is never made")

                // Payment is back: 201 again.
                let id = try await fleet.reserve().createdId()
                #expect(try await fleet.payments(of: id) == ["Paid"])
            }
        }

        @Test func aSlowPaymentOpensTheCircuitNothingIsHalfStoredAndLatePaymentsAreRefunded() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .milliseconds(500)
            try await LibraryFleet.with(running: ["kiosk", "book", "mypage"]) { fleet in
                try await fleet.start("payment", settings: Settings().with { $0.paymentLatency = 500...500 })
                try await fleet.start("rental", settings: Settings().with { $0.paymentDeadline = .milliseconds(200) }, breaker: breaker)

                // http POST :8080/rentals memberId=1 bookId=1, from 20 clients at once: 503, some at once.
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for book in 1...20 { group.addTask { try await fleet.reserve(member: 7, book: book) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.allSatisfy { $0.refusalKind == .unavailable }, "\(outcomes.filter { $0.refusalKind != .unavailable })")
                #expect(outcomes.contains { $0.refusal?.reason.contains("circuit open") == true }, "the circuit opened")
                #expect(try await fleet.count("rental.rentals") == 0, "nothing half-stored")

                // Payment fast again: the circuit closes; every payment that came too late is refunded.
                try await fleet.stop("payment")
                try await fleet.start("payment")
                try await fleet.eventually("reservations are created again") { try await fleet.reserve(member: 7, book: 1).result == .created }
                try await fleet.eventually("only stored rentals stay paid") {
                    let paid = try await fleet.count("payment.payments WHERE status = 'Paid'")
                    return try await paid == fleet.count("rental.rentals")
                }
                // The member's list follows rental's events: once it has caught up, it holds the
                // stored rentals and nothing for a refunded payment without a rental.
                try await fleet.eventually("a refunded payment without a rental is no reservation") {
                    try await fleet.count("mypage.reservation_lists WHERE member_id = 7") == fleet.count("rental.rentals")
                }
            }
        }

        @Test func withTheBookCatalogueStoppedEverythingIsAcceptedAndItCatchesUp() async throws {
            try await LibraryFleet.with(running: ["payment", "kiosk", "rental", "mypage"]) { fleet in
                let returned = try await fleet.reserve(member: 5, book: 31).createdId()
                let cancelled = try await fleet.reserve(member: 5, book: 32).createdId()
                let kiosk = try await fleet.reserve(member: 5, book: 33).createdId()
                let reserved = try await fleet.reserve(member: 5, book: 34).createdId()
                for (id, moves) in [(returned, ["rental", "return"]), (cancelled, ["cancel"]), (kiosk, ["kioskrental", "kioskreturn"])] {
                    for move in moves {
                        #expect(try await fleet.patch(id, move, kioskNo: move == "kioskrental" ? 3 : nil).result == .done, "\(move) of \(id)")
                    }
                }
                // A move answers once its transaction commits; its event leaves through the outbox just after.
                try await fleet.eventually("the catalogue's nine events wait in its queue") {
                    try await fleet.harness.messageCount("book.rental-events") == 9
                }

                try await fleet.start("book")
                try await fleet.eventually("the catalogue catches up with every rental") {
                    try await fleet.rows("SELECT id, book_status, rental_id FROM book.books ORDER BY id") == [
                        "(31,returned,\(returned))", "(32,available,\(cancelled))", "(33,returned,\(kiosk))", "(34,reserved,\(reserved))",
                    ]
                }
                #expect(try await fleet.mypage(5) == "reserved {34} rented {} returned {31,33} cancelled {32}")
            }
        }

        @Test func aSlowKioskOpensTheCircuitUnderConcurrentClientsAndItClosesWhenTheKioskIsFastAgain() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .milliseconds(500)
            let rentalSettings = Settings().with { $0.kioskDeadline = .milliseconds(200) }
            try await LibraryFleet.with(running: ["payment", "book", "mypage"]) { fleet in
                try await fleet.start("kiosk", settings: Settings().with { $0.kioskLatency = 500...500 })
                try await fleet.start("rental", settings: rentalSettings, breaker: breaker)
                let ids = try await withThrowingTaskGroup(of: Int.self) { group in
                    for book in 1...100 { group.addTask { try await fleet.reserve(member: 6, book: 100 + book).createdId() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }

                // 100 clients rent at a kiosk at once while the kiosk answers after the deadline.
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for id in ids { group.addTask { try await fleet.patch(id, "kioskrental", kioskNo: 1) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.allSatisfy { $0.refusalKind == .unavailable }, "\(outcomes.filter { $0.refusalKind != .unavailable })")
                let failedFast = outcomes.filter { $0.refusal?.reason.contains("circuit open") == true }
                #expect(!failedFast.isEmpty, "after 3 timeouts the circuit opens and later requests fail at once")
                #expect(try await fleet.count("rental.rentals WHERE req_state = 'reserve'") == 100, "every rental is unchanged")

                // Latency removed: the circuit lets a probe through and closes.
                try await fleet.stop("kiosk")
                try await fleet.start("kiosk")
                try await fleet.eventually("kiosk rentals are accepted again") {
                    try await fleet.patch(ids[0], "kioskrental", kioskNo: 1).result == .done
                }
                // The clients try again, one after the other, until their rental is taken: the
                // deadline stays a tight 200 ms, which a busy machine can still miss now and then.
                for id in ids.dropFirst() {
                    try await fleet.eventually("kiosk rental of \(id) accepted on a retry") {
                        try await fleet.patch(id, "kioskrental", kioskNo: 1).result == .done
                    }
                }

                // Every self rental answered too late was voided: the kiosk hands out only what the rentals took.
                try await fleet.eventually("late self rentals are voided, the kiosks list the 100 rentals") {
                    let first = try await fleet.count("kiosk.self_rental_attempts WHERE status = 'accepted'") == 100
                    let second = try await fleet.count("kiosk.kiosks") == 100
                    return first && second
                }
                // A request that waits in kiosk's queue past its deadline is dead-lettered by the
                // broker (its `expiration`); its caller has already voided it. Nothing else may be there.
                let kioskLetters = try await fleet.harness.deadLetterReasons("kiosk.dead")
                #expect(kioskLetters.allSatisfy { $0 == "expired" }, "\(kioskLetters)")
                #expect(try await fleet.harness.messageCount("rental.dead") == 0)
            }
        }
    }
}
