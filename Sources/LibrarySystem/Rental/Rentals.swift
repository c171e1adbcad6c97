import Postgres

extension Rental {
    /// The rental context's tables, inside the delivery's transaction.
    struct Rentals {
        let database: PostgresConnection

        /// The rental, locked until the transaction ends, so two moves of one rental take turns.
        func lock(_ id: Int) async throws -> RentalRecord? {
            let rows = try await database.query("""
                SELECT id, member_id, book_id, req_state, kiosk_no FROM rentals WHERE id = \(id) FOR UPDATE
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return RentalRecord(id: try row.decode(at: 0), memberId: try row.decode(at: 1), bookId: try row.decode(at: 2),
                                reqState: try row.decode(at: 3), kioskNo: try row.decode(at: 4))
        }

        /// Stores a new rental; false when its id is taken (see `Calls.claimId`).
        func insert(_ rental: RentalRecord) async throws -> Bool {
            try await database.execute("""
                INSERT INTO rentals (id, member_id, book_id, req_state, kiosk_no)
                VALUES (\(rental.id), \(rental.memberId), \(rental.bookId), \(rental.reqState), \(rental.kioskNo))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true) == 1
        }

        func update(_ rental: RentalRecord) async throws {
            try await database.execute("""
                UPDATE rentals SET req_state = \(rental.reqState), kiosk_no = \(rental.kioskNo) WHERE id = \(rental.id)
                """, prepared: true)
        }

        /// The next event's version.
        func nextVersion() async throws -> Int {
            try await database.query("SELECT nextval('event_versions')", prepared: true)[0].decode(at: 0)
        }

        func recordRefusal(_ id: Int, of request: Reserve, refusal: String, reason: String) async throws {
            try await database.execute("""
                INSERT INTO refused_reservations (id, member_id, book_id, refusal, reason)
                VALUES (\(id), \(request.memberId), \(request.bookId), \(refusal), \(reason))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true)
        }
    }
}
