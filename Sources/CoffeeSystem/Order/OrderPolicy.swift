extension Order {
    /// What product said about the ordered product, obtained before the transaction opens.
    enum ProductAnswer: Sendable, Equatable {
        case product(price: Price, status: Product.Status)
        case unknown
        case unavailable(reason: String)
    }

    /// The original's rule: an order completes only for a product whose price is not 0 and
    /// whose status is `Available`. Every other answer says why, in the customer's words.
    enum Policy {
        enum Decision: Equatable {
            case place(price: Price)
            case refuse(reason: String)
            case unavailable(reason: String)
        }

        static func decide(productId: Int, _ answer: ProductAnswer) -> Decision {
            switch answer {
            case .unknown:
                return .refuse(reason: "product \(productId) does not exist")
            case .unavailable(let reason):
                return .unavailable(reason: reason)
            case .product(_, .soldOut):
                return .refuse(reason: "product \(productId) is sold out")
            case .product(let price, .available) where !price.isPositive:
                return .refuse(reason: "product \(productId) has no price (\(price))")
            case .product(let price, .available):
                return .place(price: price)
            }
        }
    }
}
