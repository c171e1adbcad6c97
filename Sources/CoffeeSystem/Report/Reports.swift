import Postgres

extension Report {
    /// The report context's tables, inside the delivery's transaction.
    struct Reports {
        let database: PostgresConnection

        /// Keeps the product at `version` unless a later version is already known.
        func keep(productId: Int, price: Price, status: Product.Status, version: Int) async throws {
            try await database.execute("""
                INSERT INTO reports (product_id, price, status, version) VALUES (\(productId), \(price), \(status.rawValue), \(version))
                ON CONFLICT (product_id) DO UPDATE SET price = EXCLUDED.price, status = EXCLUDED.status, version = EXCLUDED.version
                WHERE reports.version < EXCLUDED.version
                """, prepared: true)
        }

        /// Appends a notification once per change (its product and version).
        func record(_ notification: Notification) async throws {
            try await database.execute("""
                INSERT INTO notifications (product_id, version, previous_status, status, text)
                VALUES (\(notification.productId), \(notification.version), \(notification.previousStatus),
                        \(notification.status), \(notification.text))
                ON CONFLICT (product_id, version) DO NOTHING
                """, prepared: true)
        }

        /// Counts a placed order in its product's sales, once.
        func count(_ order: Order.OrderPlaced) async throws {
            let counted = try await database.execute("""
                INSERT INTO sold_orders (order_id, product_id, price) VALUES (\(order.id), \(order.productId), \(order.price))
                ON CONFLICT (order_id) DO NOTHING
                """, prepared: true)
            guard counted == 1 else { return }
            try await database.execute("""
                INSERT INTO sales (product_id, orders, amount) VALUES (\(order.productId), 1, \(order.price))
                ON CONFLICT (product_id) DO UPDATE SET orders = sales.orders + 1, amount = sales.amount + EXCLUDED.amount
                """, prepared: true)
        }
    }
}
