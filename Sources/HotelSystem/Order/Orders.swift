import Postgres

extension Order {
    /// The order context's tables, inside the delivery's transaction.
    struct Orders {
        let database: PostgresConnection

        /// The booking, locked until the transaction ends, so two cancellations take turns.
        func lock(_ id: Int) async throws -> OrderRecord? {
            let rows = try await database.query("SELECT id, name, card_no, status FROM orders WHERE id = \(id) FOR UPDATE",
                                                prepared: true)
            guard let row = rows.first else { return nil }
            return OrderRecord(id: try row.decode(at: 0), name: try row.decode(at: 1), cardNo: try row.decode(at: 2),
                               status: try row.decode(at: 3))
        }

        /// Stores a new booking; false when its id is taken (see `Calls.claimId`).
        func insert(_ order: OrderRecord, cancelReason: String? = nil) async throws -> Bool {
            try await database.execute("""
                INSERT INTO orders (id, name, card_no, status, cancel_reason)
                VALUES (\(order.id), \(order.name), \(order.cardNo), \(order.status), \(cancelReason))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true) == 1
        }

        func cancel(_ id: Int, reason: String) async throws {
            try await database.execute("""
                UPDATE orders SET status = \(Status.canceled), cancel_reason = \(reason) WHERE id = \(id)
                """, prepared: true)
        }
    }
}
