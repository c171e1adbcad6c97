import Postgres

extension Payment {
    /// The payment context's tables, inside the delivery's transaction.
    struct Payments {
        let database: PostgresConnection

        /// Serializes every decision about one rental id (pay, void, refund) until the
        /// transaction ends: without it a void and a payment running at once could each miss the
        /// other's uncommitted row, leaving a charge nobody refunds.
        func lockRental(_ rentalId: Int) async throws {
            try await database.execute("SELECT pg_advisory_xact_lock(hashtext('payment.rental'), hashtext(\(String(rentalId))))",
                                       prepared: true)
        }

        func payment(rentalId: Int) async throws -> PaymentRecord? {
            let rows = try await database.query("""
                SELECT id, rental_id, member_id, book_id, status FROM payments WHERE rental_id = \(rentalId)
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return PaymentRecord(id: try row.decode(at: 0), rentalId: try row.decode(at: 1), memberId: try row.decode(at: 2),
                                 bookId: try row.decode(at: 3), status: try row.decode(at: 4))
        }

        func charge(_ request: Pay) async throws -> Int {
            try await database.query("""
                INSERT INTO payments (rental_id, member_id, book_id, status)
                VALUES (\(request.rentalId), \(request.memberId), \(request.bookId), \(Status.paid)) RETURNING id
                """, prepared: true)[0].decode(at: 0)
        }

        func setStatus(_ status: String, paymentId: Int) async throws {
            try await database.execute("UPDATE payments SET status = \(status) WHERE id = \(paymentId)", prepared: true)
        }

        func isCancelled(rentalId: Int) async throws -> Bool {
            try await !database.query("SELECT 1 FROM cancellations WHERE rental_id = \(rentalId)", prepared: true).isEmpty
        }

        /// Records a void or a refund request once; the first cause is kept.
        func recordCancellation(rentalId: Int, cause: String, paymentId: Int?) async throws {
            try await database.execute("""
                INSERT INTO cancellations (rental_id, cause, payment_id) VALUES (\(rentalId), \(cause), \(paymentId))
                ON CONFLICT (rental_id) DO UPDATE SET payment_id = COALESCE(cancellations.payment_id, EXCLUDED.payment_id)
                """, prepared: true)
        }
    }
}
