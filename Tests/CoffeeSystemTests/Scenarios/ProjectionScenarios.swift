import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CoffeeSystem

extension CoffeeScenarios {
    /// The copies and the report are built from events only: any order, any number of copies.
    @Suite struct Projections {
        /// Two products' histories, as product would announce them.
        static let history: [any Warren.Message] = [
            Product.ProductRegistered(id: 1, price: 3500, status: .available),
            Product.UpdatedProductStatus(id: 1, price: 3500, status: .soldOut, previousStatus: .available, version: 1),
            Product.UpdatedProductStatus(id: 1, price: 4000, status: .available, previousStatus: .soldOut, version: 2),
            Product.UpdatedProductStatus(id: 1, price: 4500, status: .available, previousStatus: .available, version: 3),
            Product.ProductRegistered(id: 2, price: 0, status: .soldOut),
            Product.UpdatedProductStatus(id: 2, price: 100, status: .available, previousStatus: .soldOut, version: 1),
            Product.UpdatedProductStatus(id: 2, price: 100, status: .soldOut, previousStatus: .available, version: 2),
            Order.OrderPlaced(id: 1, productId: 1, price: 3500),
            Order.OrderPlaced(id: 2, productId: 1, price: 4000),
            Order.OrderPlaced(id: 3, productId: 2, price: 100),
        ]

        @Test func shuffledAndDuplicatedEventsEndInTheSameViews() async throws {
            var generator = SeededGenerator(seed: 20)
            try await CoffeeFleet.with(running: ["order", "report"]) { fleet in
                // Every event three times, shuffled: twice with one message id (a redelivery),
                // once with another (the same fact published again).
                var deliveries: [(message: any Warren.Message, envelope: Envelope)] = []
                for message in Self.history {
                    let type = Swift.type(of: message).type
                    let envelope = Envelope(type: type)
                    deliveries += [(message, envelope), (message, envelope), (message, Envelope(type: type))]
                }
                deliveries.shuffle(using: &generator)
                for delivery in deliveries { try await fleet.harness.publish(delivery.message, envelope: delivery.envelope) }

                let expectedProducts = ["(1,4500,Available)", "(2,100,SoldOut)"]
                try await fleet.eventually("both views end with each product's last version") {
                    let copies = try await fleet.rows("SELECT id, price, status FROM \"order\".order_products")
                    let reports = try await fleet.rows("SELECT product_id, price, status FROM report.reports")
                    return copies == expectedProducts && reports == expectedProducts
                }
                try await fleet.eventually("one notification per status change, none twice") {
                    try await fleet.rows("SELECT product_id, version, previous_status, status FROM report.notifications") == [
                        "(1,1,Available,SoldOut)", "(1,2,SoldOut,Available)", "(2,1,SoldOut,Available)", "(2,2,Available,SoldOut)",
                    ]
                }
                try await fleet.eventually("each order counted once in its product's sales") {
                    try await fleet.rows("SELECT product_id, orders, amount FROM report.sales") == ["(1,2,7500)", "(2,1,100)"]
                }
                #expect(try await fleet.harness.messageCount("order.dead") == 0)
                #expect(try await fleet.harness.messageCount("report.dead") == 0)
            }
        }
    }
}

/// A reproducible shuffle (SplitMix64), so a failing order can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1330_11EB
        return z ^ (z >> 31)
    }
}
