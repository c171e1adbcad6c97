import Foundation
import Synchronization
import Testing
import Warren
import WarrenTesting
@testable import CleaningSystem

extension CleaningScenarios {
    /// Replicas and rolling restarts under load: every effect happens exactly once.
    @Suite struct Load {
        @Test func threePaymentReplicasShareTheCallsAndChargeEachReservationOnce() async throws {
            try await CleaningFleet.with(running: ["reservation", "cleaning"]) { fleet in
                for _ in 0..<3 { try await fleet.start("payment") }

                let ids = try await withThrowingTaskGroup(of: Int.self) { group in
                    for client in 0..<30 {
                        group.addTask { try await fleet.reserve(on: "2026-12-0\(client % 9 + 1)", at: "Sejong \(client)").createdId() }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(ids).count == 30)
                #expect(try await fleet.count("payment.payments") == 30, "one payment per reservation")
                #expect(try await fleet.count("(SELECT DISTINCT request_id FROM payment.payments) AS paid") == 30)
                try await fleet.eventually("the broker shows each replica took some of the approvals") {
                    let deliveries = try await fleet.deliveriesPerConsumer(of: "payment.rpc")
                    return deliveries.count == 3 && deliveries.allSatisfy { $0 > 0 }
                }
            }
        }

        @Test func restartingEveryWorkerOneAtATimeUnderSteadyLoadLosesAndDuplicatesNothing() async throws {
            // A generous deadline: payment's restart must delay approvals, not refuse them.
            let settings = Settings.scenario.with { $0.paymentDeadline = .seconds(15) }
            try await CleaningFleet.with(settings: settings) { fleet in
                let loadEnds = Signal()
                let load = Task {
                    try await withThrowingTaskGroup(of: [Outcome].self) { group in
                        for client in 0..<3 {
                            group.addTask {
                                var outcomes: [Outcome] = []
                                while !loadEnds.isRaised {
                                    outcomes.append(try await fleet.reserve(on: "2026-12-0\(outcomes.count % 9 + 1)", at: "Jeju \(client)"))
                                    try? await Task.sleep(for: .milliseconds(20))
                                }
                                return outcomes
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                }
                for name in CleaningSystem.contextNames {
                    try await Task.sleep(for: .milliseconds(300))
                    try await fleet.restart(name, settings: settings)
                }
                try await Task.sleep(for: .milliseconds(300))
                loadEnds.raise()
                let outcomes = try await load.value

                let refused = outcomes.filter { $0.result != .created }
                #expect(refused.isEmpty, "no request fails during the restarts: \(refused)")
                let accepted = outcomes.count - refused.count
                #expect(accepted > 10, "the load kept going: \(accepted) reservations")

                try await fleet.eventually("every reservation is paid once, assigned once, shown once and told twice") {
                    async let reservations = fleet.count("reservation.cleaning_reservations")
                    async let payments = fleet.count("payment.payments")
                    async let cleans = fleet.count("cleaning.cleans WHERE status = 'CleaningConfirmed'")
                    async let dashboard = fleet.count("dashboard.dash_board_views WHERE status = 'CleaningConfirmed'")
                    async let messages = fleet.count("message.messages")
                    return try await [reservations, payments, cleans, dashboard, messages] == [accepted, accepted, accepted, accepted, 2 * accepted]
                }
                #expect(try await fleet.count("(SELECT DISTINCT request_id FROM payment.payments) AS paid") == accepted)
                for name in CleaningSystem.contextNames {
                    #expect(try await fleet.harness.messageCount("\(name).dead") == 0, "nothing dead-lettered in \(name)")
                }
            }
        }
    }
}

/// Tells looping tasks to finish their current step and stop (cancelling them would cut a
/// request short, which is not what a client does).
final class Signal: Sendable {
    private let raised = Mutex(false)
    var isRaised: Bool { raised.withLock { $0 } }
    func raise() { raised.withLock { $0 = true } }
}
