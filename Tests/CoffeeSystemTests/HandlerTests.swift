import Foundation
import Testing
import Warren
import WarrenTesting
@testable import CoffeeSystem

/// The handlers of product and order with an in-memory transport (PostgreSQL is real: the
/// handlers speak SQL), product's answers stubbed for order.
@Suite struct HandlerTests {
    static let topology = TopologyConformanceTests.topology

    @Test func productCountsItsVersionsAndAnswersAnUnknownProductWithoutFailing() async throws {
        try await HandlerHarness.with(Product.context(settings: Settings()), topology: Self.topology) { harness in
            let registered = try await harness.handle(Product.RegisterProduct(price: 3500, status: .available))
            let id = try #require(Int(registered.outcome?.id ?? ""))
            #expect(try registered.emitted(Product.ProductRegistered.self) == [Product.ProductRegistered(id: id, price: 3500, status: .available)])

            let soldOut = try await harness.handle(Product.ChangeProduct(id: id, status: .soldOut))
            let priced = try await harness.handle(Product.ChangeProduct(id: id, price: 3800))
            #expect(try soldOut.emitted(Product.UpdatedProductStatus.self)
                    == [Product.UpdatedProductStatus(id: id, price: 3500, status: .soldOut, previousStatus: .available, version: 1)])
            #expect(try priced.emitted(Product.UpdatedProductStatus.self)
                    == [Product.UpdatedProductStatus(id: id, price: 3800, status: .soldOut, previousStatus: .soldOut, version: 2)])

            let known = try await harness.handle(Product.CheckProduct(productId: id))
            #expect(try known.reply?.decode(Product.CheckProductReply.self) == Product.CheckProductReply(found: true, price: 3800, status: .soldOut))
            let unknown = try await harness.handle(Product.CheckProduct(productId: id + 1))
            #expect(try unknown.reply?.decode(Product.CheckProductReply.self) == .unknown)
            #expect(unknown.emitted.isEmpty, "a query publishes nothing")
        }
    }

    @Test func aRedeliveredOrderIsPlacedOnce() async throws {
        try await HandlerHarness.with(Order.context(settings: Settings()), topology: Self.topology) { harness in
            harness.stub(Product.CheckProduct.self) { _ in Product.CheckProductReply(found: true, price: 3500, status: .available) }
            let envelope = Envelope(type: Order.PlaceOrder.type)
            let first = try await harness.handle(Order.PlaceOrder(productId: 4), envelope: envelope)
            let again = try await harness.handle(Order.PlaceOrder(productId: 4), envelope: envelope)
            #expect(first.outcome?.result == .created)
            #expect(try first.emitted(Order.OrderPlaced.self).map(\.price) == [3500])
            #expect(again.duplicate && again.outcome == first.outcome, "the stored outcome is answered again")
            #expect(try await harness.query("SELECT count(*)::bigint FROM orders", Int.self) == [1])
        }
    }

    @Test func aTimedOutCheckIsUnavailableAndSendsNoCompensation() async throws {
        try await HandlerHarness.with(Order.context(settings: Settings()), topology: Self.topology) { harness in
            harness.stub(Product.CheckProduct.self) { _ throws(RPCError) in throw .timedOut(target: "product", after: .seconds(1)) }
            let handled = try await harness.handle(Order.PlaceOrder(productId: 4))
            #expect(handled.outcome?.refusal?.kind == .unavailable)
            #expect(handled.outcome?.refusal?.reason == "product did not answer within 1.0 seconds; no order is placed: try again later")
            #expect(handled.emitted.isEmpty, "a query has nothing to compensate and nothing is announced")
            #expect(try await harness.query("SELECT count(*)::bigint FROM orders", Int.self) == [0])
        }
    }

    @Test func theOrdersCopyKeepsTheLatestVersionWhateverTheOrder() async throws {
        try await HandlerHarness.with(Order.context(settings: Settings()), topology: Self.topology) { harness in
            _ = try await harness.handle(Product.UpdatedProductStatus(id: 7, price: 4000, status: .available, previousStatus: .soldOut, version: 2))
            _ = try await harness.handle(Product.ProductRegistered(id: 7, price: 3500, status: .available))
            _ = try await harness.handle(Product.UpdatedProductStatus(id: 7, price: 3500, status: .soldOut, previousStatus: .available, version: 1))
            #expect(try await harness.query("SELECT price::text || ' ' || status || ' v' || version FROM order_products", String.self)
                    == ["4000 Available v2"])
        }
    }
}
