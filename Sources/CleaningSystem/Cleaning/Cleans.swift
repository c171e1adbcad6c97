import Postgres

extension Cleaning {
    /// The cleaning context's tables, inside the delivery's transaction.
    struct Cleans {
        let database: PostgresConnection

        func lock(requestId: Int) async throws -> Clean? {
            let rows = try await database.query("""
                SELECT id, request_id, request_date, place, cleaner_id, status FROM cleans WHERE request_id = \(requestId) FOR UPDATE
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return Clean(id: try row.decode(at: 0), requestId: try row.decode(at: 1), requestDate: try row.decode(at: 2),
                         place: try row.decode(at: 3), cleanerId: try row.decode(at: 4), status: try row.decode(at: 5))
        }

        func insert(requestId: Int, requestDate: String, place: String, cleanerId: Int?, status: String) async throws -> Clean {
            let rows = try await database.query("""
                INSERT INTO cleans (request_id, request_date, place, cleaner_id, status)
                VALUES (\(requestId), \(requestDate), \(place), \(cleanerId), \(status)) RETURNING id
                """, prepared: true)
            return Clean(id: try rows[0].decode(at: 0), requestId: requestId, requestDate: requestDate, place: place,
                         cleanerId: cleanerId, status: status)
        }

        func setStatus(_ status: String, requestId: Int) async throws {
            try await database.execute("UPDATE cleans SET status = \(status) WHERE request_id = \(requestId)", prepared: true)
        }

        /// Serializes the bookings of one day across workers until the transaction ends.
        func lockDay(_ day: String) async throws {
            try await database.execute("SELECT pg_advisory_xact_lock(hashtext('cleaning.day'), hashtext(\(day)))", prepared: true)
        }

        func bookedCleaners(day: String) async throws -> [Int] {
            try await database.query("SELECT cleaner_id FROM assignments WHERE day = \(day)", prepared: true)
                .map { try $0.decode(Int.self, at: 0) }
        }

        func book(cleaner: Int, day: String, requestId: Int) async throws {
            try await database.execute("""
                INSERT INTO assignments (day, cleaner_id, request_id) VALUES (\(day), \(cleaner), \(requestId))
                """, prepared: true)
        }

        /// Frees the request's cleaner, if it had one; true when a slot was freed.
        func free(requestId: Int) async throws -> Bool {
            try await database.execute("DELETE FROM assignments WHERE request_id = \(requestId)", prepared: true) > 0
        }

        func recordCancellation(requestId: Int, cause: String) async throws {
            try await database.execute("""
                INSERT INTO cancelled_requests (request_id, cause) VALUES (\(requestId), \(cause)) ON CONFLICT (request_id) DO NOTHING
                """, prepared: true)
        }

        func wasCancelled(requestId: Int) async throws -> Bool {
            try await !database.query("SELECT 1 FROM cancelled_requests WHERE request_id = \(requestId)", prepared: true).isEmpty
        }
    }
}
