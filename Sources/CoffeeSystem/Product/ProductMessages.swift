import Warren

/// The clerk's products: registered with a price and a status, changed by PATCH, and asked
/// about synchronously by order (`CheckProduct`, a read-only query).
public enum Product {
    /// Whether a product can be ordered; the original service's two statuses.
    enum Status: String, Codable, Sendable, Hashable, CaseIterable {
        case available = "Available"
        case soldOut = "SoldOut"
    }

    /// `POST /products`.
    struct RegisterProduct: Message {
        static let type = "product.RegisterProduct"
        var price: Price
        var status: Status
    }

    /// `PATCH /products/{id}`: the status, the price or both.
    struct ChangeProduct: Message {
        static let type = "product.ChangeProduct"
        var id: Int
        var price: Price?
        var status: Status?
    }

    struct ProductRegistered: Message, Hashable {
        static let type = "product.ProductRegistered"
        var id: Int
        var price: Price
        var status: Status
    }

    /// A product changed: the whole product at `version` (the registration is version 0).
    struct UpdatedProductStatus: Message, Hashable {
        static let type = "product.UpdatedProductStatus"
        var id: Int
        var price: Price
        var status: Status
        var previousStatus: Status
        var version: Int
    }

    /// The query order makes before it places an order.
    struct CheckProduct: RPCRequest {
        typealias Reply = CheckProductReply
        static let type = "product.CheckProduct"
        var productId: Int
    }

    /// The product's price and status, or `found: false`: an unknown product is an answer.
    struct CheckProductReply: Message, Hashable {
        static let type = "product.CheckProductReply"
        var found: Bool
        var price: Price?
        var status: Status?

        static let unknown = CheckProductReply(found: false)

        static func found(_ product: ProductRecord) -> CheckProductReply {
            CheckProductReply(found: true, price: product.price, status: product.status)
        }
    }

    /// A row of the `products` view (table `products`).
    struct ProductRecord: Codable, Sendable, Hashable {
        var id: Int
        var price: Price
        var status: Status
    }
}
