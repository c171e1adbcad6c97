import Testing
@testable import CoffeeSystem

/// Customers are told when a product's status changes, and only then.
@Suite struct NotificationTests {
    @Test func aStatusChangeIsNotifiedWithWhatItMeans() throws {
        let soldOut = Product.UpdatedProductStatus(id: 4, price: 3500, status: .soldOut, previousStatus: .available, version: 1)
        let notification = try #require(soldOut.notification)
        #expect(notification == Report.Notification(productId: 4, version: 1, previousStatus: "Available", status: "SoldOut",
                                                    text: "Product 4 is sold out."))
        let back = Product.UpdatedProductStatus(id: 4, price: 4000, status: .available, previousStatus: .soldOut, version: 2)
        #expect(back.notification?.text == "Product 4 is available again, at 4000.")
    }

    @Test func aPriceChangeAloneNotifiesNobody() {
        #expect(Product.UpdatedProductStatus(id: 4, price: 4200, status: .available, previousStatus: .available, version: 3).notification == nil)
    }
}
