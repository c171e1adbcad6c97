import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CoffeeSystem

extension CoffeeScenarios {
    /// Many clients at once: replicas share the orders, a slow product opens the circuit.
    @Suite struct Load {
        @Test func threeOrderReplicasShareTheOrdersAndPlaceEachOnce() async throws {
            try await CoffeeFleet.with(running: ["product", "report"]) { fleet in
                for _ in 0..<3 { try await fleet.start("order") }
                let id = try await fleet.register(price: 3500)

                // 60 customers at once: http POST :8080/orders productId=<id>
                let orderIds = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<60 { group.addTask { try await fleet.order(id).createdId() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(orderIds).count == 60, "every order has an id of its own")
                #expect(try await fleet.count("\"order\".orders WHERE product_id = \(id) AND price = 3500") == 60, "each placed once")
                try await fleet.eventually("the broker shows each replica took some of the orders") {
                    let deliveries = try await fleet.deliveriesPerConsumer(of: "order.commands")
                    return deliveries.count == 3 && deliveries.allSatisfy { $0 > 0 }
                }
                try await fleet.eventually("the sales count every order once") {
                    try await fleet.sales(of: id) == "60 210000"
                }
            }
        }

        @Test func aSlowProductUnder100ClientsOpensTheCircuitWhichClosesWhenProductIsFastAgain() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 5
            breaker.coolDown = .milliseconds(500)
            try await CoffeeFleet.with(running: ["report"]) { fleet in
                // The original's sleep, 400-620 ms, against a 300 ms deadline.
                try await fleet.start("product", settings: Settings().with { $0.productLatency = 400...620 })
                try await fleet.start("order", settings: Settings().with { $0.checkDeadline = .milliseconds(300) }, breaker: breaker)
                let id = try await fleet.register(price: 3500)

                // siege -c100: 100 clients order at once while product answers too late.
                let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for _ in 0..<100 { group.addTask { try await fleet.order(id) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let unavailable = outcomes.filter { $0.refusalKind == .unavailable }
                #expect(unavailable.count == 100, "every order is refused as unavailable: \(outcomes.filter { $0.refusalKind != .unavailable })")
                let timedOut = unavailable.filter { $0.reason.contains("did not answer within") }
                let failedFast = unavailable.filter { $0.reason.contains("circuit open") }
                #expect(timedOut.count >= 5, "the circuit opens on timeouts: \(timedOut.count)")
                #expect(failedFast.count >= 50, "once open, most orders are refused at once: \(failedFast.count) of 100")
                #expect(try await fleet.count("\"order\".orders") == 0, "nothing half-stored")

                // Product fast again: a probe passes, the circuit closes, orders complete.
                try await fleet.stop("product")
                try await fleet.start("product")
                try await fleet.eventually("orders complete again") {
                    try await fleet.order(id).result == .created
                }
                // One customer after another (a burst against a 300 ms deadline would measure the machine).
                var after: [Outcome] = []
                for _ in 0..<20 { after.append(try await fleet.order(id)) }
                #expect(after.allSatisfy { $0.result == .created }, "the circuit is closed: \(after.filter { $0.result != .created })")
                #expect(try await fleet.count("\"order\".orders") == 21)
            }
        }
    }
}
