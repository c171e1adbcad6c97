import Postgres
import Warren

extension Hotel {
    /// The hotel worker: `warren worker hotel/hotel`.
    static func context() -> BoundedContext {
        var context = BoundedContext("hotel", system: HotelSystem.name, migrations: migrations)
        context.on(Reservation.ReservationCompleted.self) { completed, handling in
            try await record(orderId: completed.orderId, reservationId: completed.reservationId,
                             status: Status.completed, rank: 1, handling.database)
        }
        context.on(Reservation.ReservationCanceled.self) { canceled, handling in
            try await record(orderId: canceled.orderId, reservationId: canceled.reservationId,
                             status: Status.canceledByCustomer, rank: 3, handling.database)
        }
        context.on(ConfirmReservation.self) { request, handling in
            handling.respond(try await confirm(request, handling))
        }
        return context
    }

    /// Keeps reservation's news of a reservation unless a status of a higher rank is kept.
    static func record(orderId: Int, reservationId: Int, status: String, rank: Int, _ database: PostgresConnection) async throws {
        try await database.execute("""
            INSERT INTO confirmations (order_id, reservation_id, status, rank)
            VALUES (\(orderId), \(reservationId), \(status), \(rank))
            ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, rank = EXCLUDED.rank
            WHERE confirmations.rank < EXCLUDED.rank
            """, prepared: true)
    }

    /// The operator confirms or cancels a completed reservation: 201 with the confirmation
    /// when it moves (announced), 200 when it already has the status, 400 for an unknown
    /// status, 409 with the reason otherwise.
    static func confirm(_ request: ConfirmReservation, _ handling: Handling) async throws -> Outcome {
        guard let verb = ConfirmationDecision.Verb(request.status) else {
            return .refused(.invalid, ConfirmationDecision.unknown(request.status))
        }
        let rows = try await handling.database.query("""
            SELECT id, order_id, reservation_id, status FROM confirmations WHERE order_id = \(request.orderId) FOR UPDATE
            """, prepared: true)
        var record = try rows.first.map { row in
            ConfirmationRecord(id: try row.decode(at: 0), orderId: try row.decode(at: 1), reservationId: try row.decode(at: 2),
                               status: try row.decode(at: 3))
        }
        switch ConfirmationDecision.decide(verb, current: record?.status, orderId: request.orderId) {
        case .refused(let reason):
            return .refused(.conflict, reason)
        case .alreadyThere:
            return try .done(record)
        case .move(let status):
            guard var moved = record else { return .refused(.conflict, "no reservation for order \(request.orderId)") }
            moved.status = status
            record = moved
            try await handling.database.execute("""
                UPDATE confirmations SET status = \(status), rank = \(verb == .confirm ? 2 : 3) WHERE id = \(moved.id)
                """, prepared: true)
            if verb == .confirm {
                try handling.publish(ReservationConfirmed(confirmationId: moved.id, orderId: moved.orderId, reservationId: moved.reservationId))
            } else {
                try handling.publish(ReservationRejected(confirmationId: moved.id, orderId: moved.orderId, reservationId: moved.reservationId))
            }
            return try .created(id: moved.id, moved)
        }
    }
}
