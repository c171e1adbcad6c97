import Warren

extension Reservation {
    static let migrations = [
        // The view: one reservation per paid booking that is not cancelled.
        Migration(1, "reservations", """
            CREATE TABLE reservations (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL UNIQUE,
                status text NOT NULL
            )
            """),
        // Every cancelled booking: a PaymentApproved arriving after its cancellation makes no
        // reservation (the refund is payment's).
        Migration(2, "cancelled orders", """
            CREATE TABLE cancelled_orders (
                order_id bigint PRIMARY KEY,
                reservation_id bigint,
                cancelled_at timestamptz NOT NULL DEFAULT now()
            )
            """),
    ]
}
