import Postgres

extension Payment {
    /// The payment context's tables, inside the delivery's transaction.
    struct Payments {
        let database: PostgresConnection

        /// Serializes every decision about one request id (approve, void, refund) until the
        /// transaction ends: without it a void and an approval running at once could each miss
        /// the other's uncommitted row, leaving a charge that nobody refunds.
        func lockRequest(_ requestId: Int) async throws {
            try await database.execute("SELECT pg_advisory_xact_lock(hashtext('payment.request'), hashtext(\(String(requestId))))",
                                       prepared: true)
        }

        func payment(requestId: Int) async throws -> PaymentRecord? {
            let rows = try await database.query("""
                SELECT id, request_id, price, pay_kind, status FROM payments WHERE request_id = \(requestId)
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return PaymentRecord(id: try row.decode(at: 0), requestId: try row.decode(at: 1), price: try row.decode(at: 2),
                                 payKind: try row.decode(at: 3), status: try row.decode(at: 4))
        }

        func charge(requestId: Int, price: Price, payKind: String) async throws -> Int {
            try await database.query("""
                INSERT INTO payments (request_id, price, pay_kind, status)
                VALUES (\(requestId), \(price), \(payKind), \(Status.completed)) RETURNING id
                """, prepared: true)[0].decode(at: 0)
        }

        func setStatus(_ status: String, paymentId: Int) async throws {
            try await database.execute("UPDATE payments SET status = \(status) WHERE id = \(paymentId)", prepared: true)
        }

        func isCancelled(requestId: Int) async throws -> Bool {
            try await !database.query("SELECT 1 FROM cancellations WHERE request_id = \(requestId)", prepared: true).isEmpty
        }

        /// Records a void or a refund request once; the first cause is kept.
        func recordCancellation(requestId: Int, cause: String, paymentId: Int?) async throws {
            try await database.execute("""
                INSERT INTO cancellations (request_id, cause, payment_id) VALUES (\(requestId), \(cause), \(paymentId))
                ON CONFLICT (request_id) DO UPDATE SET payment_id = COALESCE(cancellations.payment_id, EXCLUDED.payment_id)
                """, prepared: true)
        }

        func registerPayKind(_ request: RegisterPayKind) async throws {
            try await database.execute("""
                INSERT INTO pay_kinds (pay_method_id, request_id, kind, number_last4, version)
                VALUES (\(request.payMethodId), \(request.requestId), \(request.kind), \(request.numberLast4), 0)
                ON CONFLICT (pay_method_id) DO UPDATE SET kind = EXCLUDED.kind, number_last4 = EXCLUDED.number_last4,
                    request_id = EXCLUDED.request_id, updated_at = now()
                """, prepared: true)
        }

        /// Applies a card change unless a later version is already known; true when applied.
        func changePayKind(_ change: PayMethod.KindChanged) async throws -> Bool {
            try await database.execute("""
                INSERT INTO pay_kinds (pay_method_id, request_id, kind, number_last4, version)
                VALUES (\(change.payMethodId), \(change.requestId), \(change.kind), \(String(change.numberMasked.suffix(4))), \(change.version))
                ON CONFLICT (pay_method_id) DO UPDATE SET kind = EXCLUDED.kind, number_last4 = EXCLUDED.number_last4,
                    version = EXCLUDED.version, updated_at = now()
                WHERE pay_kinds.version < EXCLUDED.version
                """, prepared: true) == 1
        }
    }
}
