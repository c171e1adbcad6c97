import Foundation
import Testing
import Warren
import WarrenTesting
@testable import HotelSystem

extension HotelScenarios {
    /// Workers stopped or slowed: clients get a clear answer in time and nothing is half done.
    @Suite struct Outages {
        @Test func withPaymentStoppedBookingsAre503AtOnceNothingHalfCreatedAndAfterItsRestart201() async throws {
            let settings = Settings().with { $0.paymentDeadline = .seconds(1) }
            try await HotelFleet.with(settings: settings) { fleet in
                try await fleet.stop("payment")

                // http :8080/orders name="BJ.Kang" cardNo=111: 503 within the RPC deadline.
                let refused = try await fleet.book("BJ.Kang")
                #expect(refused.refusalKind == .unavailable, "\(refused)")
                #expect(refused.refusal?.reason.contains("nothing is charged") == true, "\(refused)")
                #expect(try await fleet.count("\"order\".orders") == 0, "nothing half-created")

                try await fleet.start("payment", settings: settings)
                try await fleet.eventually("payment records the void of the unanswered request") {
                    try await fleet.count("payment.cancellations WHERE cause = 'void'") == 1
                }
                #expect(try await fleet.count("payment.payment_histories") == 0, "a payment nobody waited for is never made")

                let id = try await fleet.book("BJ.Kang").createdId()
                #expect(try await fleet.paymentStatuses(of: id) == ["Pay OK"])
                try await fleet.expectEveryPaidBookingReservedAndNothingElseCharged("one booking, paid and reserved")
            }
        }

        @Test func withReservationStoppedBookingsAreAcceptedAndMypagesCatchesUpAfterItsRestart() async throws {
            try await HotelFleet.with(running: ["payment", "order", "hotel", "customer"]) { fleet in
                var ids: [Int] = []
                for guest in 1...5 { ids.append(try await fleet.book("guest \(guest)").createdId()) }
                try await fleet.eventually("mypages shows them paid") {
                    try await fleet.count("customer.mypages WHERE status = 'Pay OK'") == ids.count
                }

                try await fleet.start("reservation")
                for id in ids {
                    try await fleet.eventually("booking \(id) catches up to Reservation Complete") {
                        let booking = try await fleet.booking(id)
                        return booking.mypage?.hasPrefix("Reservation Complete|guest ") == true
                            && booking.hotelView?.hasPrefix("Reservation Complete|guest ") == true
                    }
                }
            }
        }

        @Test func aSlowPaymentUnder100ClientsOpensTheCircuitWhichClosesWhenPaymentIsFastAgain() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .milliseconds(500)
            let orderSettings = Settings().with { $0.paymentDeadline = .milliseconds(200) }
            try await HotelFleet.with(running: ["reservation", "hotel", "customer"]) { fleet in
                try await fleet.start("payment", settings: Settings().with { $0.paymentLatency = 400...620 })
                try await fleet.start("order", settings: orderSettings, breaker: breaker)

                // 100 clients book at once while payment answers after the deadline (the original's sleep).
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for client in 0..<100 {
                        group.addTask { try await fleet.book("guest \(client)") }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.count == 100)
                #expect(outcomes.allSatisfy { $0.refusalKind == .unavailable }, "\(outcomes.filter { $0.refusalKind != .unavailable })")
                let failedFast = outcomes.filter { $0.refusal?.reason.contains("circuit open") == true }
                #expect(failedFast.count > 50, "after 3 timeouts the circuit opens and most requests fail at once: \(failedFast.count)")

                // Latency removed: the circuit lets a probe through and closes.
                try await fleet.stop("payment")
                try await fleet.start("payment")
                try await fleet.eventually("bookings are accepted again") {
                    try await fleet.book("BJ.Kang").result == .created
                }
                // Every payment that answered too late was voided, its reservation (if any) deleted.
                try await fleet.expectEveryPaidBookingReservedAndNothingElseCharged("late payments refunded, their reservations deleted")
            }
        }
    }
}
