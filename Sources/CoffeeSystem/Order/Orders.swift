import Postgres

extension Order {
    /// The order context's tables, inside the delivery's transaction.
    struct Orders {
        let database: PostgresConnection

        func place(productId: Int, price: Price) async throws -> OrderRecord {
            let id: Int = try await database.query("""
                INSERT INTO orders (product_id, price, status) VALUES (\(productId), \(price), \(Status.placed)) RETURNING id
                """, prepared: true)[0].decode(at: 0)
            return OrderRecord(id: id, productId: productId, price: price, status: Status.placed)
        }

        /// Keeps a product's copy at `version` unless a later version is already known; an
        /// event seen twice or overtaken by a later one changes nothing.
        func keepProduct(id: Int, price: Price, status: Product.Status, version: Int) async throws {
            try await database.execute("""
                INSERT INTO order_products (id, price, status, version) VALUES (\(id), \(price), \(status.rawValue), \(version))
                ON CONFLICT (id) DO UPDATE SET price = EXCLUDED.price, status = EXCLUDED.status, version = EXCLUDED.version
                WHERE order_products.version < EXCLUDED.version
                """, prepared: true)
        }
    }
}
