import Warren

extension Customer {
    static let migrations = [
        // One row per booking (`id` is the order id): what its events said, each column filled by
        // the event that knows it, and the status of the event of the highest rank.
        Migration(1, "mypages", """
            CREATE TABLE mypages (
                id bigint PRIMARY KEY,
                order_id bigint NOT NULL,
                name text,
                reservation_id bigint,
                cancellation_id bigint,
                status text NOT NULL,
                rank int NOT NULL
            )
            """),
        // The operator's rows: a booking appears once reservation made its reservation.
        Migration(2, "hotel views", """
            CREATE TABLE hotel_views (
                id bigint PRIMARY KEY,
                order_id bigint NOT NULL,
                name text,
                reservation_id bigint,
                confirmation_id bigint,
                status text NOT NULL,
                rank int NOT NULL
            )
            """),
        // The notification history: one line per booking and event type, whatever the copies.
        Migration(3, "notifications", """
            CREATE TABLE notifications (
                id bigserial PRIMARY KEY,
                order_id bigint NOT NULL,
                event text NOT NULL,
                message text NOT NULL,
                UNIQUE (order_id, event)
            )
            """),
        // A booking is shown once its name is known (`Ordered` or `OrderCanceled` seen): the
        // events of a payment voided after order gave up waiting (approved, reserved, deleted,
        // refunded) are kept, but they are no customer's booking and show on no page. The
        // tables keep every fact; the views the ingress reads are these filters of them.
        Migration(4, "booking pages behind mypages", "ALTER TABLE mypages RENAME TO booking_pages"),
        Migration(5, "mypages shows named bookings", """
            CREATE VIEW mypages AS SELECT id, order_id, name, reservation_id, cancellation_id, status, rank
            FROM booking_pages WHERE name IS NOT NULL
            """),
        Migration(6, "booking hotel views behind hotel views", "ALTER TABLE hotel_views RENAME TO booking_hotel_views"),
        Migration(7, "hotel views shows named bookings", """
            CREATE VIEW hotel_views AS SELECT id, order_id, name, reservation_id, confirmation_id, status, rank
            FROM booking_hotel_views WHERE name IS NOT NULL
            """),
    ]
}
