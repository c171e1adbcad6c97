import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CleaningSystem

extension CleaningScenarios {
    /// Workers stopped or slowed: requests get a clear answer in time and nothing is half done.
    @Suite struct Outages {
        @Test func withPaymentStoppedReservationsAndCardsAreUnavailableThenAcceptedAfterItsRestart() async throws {
            let settings = Settings.scenario.with { $0.paymentDeadline = .seconds(1) }
            try await CleaningFleet.with(settings: settings) { fleet in
                try await fleet.stop("payment")

                // POST /cleaningReservations and POST /paymethods: 503 within the RPC deadline.
                let reservation = try await fleet.reserve(on: "2026-12-04", at: "Daegu")
                #expect(reservation.refusalKind == .unavailable, "\(reservation)")
                #expect(reservation.refusal?.reason.contains("nothing is charged") == true, "\(reservation)")
                let card = try await fleet.registerCard("40095003", requestId: 7)
                #expect(card.refusalKind == .unavailable, "\(card)")

                // Nothing half-created.
                #expect(try await fleet.count("reservation.cleaning_reservations") == 0)
                #expect(try await fleet.count("paymethod.paymethods") == 0)

                try await fleet.start("payment", settings: settings)
                // The expired approval is dropped, its void recorded: no charge ever happens.
                try await fleet.eventually("payment records the void of the unanswered approval") {
                    try await fleet.count("payment.cancellations WHERE cause = 'void'") == 1
                }
                #expect(try await fleet.count("payment.payments") == 0, "an approval nobody waited for must not charge")

                // Payment is back: 201 again.
                #expect(try await fleet.reserve(on: "2026-12-04", at: "Daegu").result == .created)
                #expect(try await fleet.registerCard("40095003", requestId: 7).result == .created)
            }
        }

        @Test func withDashboardAndMessagesStoppedReservationsAreAcceptedAndTheViewsCatchUp() async throws {
            try await CleaningFleet.with(running: ["payment", "reservation", "paymethod", "cleaning"]) { fleet in
                var ids: [Int] = []
                for day in 1...5 {
                    ids.append(try await fleet.reserve(on: "2026-12-0\(day)", at: "Gwangju").createdId())
                }

                try await fleet.start("dashboard")
                try await fleet.start("message")
                try await fleet.eventually("the dashboard catches up with every reservation") {
                    try await fleet.count("dashboard.dash_board_views WHERE status = 'CleaningConfirmed'") == ids.count
                }
                try await fleet.eventually("the message history catches up: paid and assigned, for each") {
                    // A backlog is taken by several lanes at once: the two may be told in either order.
                    for id in ids where try await fleet.messages(about: id).sorted() != ["CleaningConfirmed", "PaymentCompleted"] { return false }
                    return true
                }
            }
        }

        @Test func aSlowPaymentOpensTheCircuitAndItClosesWhenPaymentIsFastAgain() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .milliseconds(500)
            let reservationSettings = Settings.scenario.with { $0.paymentDeadline = .milliseconds(200) }
            try await CleaningFleet.with(running: ["cleaning", "message", "dashboard"]) { fleet in
                try await fleet.start("payment", settings: .scenario.with { $0.approvalDelay = 500...500 })
                try await fleet.start("reservation", settings: reservationSettings, breaker: breaker)

                // Clients keep booking while payment answers after the deadline.
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for client in 0..<20 {
                        group.addTask { try await fleet.reserve(on: "2026-12-05", at: "Ulsan \(client)") }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.allSatisfy { $0.refusalKind == .unavailable }, "\(outcomes.filter { $0.refusalKind != .unavailable })")
                let failedFast = outcomes.filter { $0.refusal?.reason.contains("circuit open") == true }
                #expect(!failedFast.isEmpty, "after 3 timeouts the circuit opens and later requests fail at once")

                // Latency removed: the circuit lets a probe through and closes.
                try await fleet.stop("payment")
                try await fleet.start("payment")
                try await fleet.eventually("requests are accepted again") {
                    try await fleet.reserve(on: "2026-12-05", at: "Ulsan").result == .created
                }

                // Every approval that answered too late was voided: only accepted reservations are charged.
                try await fleet.eventually("late approvals are refunded") {
                    try await fleet.count("payment.payments WHERE status = 'PaymentCompleted'")
                        == fleet.count("reservation.cleaning_reservations")
                }
            }
        }
    }
}
