import Postgres

extension Kiosk {
    /// The kiosk context's tables, inside the delivery's transaction.
    struct Kiosks {
        let database: PostgresConnection

        /// Serializes an attempt and its void until the transaction ends.
        func lockAttempt(_ requestId: Int) async throws {
            try await database.execute("SELECT pg_advisory_xact_lock(hashtext('kiosk.attempt'), hashtext(\(String(requestId))))",
                                       prepared: true)
        }

        func attemptStatus(_ requestId: Int) async throws -> String? {
            try await database.query("SELECT status FROM self_rental_attempts WHERE request_id = \(requestId)", prepared: true)
                .first?.decode(at: 0)
        }

        func recordAttempt(_ request: SelfRental, status: String) async throws {
            try await database.execute("""
                INSERT INTO self_rental_attempts (request_id, rental_id, kiosk_no, status)
                VALUES (\(request.requestId), \(request.rentalId), \(request.kioskNo), \(status))
                ON CONFLICT (request_id) DO NOTHING
                """, prepared: true)
        }

        /// Marks an attempt voided, known or not; true when it had been accepted.
        func void(_ requestId: Int) async throws -> Bool {
            let previous = try await attemptStatus(requestId)
            try await database.execute("""
                INSERT INTO self_rental_attempts (request_id, status) VALUES (\(requestId), 'voided')
                ON CONFLICT (request_id) DO UPDATE SET status = 'voided'
                """, prepared: true)
            return previous == "accepted"
        }

        /// The kiosk a rental was taken at, if the rental announced it.
        func record(rentalId: Int) async throws -> KioskRecord? {
            let rows = try await database.query("""
                SELECT id, rental_id, book_id, member_id, kiosk_no, book_status FROM kiosks WHERE rental_id = \(rentalId)
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return KioskRecord(id: try row.decode(at: 0), rentalId: try row.decode(at: 1), bookId: try row.decode(at: 2),
                               memberId: try row.decode(at: 3), kioskNo: try row.decode(at: 4), bookStatus: try row.decode(at: 5))
        }

        /// Which of a rental's two announcements were made.
        struct Announced {
            var rental: Bool
            var `return`: Bool
        }

        /// Merges one of rental's kiosk events into the rental's row (the highest version wins)
        /// and returns the row, locked, with what was announced before.
        func merge(rentalId: Int, bookId: Int, memberId: Int, kioskNo: Int, bookStatus: String, version: Int)
            async throws -> (record: KioskRecord, announced: Announced) {
            try await database.execute("""
                INSERT INTO kiosks (rental_id, book_id, member_id, kiosk_no, book_status, version)
                VALUES (\(rentalId), \(bookId), \(memberId), \(kioskNo), \(bookStatus), \(version))
                ON CONFLICT (rental_id) DO UPDATE SET kiosk_no = EXCLUDED.kiosk_no, book_status = EXCLUDED.book_status,
                    version = EXCLUDED.version
                WHERE kiosks.version < EXCLUDED.version
                """, prepared: true)
            let row = try await database.query("""
                SELECT id, rental_id, book_id, member_id, kiosk_no, book_status, rental_announced, return_announced
                FROM kiosks WHERE rental_id = \(rentalId) FOR UPDATE
                """, prepared: true)[0]
            let record = KioskRecord(id: try row.decode(at: 0), rentalId: try row.decode(at: 1), bookId: try row.decode(at: 2),
                                     memberId: try row.decode(at: 3), kioskNo: try row.decode(at: 4), bookStatus: try row.decode(at: 5))
            return (record, Announced(rental: try row.decode(at: 6), return: try row.decode(at: 7)))
        }

        func markAnnounced(rentalId: Int, return isReturn: Bool) async throws {
            let column = isReturn ? "return_announced" : "rental_announced"
            try await database.execute("UPDATE kiosks SET \(unescaped: column) = true WHERE rental_id = \(rentalId)", prepared: true)
        }
    }
}
