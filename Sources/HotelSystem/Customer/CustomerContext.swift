import Postgres
import Warren

extension Customer {
    /// The customer worker: `warren worker hotel/customer`.
    static func context() -> BoundedContext {
        var context = BoundedContext("customer", system: HotelSystem.name, migrations: migrations)
        context.on(Order.Ordered.self) { try await apply(fact($0), on: $1.database) }
        context.on(Order.OrderCanceled.self) { try await apply(fact($0), on: $1.database) }
        context.on(Payment.PaymentApproved.self) { try await apply(fact($0), on: $1.database) }
        context.on(Payment.PaymentCanceled.self) { try await apply(fact($0), on: $1.database) }
        context.on(Reservation.ReservationCompleted.self) { try await apply(fact($0), on: $1.database) }
        context.on(Reservation.ReservationCanceled.self) { try await apply(fact($0), on: $1.database) }
        context.on(Hotel.ReservationConfirmed.self) { try await apply(fact($0), on: $1.database) }
        context.on(Hotel.ReservationRejected.self) { try await apply(fact($0), on: $1.database) }
        return context
    }

    /// Merges one fact into the booking's rows. One booking's events take turns (the operator's
    /// row copies the name from the customer's, and two events at once would each miss the
    /// other's change).
    static func apply(_ fact: Fact, on database: PostgresConnection) async throws {
        try await database.execute("SELECT pg_advisory_xact_lock(hashtext('customer.order'), hashtext(\(String(fact.orderId))))",
                                   prepared: true)
        try await database.execute("""
            INSERT INTO mypages (id, order_id, name, reservation_id, cancellation_id, status, rank)
            VALUES (\(fact.orderId), \(fact.orderId), \(fact.name), \(fact.reservationId), \(fact.cancellationId), \(fact.status), \(fact.rank))
            ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, mypages.name),
                reservation_id = COALESCE(EXCLUDED.reservation_id, mypages.reservation_id),
                cancellation_id = COALESCE(EXCLUDED.cancellation_id, mypages.cancellation_id),
                status = CASE WHEN EXCLUDED.rank > mypages.rank THEN EXCLUDED.status ELSE mypages.status END,
                rank = GREATEST(EXCLUDED.rank, mypages.rank)
            """, prepared: true)
        if let hotel = fact.hotelStatus {
            try await database.execute("""
                INSERT INTO hotel_views (id, order_id, name, reservation_id, confirmation_id, status, rank)
                VALUES (\(fact.orderId), \(fact.orderId), (SELECT name FROM mypages WHERE id = \(fact.orderId)), \(fact.reservationId),
                        \(fact.confirmationId), \(hotel.status), \(hotel.rank))
                ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, hotel_views.name),
                    reservation_id = COALESCE(EXCLUDED.reservation_id, hotel_views.reservation_id),
                    confirmation_id = COALESCE(EXCLUDED.confirmation_id, hotel_views.confirmation_id),
                    status = CASE WHEN EXCLUDED.rank > hotel_views.rank THEN EXCLUDED.status ELSE hotel_views.status END,
                    rank = GREATEST(EXCLUDED.rank, hotel_views.rank)
                """, prepared: true)
        } else if let name = fact.name {
            try await database.execute("UPDATE hotel_views SET name = \(name) WHERE id = \(fact.orderId)", prepared: true)
        }
        try await database.execute("""
            INSERT INTO notifications (order_id, event, message) VALUES (\(fact.orderId), \(fact.event), \(fact.message))
            ON CONFLICT (order_id, event) DO NOTHING
            """, prepared: true)
    }
}
