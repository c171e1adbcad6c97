import Postgres

extension PayMethod {
    /// The paymethod context's tables, inside the delivery's transaction.
    struct PayMethods {
        let database: PostgresConnection

        func lock(_ id: Int) async throws -> (record: PayMethodRecord, version: Int)? {
            let rows = try await database.query("""
                SELECT p.id, p.kind, p.number_masked, p.request_id, p.pay_kind_reg_status, h.version
                FROM paymethods p JOIN card_hashes h ON h.pay_method_id = p.id WHERE p.id = \(id) FOR UPDATE
                """, prepared: true)
            guard let row = rows.first else { return nil }
            let record = PayMethodRecord(id: try row.decode(at: 0), kind: try row.decode(at: 1), numberMasked: try row.decode(at: 2),
                                         requestId: try row.decode(at: 3), payKindRegStatus: try row.decode(at: 4))
            return (record, try row.decode(at: 5))
        }

        /// Stores a registered card; false when its id is taken (see `Calls.claimId`).
        func insert(_ record: PayMethodRecord, hash: String) async throws -> Bool {
            let inserted = try await database.execute("""
                INSERT INTO paymethods (id, kind, number_masked, request_id, pay_kind_reg_status)
                VALUES (\(record.id), \(record.kind), \(record.numberMasked), \(record.requestId), \(record.payKindRegStatus))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true)
            guard inserted == 1 else { return false }
            try await database.execute("INSERT INTO card_hashes (pay_method_id, number_hash) VALUES (\(record.id), \(hash))",
                                       prepared: true)
            return true
        }

        func update(_ record: PayMethodRecord, hash: String?, version: Int) async throws {
            try await database.execute("""
                UPDATE paymethods SET kind = \(record.kind), number_masked = \(record.numberMasked),
                    pay_kind_reg_status = \(record.payKindRegStatus) WHERE id = \(record.id)
                """, prepared: true)
            try await database.execute("""
                UPDATE card_hashes SET number_hash = COALESCE(\(hash), number_hash), version = \(version) WHERE pay_method_id = \(record.id)
                """, prepared: true)
        }
    }
}
