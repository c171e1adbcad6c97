import Foundation
import Testing
import Warren
import WarrenTesting
import WarrenTrace
@testable import BrokerAdmin
@testable import CleaningSystem

extension CleaningScenarios {
    /// `warren trace`: "why is my booking stuck?" answered from what the fleet keeps.
    @Suite struct Traces {
        @Test func aSagaStoppedByAStoppedWorkerIsTracedToTheQueueItWaitsIn() async throws {
            // The cleaning worker is not running: the reservation is paid, but nobody assigns a cleaner.
            try await CleaningFleet.with(running: ["payment", "reservation", "message", "dashboard"]) { fleet in
                let correlationId = UUID().uuidString.lowercased()
                let reserved = try await fleet.send(
                    Reservation.RequestCleaning(requestDate: "2026-12-01", place: "Seoul", price: 100, payKind: "card"),
                    correlationId: correlationId)
                let id = try reserved.createdId()
                try await fleet.eventually("the dashboard and the message history took the payment") {
                    let handled = try await fleet.trace(correlationId).steps.filter { $0.kind == .handled && $0.type == "payment.PayConfirmed" }
                    return Set(handled.map(\.context)) == ["dashboard", "message"]
                }

                let conversation = try await fleet.trace(correlationId)
                let handled = conversation.steps.filter { $0.kind == .handled }.map { "\($0.context) \($0.type)" }
                #expect(handled.contains("reservation reservation.RequestCleaning"), "\(handled)")
                #expect(handled.contains("payment payment.ApprovePayment"), "the RPC is in the trace: \(handled)")
                #expect(handled.contains("dashboard payment.PayConfirmed"), "\(handled)")
                let approval = conversation.steps.first { $0.type == "payment.ApprovePayment" }
                #expect(approval?.sender == "reservation" && approval?.detail?.contains("PaymentCompleted") == true,
                        "who asked, and the reply stored: \(String(describing: approval))")

                // Where it stopped: PayConfirmed waits in cleaning's queue, which has no consumer.
                let stops = conversation.stops
                #expect(stops.count == 1, "\(stops)")
                #expect(stops.first?.kind == .waiting && stops.first?.context == "cleaning" && stops.first?.type == "payment.PayConfirmed",
                        "\(stops)")
                #expect(stops.first?.detail?.contains("is the cleaning worker running?") == true, "\(stops)")
                let timeline = conversation.timeline()
                #expect(timeline.contains("stopped at:") && timeline.contains("cleaning"), "\(timeline)")
                #expect(conversation.mermaid().hasPrefix("sequenceDiagram"))
                #expect(conversation.html().contains("Stopped at:"))

                // Started again, the saga completes and the trace says so.
                try await fleet.start("cleaning")
                try await fleet.eventually("a cleaner is assigned") { try await fleet.dashboardStatus(of: id) == "CleaningConfirmed" }
                // (The relay deletes an outbox row just after the broker confirms it.)
                try await fleet.eventually("the trace no longer stops anywhere") { try await fleet.trace(correlationId).stops.isEmpty }
                let finished = try await fleet.trace(correlationId)
                #expect(finished.steps.contains { $0.context == "cleaning" && $0.type == "payment.PayConfirmed" && $0.kind == .handled })
            }
        }
    }
}
