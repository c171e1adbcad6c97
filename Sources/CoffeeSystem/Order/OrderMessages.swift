import Warren

/// Orders: product is asked synchronously (`CheckProduct`) before an order is placed, and
/// the order context keeps its own copy of every product from product's events.
public enum Order {
    /// `POST /orders`. `productId` is an integer; the gateway reads `"4"` (HTTPie, siege) as 4.
    struct PlaceOrder: Message {
        static let type = "order.PlaceOrder"
        var productId: Int
    }

    /// An order is placed at the product's price.
    struct OrderPlaced: Message, Hashable {
        static let type = "order.OrderPlaced"
        var id: Int
        var productId: Int
        var price: Price
        var status = Status.placed
    }

    /// A row of the `orders` view (table `orders`).
    struct OrderRecord: Codable, Sendable, Hashable {
        var id: Int
        var productId: Int
        var price: Price
        var status: String
    }

    /// A row of the `orderProducts` view (table `order_products`): the order context's copy.
    struct OrderProduct: Codable, Sendable, Hashable {
        var id: Int
        var price: Price
        var status: String
    }

    enum Status {
        static let placed = "OrderPlaced"
    }
}
