import Postgres

extension Payment {
    /// The payment context's tables, inside the delivery's transaction.
    struct Payments {
        let database: PostgresConnection

        /// Serializes every decision about one order id (pay, void, refund) until the
        /// transaction ends: without it a void and a payment running at once could each miss the
        /// other's uncommitted row, leaving a charge nobody refunds.
        func lockOrder(_ orderId: Int) async throws {
            try await database.execute("SELECT pg_advisory_xact_lock(hashtext('payment.order'), hashtext(\(String(orderId))))",
                                       prepared: true)
        }

        func payment(orderId: Int) async throws -> PaymentHistory? {
            let rows = try await database.query("""
                SELECT id, order_id, card_no, status FROM payment_histories WHERE order_id = \(orderId)
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return PaymentHistory(id: try row.decode(at: 0), orderId: try row.decode(at: 1), cardNo: try row.decode(at: 2),
                                  status: try row.decode(at: 3))
        }

        func charge(orderId: Int, card: CardNumber) async throws -> Int {
            try await database.query("""
                INSERT INTO payment_histories (order_id, card_no, status)
                VALUES (\(orderId), \(card.masked), \(Status.approved)) RETURNING id
                """, prepared: true)[0].decode(at: 0)
        }

        func setStatus(_ status: String, paymentId: Int) async throws {
            try await database.execute("UPDATE payment_histories SET status = \(status) WHERE id = \(paymentId)", prepared: true)
        }

        func isCancelled(orderId: Int) async throws -> Bool {
            try await !database.query("SELECT 1 FROM cancellations WHERE order_id = \(orderId)", prepared: true).isEmpty
        }

        /// Records a void or a refund request once (the first cause is kept); returns its id.
        func recordCancellation(orderId: Int, cause: String, paymentId: Int?) async throws -> Int {
            try await database.query("""
                INSERT INTO cancellations (order_id, cause, payment_id) VALUES (\(orderId), \(cause), \(paymentId))
                ON CONFLICT (order_id) DO UPDATE SET payment_id = COALESCE(cancellations.payment_id, EXCLUDED.payment_id)
                RETURNING id
                """, prepared: true)[0].decode(at: 0)
        }
    }
}
