import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CoffeeSystem

extension CoffeeScenarios {
    /// Workers stopped: orders get a clear answer in time, nothing is half done, and the
    /// copies catch up.
    @Suite struct Outages {
        @Test func withProductStoppedOrdersAre503UntilItIsBackThenTheyComplete() async throws {
            var breaker = CircuitBreaker.Settings()
            breaker.failureThreshold = 3
            breaker.coolDown = .seconds(3)  // long enough that the three fast refusals all meet the open circuit
            try await CoffeeFleet.with(running: ["product", "report"]) { fleet in
                try await fleet.start("order", settings: Settings().with { $0.checkDeadline = .milliseconds(500) }, breaker: breaker)
                let id = try await fleet.register(price: 3500)
                try await fleet.stop("product")

                // http POST :8080/orders productId=<id>, six times: 503 with a reason; after three
                // unanswered calls the circuit is open and orders are refused at once.
                var outcomes: [Outcome] = []
                for _ in 0..<6 { outcomes.append(try await fleet.order(id)) }
                #expect(outcomes.allSatisfy { $0.refusalKind == .unavailable }, "\(outcomes)")
                #expect(outcomes.allSatisfy { $0.reason.contains("no order is placed") }, "\(outcomes.map(\.reason))")
                #expect(outcomes.prefix(3).allSatisfy { $0.reason.contains("did not answer within") }, "\(outcomes.map(\.reason))")
                #expect(outcomes.suffix(3).allSatisfy { $0.reason.contains("circuit open") }, "\(outcomes.map(\.reason))")
                #expect(try await fleet.count("\"order\".orders") == 0, "nothing half-stored")

                // Product restarted: the circuit lets a probe through, closes, orders complete.
                try await fleet.start("product")
                try await fleet.eventually("orders complete again") {
                    try await fleet.order(id).result == .created
                }
                #expect(try await fleet.order(id).result == .created)
                #expect(try await fleet.count("\"order\".orders") >= 2)
                #expect(try await fleet.harness.messageCount("order.dead") == 0, "no order dead-lettered")
            }
        }

        @Test func withOrderStoppedProductsAreStillRegisteredAndChangedAndTheCopyCatchesUp() async throws {
            try await CoffeeFleet.with(running: ["product", "report"]) { fleet in
                // http POST :8080/products ..., http PATCH :8080/products/<id> ...: order is down.
                let latte = try await fleet.register(price: 4500)
                let mocha = try await fleet.register(price: 5000)
                let tea = try await fleet.register(price: 3000, .soldOut)
                #expect(try await fleet.change(latte, .soldOut).result == .done)
                #expect(try await fleet.change(latte, price: 4800, .available).result == .done)
                #expect(try await fleet.change(tea, .available).result == .done)
                try await fleet.eventually("the report follows at once") {
                    let latteReport = try await fleet.report(of: latte), teaReport = try await fleet.report(of: tea)
                    return latteReport == "4800 Available" && teaReport == "3000 Available"
                }
                try await fleet.eventually("the six product events wait in order's queue") {
                    try await fleet.harness.messageCount("order.product-events") == 6
                }

                try await fleet.start("order")
                try await fleet.eventually("the order context's copy catches up with every product") {
                    let copies = [try await fleet.orderCopy(of: latte), try await fleet.orderCopy(of: mocha), try await fleet.orderCopy(of: tea)]
                    return copies == ["4800 Available", "5000 Available", "3000 Available"]
                }
                #expect(try await fleet.order(latte).resource?["price"] == .integer(4800))
            }
        }
    }
}
