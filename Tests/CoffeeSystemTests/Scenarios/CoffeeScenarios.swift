import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CoffeeSystem

/// Issue 20's scenarios against real servers (`AMQP_URL`, `RABBITMQ_MANAGEMENT_URL`,
/// `DATABASE_URL`), at the command level: each sends the commands the ingress sends for the
/// HTTP requests named in its comments, and reads the views the GETs read. One at a time, so
/// that a loaded two-core machine runs one fleet of workers at once.
@Suite(.serialized) enum CoffeeScenarios {}

extension CoffeeScenarios {
    @Suite struct Orders {
        @Test func aRegisteredProductIsCopiedReportedAndOrderedThenSoldOutRefusesOrders() async throws {
            try await CoffeeFleet.with { fleet in
                // http POST :8080/products price=3500 status=Available
                let registered = try await fleet.send(Product.RegisterProduct(price: 3500, status: .available))
                let id = try registered.createdId()
                #expect(registered.resource?["status"] == .string("Available"))
                #expect(registered.resource?["price"] == .integer(3500))

                // GET /orderProducts/{id} and GET /reports/{id} follow from the event.
                try await fleet.eventually("the order context's copy and the report show the product") {
                    let copy = try await fleet.orderCopy(of: id), report = try await fleet.report(of: id)
                    return copy == "3500 Available" && report == "3500 Available"
                }

                // http POST :8080/orders productId=<id>: 201 at the product's price.
                let placed = try await fleet.order(id)
                let orderId = try placed.createdId()
                #expect(placed.resource?["productId"] == .integer(Int64(id)))
                #expect(placed.resource?["price"] == .integer(3500))
                #expect(placed.resource?["status"] == .string("OrderPlaced"))
                #expect(try await fleet.count("\"order\".orders WHERE id = \(orderId) AND price = 3500") == 1)

                // http PATCH :8080/products/<id> status=SoldOut
                let changed = try await fleet.change(id, .soldOut)
                #expect(changed.result == .done)
                #expect(changed.resource?["status"] == .string("SoldOut"))
                try await fleet.eventually("the copy, the report and the notifications follow the change") {
                    let copy = try await fleet.orderCopy(of: id), report = try await fleet.report(of: id)
                    let notifications = try await fleet.notifications(about: id)
                    return copy == "3500 SoldOut" && report == "3500 SoldOut" && notifications == ["Available->SoldOut"]
                }

                // http POST :8080/orders productId=<id>: 409, the reason given, nothing stored.
                let refused = try await fleet.order(id)
                #expect(refused.refusalKind == .conflict, "\(refused)")
                #expect(refused.reason == "product \(id) is sold out")
                #expect(try await fleet.count("\"order\".orders") == 1, "a refused order leaves no row")

                // Back in stock at a new price: ordered at that price; a price change alone notifies nobody.
                #expect(try await fleet.change(id, price: 4000, .available).result == .done)
                #expect(try await fleet.order(id).resource?["price"] == .integer(4000))
                #expect(try await fleet.change(id, price: 4200).resource?["price"] == .integer(4200))
                try await fleet.eventually("the report shows the last price; two status changes were notified") {
                    let report = try await fleet.report(of: id), notifications = try await fleet.notifications(about: id)
                    return report == "4200 Available" && notifications == ["Available->SoldOut", "SoldOut->Available"]
                }
                try await fleet.eventually("the sales count both orders, at their prices") {
                    try await fleet.sales(of: id) == "2 7500"
                }
            }
        }

        @Test func aFreeOrUnknownProductIsRefusedWithTheReasonAndBadChangesAreRefused() async throws {
            try await CoffeeFleet.with(running: ["product", "order"]) { fleet in
                // http POST :8080/products price=0 status=Available, then an order of it.
                let free = try await fleet.register(price: 0)
                let noPrice = try await fleet.order(free)
                #expect(noPrice.refusalKind == .conflict)
                #expect(noPrice.reason == "product \(free) has no price (0)")

                let unknown = try await fleet.order(999_999)
                #expect(unknown.refusalKind == .conflict)
                #expect(unknown.reason == "product 999999 does not exist")
                #expect(try await fleet.count("\"order\".orders") == 0, "nothing is stored for a refused order")

                // PATCH with nothing, a negative price or an unknown id.
                #expect(try await fleet.send(Product.ChangeProduct(id: free)).refusalKind == .invalid)
                #expect(try await fleet.change(free, price: -1).refusalKind == .invalid)
                #expect(try await fleet.change(999_999, .soldOut).refusalKind == .notFound)
                #expect(try await fleet.send(Product.RegisterProduct(price: -5, status: .available)).refusalKind == .invalid)
                #expect(try await fleet.count("product.products") == 1)
            }
        }
    }
}
