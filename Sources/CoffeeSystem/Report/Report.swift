import Warren

/// The clerk's CQRS view of every product's current price and status (`GET /reports`), the
/// notifications sent whenever a product's status changed (`GET /notifications`) and each
/// product's sales (`GET /sales`); built only from events, so it ends the same whatever order
/// or number of copies they arrive in.
public enum Report {
    /// A row of the `reports` view (table `reports`).
    struct ProductReport: Codable, Sendable, Hashable {
        var productId: Int
        var price: Price
        var status: String
    }

    /// A row of the `sales` view (table `sales`).
    struct Sales: Codable, Sendable, Hashable {
        var productId: Int
        var orders: Int
        var amount: Price
    }

    /// A row of the `notifications` view (table `notifications`), before the database numbers it.
    struct Notification: Codable, Sendable, Hashable {
        var productId: Int
        var version: Int
        var previousStatus: String
        var status: String
        var text: String
    }

    /// The report worker: `warren worker coffee/report`.
    static func context() -> BoundedContext {
        var context = BoundedContext("report", system: CoffeeSystem.name, migrations: migrations)
        context.on(Product.ProductRegistered.self) { event, handling in
            try await Reports(database: handling.database).keep(productId: event.id, price: event.price, status: event.status, version: 0)
        }
        context.on(Product.UpdatedProductStatus.self) { event, handling in
            let reports = Reports(database: handling.database)
            try await reports.keep(productId: event.id, price: event.price, status: event.status, version: event.version)
            if let notification = event.notification { try await reports.record(notification) }
        }
        context.on(Order.OrderPlaced.self) { order, handling in
            try await Reports(database: handling.database).count(order)
        }
        return context
    }
}

extension Product.UpdatedProductStatus {
    /// What the customers are told of this change; nil when the status stayed the same (a
    /// price change alone).
    var notification: Report.Notification? {
        guard status != previousStatus else { return nil }
        let text = switch status {
        case .soldOut: "Product \(id) is sold out."
        case .available: "Product \(id) is available again, at \(price)."
        }
        return Report.Notification(productId: id, version: version, previousStatus: previousStatus.rawValue,
                                   status: status.rawValue, text: text)
    }
}
