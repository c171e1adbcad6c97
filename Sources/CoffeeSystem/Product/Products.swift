import Postgres

extension Product {
    /// The product context's table, inside the delivery's transaction.
    struct Products {
        let database: PostgresConnection

        func insert(price: Price, status: Status) async throws -> ProductRecord {
            let id: Int = try await database.query("""
                INSERT INTO products (price, status) VALUES (\(price), \(status.rawValue)) RETURNING id
                """, prepared: true)[0].decode(at: 0)
            return ProductRecord(id: id, price: price, status: status)
        }

        func find(_ id: Int) async throws -> ProductRecord? {
            try await select("SELECT id, price, status, version FROM products WHERE id = \(id)")?.record
        }

        /// The product and its version, locked until the transaction ends.
        func lock(_ id: Int) async throws -> (record: ProductRecord, version: Int)? {
            try await select("SELECT id, price, status, version FROM products WHERE id = \(id) FOR UPDATE")
        }

        func update(_ product: ProductRecord, version: Int) async throws {
            try await database.execute("""
                UPDATE products SET price = \(product.price), status = \(product.status.rawValue), version = \(version)
                WHERE id = \(product.id)
                """, prepared: true)
        }

        private func select(_ sql: PostgresQuery) async throws -> (record: ProductRecord, version: Int)? {
            guard let row = try await database.query(sql, prepared: true).first else { return nil }
            let text: String = try row.decode(at: 2)
            guard let status = Status(rawValue: text) else { throw UnknownStatus(text: text) }
            return (ProductRecord(id: try row.decode(at: 0), price: try row.decode(at: 1), status: status), try row.decode(at: 3))
        }
    }

    /// A status the table holds but this code does not know: a bug or a hand edit, never a
    /// client's input (the gateway and the decoder refuse those).
    struct UnknownStatus: Error, CustomStringConvertible {
        let text: String
        var description: String { "the products table holds an unknown status `\(text)`" }
    }
}
