import Postgres
import Warren

extension Reservation {
    /// The reservation worker: `warren worker hotel/reservation`.
    static func context() -> BoundedContext {
        var context = BoundedContext("reservation", system: HotelSystem.name, migrations: migrations)
        context.on(Payment.PaymentApproved.self) { approved, handling in
            try await complete(orderId: approved.orderId, handling)
        }
        context.on(Order.OrderCanceled.self) { canceled, handling in
            try await cancel(orderId: canceled.orderId, handling)
        }
        // A refund follows a cancelled booking, but also a void: order gave up waiting for a
        // payment that was then made, so no booking exists to cancel, and only the refund says
        // that the approval's reservation must go.
        context.on(Payment.PaymentCanceled.self) { refunded, handling in
            try await cancel(orderId: refunded.orderId, handling)
        }
        return context
    }

    /// Makes the reservation of a paid booking and announces it, once; none for a booking
    /// already cancelled.
    static func complete(orderId: Int, _ handling: Handling) async throws {
        let database = handling.database
        try await lock(orderId, database)
        if try await !database.query("SELECT 1 FROM cancelled_orders WHERE order_id = \(orderId)", prepared: true).isEmpty {
            handling.logger.info("no reservation: the booking was cancelled before its payment arrived", metadata: ["order.id": "\(orderId)"])
            return
        }
        let rows = try await database.query("""
            INSERT INTO reservations (order_id, status) VALUES (\(orderId), \(Status.completed))
            ON CONFLICT (order_id) DO NOTHING RETURNING id
            """, prepared: true)
        guard let row = rows.first else { return }
        try handling.publish(ReservationCompleted(reservationId: try row.decode(at: 0), orderId: orderId))
    }

    /// Deletes the reservation of a cancelled booking and announces it, once; remembers the
    /// cancellation so that a late payment makes no reservation.
    static func cancel(orderId: Int, _ handling: Handling) async throws {
        let database = handling.database
        try await lock(orderId, database)
        let deleted = try await database.query("DELETE FROM reservations WHERE order_id = \(orderId) RETURNING id", prepared: true)
        let reservationId: Int? = try deleted.first?.decode(at: 0)
        try await database.execute("""
            INSERT INTO cancelled_orders (order_id, reservation_id) VALUES (\(orderId), \(reservationId))
            ON CONFLICT (order_id) DO NOTHING
            """, prepared: true)
        if let reservationId {
            try handling.publish(ReservationCanceled(reservationId: reservationId, orderId: orderId))
        }
    }

    /// One booking's two events take turns until the transaction ends.
    private static func lock(_ orderId: Int, _ database: PostgresConnection) async throws {
        try await database.execute("SELECT pg_advisory_xact_lock(hashtext('reservation.order'), hashtext(\(String(orderId))))",
                                   prepared: true)
    }
}
