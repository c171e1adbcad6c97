import Foundation
import Testing
import Warren
import WarrenTesting
@testable import LibrarySystem

/// Issue 22's scenarios against real servers (`AMQP_URL`, `RABBITMQ_MANAGEMENT_URL`,
/// `DATABASE_URL`), at the command level: each sends the commands the ingress sends for the
/// HTTP requests named in its comments, and reads the views the GETs read. One at a time, so
/// that a loaded two-core machine runs one fleet of workers at once.
@Suite(.serialized) enum LibraryScenarios {}

extension LibraryScenarios {
    @Suite struct Rentals {
        @Test func aBookIsReservedPaidRentedAndReturnedAndTheViewsFollow() async throws {
            try await LibraryFleet.with { fleet in
                // http POST :8080/rentals memberId=1 bookId=1
                let reserved = try await fleet.reserve(member: 1, book: 1)
                let id = try reserved.createdId()
                #expect(reserved.resource?["reqState"] == .string("reserve"))
                #expect(try await fleet.payments(of: id) == ["Paid"], "paid before the answer")
                try await fleet.eventually("GET /books/1 shows it reserved") { try await fleet.book(1) == "reserved by member 1 for rental \(id)" }
                try await fleet.eventually("GET /mypages/1 lists book 1 as reserved and paid") {
                    let first = try await fleet.mypage(1) == "reserved {1} rented {} returned {} cancelled {}"
                    let second = try await fleet.reservationList(id) == "reserve, Paid"
                    return first && second
                }

                // http PATCH :8080/rentals/ID reqState="rental"
                let rented = try await fleet.patch(id, "rental")
                #expect(rented.result == .done && rented.resource?["reqState"] == .string("rental"))
                try await fleet.eventually("the book is rented") { try await fleet.book(1) == "rented by member 1 for rental \(id)" }
                try await fleet.eventually("and so says the member's page") {
                    try await fleet.mypage(1) == "reserved {} rented {1} returned {} cancelled {}"
                }

                // http PATCH :8080/rentals/ID reqState="return"
                #expect(try await fleet.patch(id, "return").resource?["reqState"] == .string("return"))
                try await fleet.eventually("the book is returned") { try await fleet.book(1) == "returned by member 1 for rental \(id)" }
                try await fleet.eventually("and the page lists it returned") {
                    let first = try await fleet.mypage(1) == "reserved {} rented {} returned {1} cancelled {}"
                    let second = try await fleet.reservationList(id) == "return, Paid"
                    return first && second
                }
                #expect(try await fleet.payments(of: id) == ["Paid"], "a return refunds nothing")
            }
        }

        @Test func aCancelledReservationIsRefundedOnceAndTheBookIsAvailableAgain() async throws {
            try await LibraryFleet.with { fleet in
                let id = try await fleet.reserve(member: 2, book: 7).createdId()
                try await fleet.eventually("the book is reserved") { try await fleet.book(7)?.hasPrefix("reserved") == true }

                // http PATCH :8080/rentals/ID reqState="cancel"
                #expect(try await fleet.patch(id, "cancel").resource?["reqState"] == .string("cancel"))
                try await fleet.eventually("the payment is refunded") { try await fleet.payments(of: id) == ["PaymentCancelled"] }
                try await fleet.eventually("the book is available again") { try await fleet.book(7) == "available by member 2 for rental \(id)" }
                try await fleet.eventually("the member's page and list show the cancellation and the refund") {
                    let first = try await fleet.mypage(2) == "reserved {} rented {} returned {} cancelled {7}"
                    let second = try await fleet.reservationList(id) == "cancel, PaymentCancelled"
                    return first && second
                }

                // Cancelling again (a retried PATCH) is answered 200 and refunds nothing twice.
                #expect(try await fleet.patch(id, "cancel").result == .done)
                #expect(try await fleet.count("payment.payments WHERE rental_id = \(id)") == 1)
                #expect(try await fleet.count("payment.cancellations WHERE rental_id = \(id)") == 1)
            }
        }

