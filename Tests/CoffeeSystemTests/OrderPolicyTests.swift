import Testing
@testable import CoffeeSystem

/// The original's rule: an order completes only for a priced product that is `Available`.
@Suite struct OrderPolicyTests {
    @Test func anAvailableProductWithAPriceIsOrderedAtThatPrice() {
        #expect(Order.Policy.decide(productId: 4, .product(price: 3500, status: .available)) == .place(price: 3500))
        #expect(Order.Policy.decide(productId: 4, .product(price: Price(0.5), status: .available)) == .place(price: Price(0.5)))
    }

    @Test func everyOtherAnswerIsRefusedWithItsReason() {
        #expect(Order.Policy.decide(productId: 4, .product(price: 3500, status: .soldOut)) == .refuse(reason: "product 4 is sold out"))
        #expect(Order.Policy.decide(productId: 4, .product(price: 0, status: .available)) == .refuse(reason: "product 4 has no price (0)"))
        #expect(Order.Policy.decide(productId: 4, .product(price: 0, status: .soldOut)) == .refuse(reason: "product 4 is sold out"),
                "sold out is the reason a customer can act on")
        #expect(Order.Policy.decide(productId: 4, .unknown) == .refuse(reason: "product 4 does not exist"))
    }

    @Test func aProductThatCannotBeAskedMakesTheOrderUnavailableNotRefused() {
        #expect(Order.Policy.decide(productId: 4, .unavailable(reason: "product is down")) == .unavailable(reason: "product is down"))
    }
}
