import Postgres

extension StorageCall {
    /// The storagecall context's table, inside the delivery's transaction.
    struct Calls {
        let database: PostgresConnection

        /// The call, locked until the transaction ends, so two changes take turns.
        func lock(_ id: Int) async throws -> Record? {
            let rows = try await database.query("SELECT id, tel, location, status, cost FROM storagecalls WHERE id = \(id) FOR UPDATE",
                                                prepared: true)
            guard let row = rows.first else { return nil }
            return Record(id: try row.decode(at: 0), tel: try row.decode(at: 1), location: try row.decode(at: 2),
                          status: try row.decode(at: 3), cost: try row.decode(at: 4))
        }

        /// Stores a new call; false when its id is taken (see `Calls.claimId`).
        func insert(_ record: Record) async throws -> Bool {
            try await database.execute("""
                INSERT INTO storagecalls (id, tel, location, status, cost)
                VALUES (\(record.id), \(record.tel), \(record.location), \(record.status), \(record.cost))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true) == 1
        }

        func setStatus(_ status: String, id: Int, reason: String?) async throws {
            try await database.execute("""
                UPDATE storagecalls SET status = \(status), cancel_reason = COALESCE(\(reason), cancel_reason) WHERE id = \(id)
                """, prepared: true)
        }
    }
}