        @Test func aBookIsRentedAndReturnedAtAKiosk() async throws {
            try await LibraryFleet.with { fleet in
                let id = try await fleet.reserve(member: 3, book: 9).createdId()

                // http PATCH :8080/rentals/ID reqState="kioskrental" kioskNo=1
                let rented = try await fleet.patch(id, "kioskrental", kioskNo: 1)
                #expect(rented.resource?["reqState"] == .string("kioskrental") && rented.resource?["kioskNo"] == .integer(1), "\(rented)")
                try await fleet.eventually("the kiosk records the self rental") { try await fleet.kiosk(of: id) == "rented at kiosk 1" }
                try await fleet.eventually("the book is rented") { try await fleet.book(9)?.hasPrefix("rented") == true }

                // http PATCH :8080/rentals/ID reqState="kioskreturn"
                #expect(try await fleet.patch(id, "kioskreturn").resource?["reqState"] == .string("kioskreturn"))
                try await fleet.eventually("the kiosk records the self return") { try await fleet.kiosk(of: id) == "returned at kiosk 1" }
                try await fleet.eventually("the book and the page show it returned") {
                    let first = try await fleet.book(9)?.hasPrefix("returned") == true
                    let second = try await fleet.mypage(3) == "reserved {} rented {} returned {9} cancelled {}"
                    return first && second
                }

                // A kiosk that does not exist: 400 with the kiosk's reason, the rental unchanged.
                let other = try await fleet.reserve(member: 3, book: 10).createdId()
                let unknown = try await fleet.patch(other, "kioskrental", kioskNo: 99)
                #expect(unknown.refusal == .init(kind: .invalid, reason: "there is no kiosk 99: the kiosks are numbered 1 to 10"))
                #expect(try await fleet.rentalState(other) == "reserve")
            }
        }

        @Test func everyMoveTheStateMachineDoesNotAllowIsRefusedWithTheReason() async throws {
            try await LibraryFleet.with(running: ["payment", "kiosk", "rental"]) { fleet in
                // One rental in each state, reached by the allowed moves.
                let paths: [RentalState: [(String, Int?)]] = [
                    .reserve: [], .rental: [("rental", nil)], .return: [("rental", nil), ("return", nil)], .cancel: [("cancel", nil)],
                    .kioskrental: [("kioskrental", 2)], .kioskreturn: [("kioskrental", 2), ("kioskreturn", nil)],
                ]
                for (state, path) in paths.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    let id = try await fleet.reserve(member: 4, book: 20).createdId()
                    for (step, kiosk) in path { #expect(try await fleet.patch(id, step, kioskNo: kiosk).result == .done, "\(step)") }
                    #expect(try await fleet.rentalState(id) == state.rawValue)

                    for target in RentalState.allCases where target != state && !state.allowedMoves.contains(target) {
                        // http PATCH :8080/rentals/ID reqState="<target>"  -> 409
                        let refused = try await fleet.patch(id, target.rawValue, kioskNo: target == .kioskrental ? 1 : nil)
                        #expect(refused.refusal == .init(kind: .conflict, reason: state.refusal(of: target, rentalId: id)), "\(state) → \(target)")
                    }
                    // http PATCH :8080/rentals/ID reqState="borrow"  -> 400
                    let unknown = try await fleet.patch(id, "borrow")
                    #expect(unknown.refusal == .init(kind: .invalid, reason: RentalState.unknown("borrow")))
                    #expect(try await fleet.rentalState(id) == state.rawValue, "refusals change nothing")
                }
                #expect(try await fleet.patch(123_456, "rental").refusal == .init(kind: .notFound, reason: "no rental 123456"))
                // A kiosk rental refused by the state machine is handed back at the kiosk: nothing stays rented there.
                try await fleet.eventually("every self rental the rentals did not take is voided") {
                    try await fleet.count("kiosk.self_rental_attempts WHERE status = 'accepted'") == 2
                }
            }
        }
    }
}
