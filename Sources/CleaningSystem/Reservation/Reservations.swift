import Postgres

extension Reservation {
    /// The reservation context's tables, inside the delivery's transaction.
    struct Reservations {
        let database: PostgresConnection

        /// The reservation, locked until the transaction ends.
        func lock(_ id: Int) async throws -> CleaningReservation? {
            let rows = try await database.query("""
                SELECT id, request_date, place, price, pay_kind, status FROM cleaning_reservations WHERE id = \(id) FOR UPDATE
                """, prepared: true)
            guard let row = rows.first else { return nil }
            return CleaningReservation(
                id: try row.decode(at: 0), requestDate: try row.decode(at: 1), place: try row.decode(at: 2),
                price: try row.decode(at: 3), payKind: try row.decode(at: 4), status: try row.decode(at: 5))
        }

        /// Stores a new reservation; false when its id is taken (see `Calls.claimId`).
        func insert(_ reservation: CleaningReservation) async throws -> Bool {
            try await database.execute("""
                INSERT INTO cleaning_reservations (id, request_date, place, price, pay_kind, status)
                VALUES (\(reservation.id), \(reservation.requestDate), \(reservation.place), \(reservation.price),
                        \(reservation.payKind), \(reservation.status))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true) == 1
        }

        func setStatus(_ status: String, of id: Int) async throws {
            try await database.execute("UPDATE cleaning_reservations SET status = \(status) WHERE id = \(id)", prepared: true)
        }

        /// Whether a request with this id was refused (declined or payment unavailable).
        func wasRefused(_ id: Int) async throws -> Bool {
            try await !database.query("SELECT 1 FROM refused_requests WHERE id = \(id)", prepared: true).isEmpty
        }

        func recordRefusal(_ id: Int, of request: RequestCleaning, refusal: String, reason: String) async throws {
            try await database.execute("""
                INSERT INTO refused_requests (id, request_date, place, price, pay_kind, refusal, reason)
                VALUES (\(id), \(request.requestDate), \(request.place), \(request.price), \(request.payKind), \(refusal), \(reason))
                ON CONFLICT (id) DO NOTHING
                """, prepared: true)
        }
    }
}
